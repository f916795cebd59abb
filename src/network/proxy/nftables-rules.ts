/**
 * renderRuleset writes one node's Service rules as an nftables script, in the shape of
 * kube-proxy's nftables mode (pkg/proxy/nftables): a `services` map from cluster IP . protocol .
 * port to a per-Service-port chain, which picks an endpoint chain at random (numgen random mod N:
 * even balancing) that DNATs; node ports and external addresses go through an `external` chain
 * that marks for masquerade (externalTrafficPolicy Cluster) or keeps to this node's endpoints
 * (Local); a pod reaching itself is masqueraded (hairpin); ClientIP affinity is a dynamic set per
 * endpoint; a Service port without endpoints is rejected (dropped when its policy is Local).
 *
 * The script replaces the node's table in one transaction (add, delete, define), so the kernel
 * never sees half a ruleset. Everything is scoped to one table per node agent, and pod traffic
 * only to the node's own bridge, so two agents (or two clusters) on one machine do not meet.
 */
import { createHash } from 'node:crypto';
import { servicePortKey, type Endpoint, type ServicePort } from './service-ports.js';

/** MASQ_MARK is kube-proxy's masquerade bit. */
export const MASQ_MARK = '0x4000';

/** RulesetOptions describe the node the rules are for. */
export interface RulesetOptions {
  /** nftables table name (one per node agent) */
  table: string;
  /** the node's pod bridge: traffic from its pods is this proxy's to handle */
  bridge: string;
  /** the node's pod CIDR: traffic to a cluster IP from elsewhere (the host) is masqueraded */
  podCIDR?: string;
  /** the node's addresses, where node ports are open */
  nodeAddresses: string[];
  /** a comment naming the owner of the table */
  comment?: string;
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}

/** chainBase is kube-proxy's servicePortChainNameBase: namespace/name/protocol/portname. */
function chainBase(sp: ServicePort): string {
  return `${sp.namespace}/${sp.name}/${sp.protocol}/${sp.portName}`;
}

/** chain names: service-, external-, local-, endpoint- + a hash + a readable tail (nft allows '/' in names). */
export function serviceChain(sp: ServicePort): string { return `service-${hash(chainBase(sp))}-${chainBase(sp)}`; }
function externalChain(sp: ServicePort): string { return `external-${hash(chainBase(sp))}-${chainBase(sp)}`; }
function localChain(sp: ServicePort): string { return `local-${hash(chainBase(sp))}-${chainBase(sp)}`; }
function endpointChain(sp: ServicePort, ep: Endpoint): string {
  const base = `${chainBase(sp)}__${ep.ip}/${ep.port}`;
  return `endpoint-${hash(base)}-${base}`;
}
function affinitySet(sp: ServicePort, ep: Endpoint): string {
  const base = `${chainBase(sp)}__${ep.ip}/${ep.port}`;
  return `affinity-${hash(base)}-${base}`;
}

const quote = (s: string) => JSON.stringify(s);

