/**
 * kube-apiserver's --service-cluster-ip-range and --service-node-port-range as its flag parsing
 * and option validation read them, with Kubernetes' error messages, and the well-known addresses
 * of a service range: the `kubernetes` Service takes its first address, cluster DNS (kubeadm's
 * default) its tenth.
 */
import { formatCIDR, formatIPv4, parseCIDR, type IPv4CIDR } from './cidr.js';

/** DEFAULT_SERVICE_CLUSTER_IP_RANGE is kube-apiserver's default. */
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/12';
/** DEFAULT_SERVICE_NODE_PORT_RANGE is kube-apiserver's default. */
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';

/** the widest range kube-apiserver accepts: 20 host bits (validateClusterIPFlags' maxCIDRBits) */
const MAX_CIDR_BITS = 20;

/**
 * parseServiceClusterIPRange validates a --service-cluster-ip-range value and returns it in
 * canonical form ("10.96.0.1/12" → "10.96.0.0/12"). tskube's Services are IPv4 single-stack, so a
 * second (dual-stack) entry or an IPv6 range is refused with a message that says so.
 */
export function parseServiceClusterIPRange(value: string): string {
  const entries = value.split(',');
  if (entries.length > 2) throw new Error('--service-cluster-ip-range must not contain more than two entries');
  if (entries.length === 2) throw new Error('--service-cluster-ip-range: a second (dual-stack) range is not supported; tskube\'s Services are IPv4 only');
  let cidr: IPv4CIDR;
  try {
    cidr = parseCIDR(entries[0].trim());
  } catch {
    if (entries[0].includes(':') && entries[0].includes('/')) throw new Error('--service-cluster-ip-range: IPv6 ranges are not supported; tskube\'s Services are IPv4 only');
    throw new Error('service-cluster-ip-range[0] is not a valid cidr');
  }
  if (32 - cidr.prefix > MAX_CIDR_BITS) {
    throw new Error(`specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= ${32 - MAX_CIDR_BITS}`);
  }
  if (2 ** (32 - cidr.prefix) < 8) {
    throw new Error('error determining service IP ranges for primary service cidr: the service cluster IP range must be at least 8 IP addresses');
  }
  return formatCIDR(cidr);
}

/** serviceIPAt is the index-th address of a service range (utilnet.GetIndexedIP): 1 is the kubernetes Service's, 10 cluster DNS's. */
export function serviceIPAt(range: string, index: number): string {
  const c = parseCIDR(range);
  const total = 2 ** (32 - c.prefix);
  if (index < 0 || index >= total) throw new Error(`can't generate IP with index ${index} from subnet. subnet too small. subnet: ${formatCIDR(c)}`);
  return formatIPv4(c.base + index);
}

/** kubernetesServiceIP is the `kubernetes` Service's cluster IP: the range's first address. */
export function kubernetesServiceIP(range: string = DEFAULT_SERVICE_CLUSTER_IP_RANGE): string {
  return serviceIPAt(range, 1);
}

/** clusterDNSIP is the kube-dns Service's cluster IP: the range's tenth address, as kubeadm picks it. */
export function clusterDNSIP(range: string = DEFAULT_SERVICE_CLUSTER_IP_RANGE): string {
  return serviceIPAt(range, 10);
}

/**
 * parseServiceNodePortRange reads a --service-node-port-range value as utilnet.PortRange.Set does
 * ("30000-32767", "30000+2767" or one port; empty is the default) and returns it as "low-high".
 */
export function parseServiceNodePortRange(value: string): string {
  const v = value.trim();
  if (v === '') return DEFAULT_SERVICE_NODE_PORT_RANGE;
  const hyphen = v.indexOf('-');
  const plus = v.indexOf('+');
  let low: number;
  let high: number;
  if (hyphen === -1 && plus === -1) {
    low = high = atoi(v);
  } else if (hyphen !== -1 && plus === -1) {
    low = atoi(v.slice(0, hyphen));
    high = atoi(v.slice(hyphen + 1));
  } else if (plus !== -1 && hyphen === -1) {
    low = atoi(v.slice(0, plus));
    high = low + atoi(v.slice(plus + 1));
  } else {
    throw new Error(`unable to parse port range: ${v}`);
  }
  if (low > 65535 || high > 65535) throw new Error(`the port range cannot be greater than 65535: ${v}`);
  if (high < low) throw new Error(`end port cannot be less than start port: ${v}`);
  return `${low}-${high}`;
}

/** atoi is Go's strconv.Atoi: an optional sign and decimal digits, nothing else. */
function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}