/** renderRuleset returns the nft script for the given Service ports. */
export function renderRuleset(o: RulesetOptions, ports: readonly ServicePort[]): string {
  const out: string[] = [];
  const line = (depth: number, s: string) => out.push('\t'.repeat(depth) + s);
  const addrs = o.nodeAddresses.length ? `{ ${o.nodeAddresses.join(', ')} }` : undefined;

  const serviceIPs: string[] = [];
  const nodePorts: string[] = [];
  const noEndpointServices: string[] = [];
  const noEndpointNodePorts: string[] = [];
  const chains: string[][] = [];
  const sets: { name: string; timeout: number }[] = [];

  for (const port of ports) {
    // A load balancer address on the loopback that is not this node's is another node's of the same
    // machine (servicelb gives nodes' addresses): that node's rules are the ones for it, as on
    // separate machines only its own proxy would see the traffic (this one's Local drop would win).
    const sp = { ...port, externalAddresses: port.externalAddresses.filter((a) => !a.startsWith('127.') || o.nodeAddresses.includes(a)) };
    const key = quote(servicePortKey(sp));
    const svcChain = serviceChain(sp);
    const hasExternal = sp.nodePort !== undefined || sp.externalAddresses.length > 0;
    const extChain = externalChain(sp);
    const endpointChains = new Map<string, Endpoint>();

    // Cluster IP traffic.
    if (sp.clusterEndpoints.length) {
      if (sp.clusterIP) serviceIPs.push(`${sp.clusterIP} . ${sp.protocol} . ${sp.port} comment ${key} : goto ${svcChain}`);
      const body: string[] = [];
      if (o.podCIDR && sp.clusterIP) body.push(`ip daddr ${sp.clusterIP} ${sp.protocol} dport ${sp.port} ip saddr != ${o.podCIDR} jump mark-for-masquerade`);
      body.push(...pickEndpoint(sp, sp.clusterEndpoints, endpointChains));
      chains.push([svcChain, ...body]);
    } else if (sp.clusterIP) {
      noEndpointServices.push(`${sp.clusterIP} . ${sp.protocol} . ${sp.port} comment ${key} : goto ${sp.internalLocal ? 'drop-chain' : 'reject-chain'}`);
    }

    // Node ports, load balancer and external addresses.
    if (hasExternal) {
      if (sp.externalEndpoints.length) {
        if (sp.nodePort !== undefined) nodePorts.push(`${sp.protocol} . ${sp.nodePort} comment ${key} : goto ${extChain}`);
        for (const a of sp.externalAddresses) serviceIPs.push(`${a} . ${sp.protocol} . ${sp.port} comment ${key} : goto ${extChain}`);
        if (!sp.externalLocal) {
          // Traffic from outside the node is masqueraded so replies come back through it.
          if (sp.clusterEndpoints.length) chains.push([extChain, 'jump mark-for-masquerade', `goto ${svcChain}`]);
          else chains.push([extChain, 'jump mark-for-masquerade', ...pickEndpoint(sp, sp.externalEndpoints, endpointChains)]);
        } else {
          const ext = [extChain];
          // Pods and the node itself still reach every endpoint (kube-proxy's short-circuit).
          if (sp.clusterEndpoints.length) {
            if (o.podCIDR) ext.push(`ip saddr ${o.podCIDR} goto ${svcChain}`);
            ext.push('fib saddr type local jump mark-for-masquerade', `fib saddr type local goto ${svcChain}`);
          }
          ext.push(`goto ${localChain(sp)}`);
          chains.push(ext);
          chains.push([localChain(sp), ...pickEndpoint(sp, sp.localEndpoints, endpointChains)]);
        }
      } else {
        const verdict = sp.externalLocal ? 'drop-chain' : 'reject-chain';
        if (sp.nodePort !== undefined) noEndpointNodePorts.push(`${sp.protocol} . ${sp.nodePort} comment ${key} : goto ${verdict}`);
        for (const a of sp.externalAddresses) noEndpointServices.push(`${a} . ${sp.protocol} . ${sp.port} comment ${key} : goto ${verdict}`);
      }
    }

    for (const [name, ep] of endpointChains) {
      const body = [`ip saddr ${ep.ip} jump mark-for-masquerade`];
      if (sp.affinityTimeoutSeconds !== undefined) {
        const set = affinitySet(sp, ep);
        sets.push({ name: set, timeout: sp.affinityTimeoutSeconds });
        body.push(`update @${set} { ip saddr }`);
      }
      body.push(`meta l4proto ${sp.protocol} dnat to ${ep.ip}:${ep.port}`);
      chains.push([name, ...body]);
    }
  }

  line(0, `add table ip ${o.table}`);
  line(0, `delete table ip ${o.table}`);
  line(0, `table ip ${o.table} {`);
  if (o.comment) line(1, `comment ${quote(o.comment)}`);
  const base = (name: string, hook: string, rules: string[]) => {
    line(1, `chain ${name} {`);
    line(2, hook);
    for (const r of rules) line(2, r);
    line(1, '}');
  };
  base('nat-prerouting', 'type nat hook prerouting priority dstnat; policy accept;', [
    `iifname ${quote(o.bridge)} jump services`,
    ...(addrs ? [`ip daddr ${addrs} jump nodeports`] : []),
  ]);
  base('nat-output', 'type nat hook output priority -100; policy accept;', [
    'jump services',
    ...(addrs ? [`ip daddr ${addrs} jump nodeports`] : []),
  ]);
  base('nat-postrouting', 'type nat hook postrouting priority srcnat; policy accept;', ['jump masquerading']);
  base('filter-forward', 'type filter hook forward priority -110; policy accept;', [`iifname ${quote(o.bridge)} ct state new jump service-endpoints-check`]);
  base('filter-output', 'type filter hook output priority -110; policy accept;', [
    'ct state new jump service-endpoints-check',
    ...(addrs ? [`ct state new ip daddr ${addrs} jump nodeport-endpoints-check`] : []),
  ]);
  base('filter-input', 'type filter hook input priority -110; policy accept;', addrs ? [`ct state new ip daddr ${addrs} jump nodeport-endpoints-check`] : []);
  const plain = (name: string, rules: string[]) => {
    line(1, `chain ${name} {`);
    for (const r of rules) line(2, r);
    line(1, '}');
  };
  plain('masquerading', [`meta mark & ${MASQ_MARK} == 0 return`, `meta mark set meta mark ^ ${MASQ_MARK}`, 'masquerade fully-random']);
  plain('mark-for-masquerade', [`meta mark set meta mark | ${MASQ_MARK}`]);
  plain('reject-chain', ['reject']);
  plain('drop-chain', ['drop']);
  plain('services', ['ip daddr . meta l4proto . th dport vmap @service-ips']);
  plain('nodeports', ['meta l4proto . th dport vmap @service-nodeports']);
  plain('service-endpoints-check', ['ip daddr . meta l4proto . th dport vmap @no-endpoint-services']);
  plain('nodeport-endpoints-check', ['meta l4proto . th dport vmap @no-endpoint-nodeports']);
  const map = (name: string, type: string, elements: string[]) => {
    line(1, `map ${name} {`);
    line(2, `type ${type} : verdict`);
    if (elements.length) {
      line(2, 'elements = {');
      elements.forEach((e, i) => line(3, e + (i < elements.length - 1 ? ',' : '')));
      line(2, '}');
    }
    line(1, '}');
  };
  map('service-ips', 'ipv4_addr . inet_proto . inet_service', serviceIPs);
  map('service-nodeports', 'inet_proto . inet_service', nodePorts);
  map('no-endpoint-services', 'ipv4_addr . inet_proto . inet_service', noEndpointServices);
  map('no-endpoint-nodeports', 'inet_proto . inet_service', noEndpointNodePorts);
  for (const set of sets) {
    line(1, `set ${set.name} {`);
    line(2, 'type ipv4_addr');
    line(2, 'flags dynamic,timeout');
    line(2, `timeout ${set.timeout}s`);
    line(1, '}');
  }
  for (const [name, ...rules] of chains) plain(name, rules);
  line(0, '}');
  return out.join('\n') + '\n';
}

/** pickEndpoint is a service chain's body: affinity lookups, then an even random choice among the endpoints. */
function pickEndpoint(sp: ServicePort, eps: readonly Endpoint[], chains: Map<string, Endpoint>): string[] {
  if (eps.length === 0) return ['drop'];
  const names = eps.map((ep) => {
    const n = endpointChain(sp, ep);
    chains.set(n, ep);
    return n;
  });
  const rules: string[] = [];
  if (sp.affinityTimeoutSeconds !== undefined) eps.forEach((ep, i) => rules.push(`ip saddr @${affinitySet(sp, ep)} goto ${names[i]}`));
  rules.push(`numgen random mod ${eps.length} vmap { ${names.map((n, i) => `${i} : goto ${n}`).join(', ')} }`);
  return rules;
}

/** deleteTableScript removes the node's table (when the agent stops or the proxy is switched off). */
export function deleteTableScript(table: string): string {
  return `add table ip ${table}\ndelete table ip ${table}\n`;
}
