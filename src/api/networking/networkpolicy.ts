/**
 * networking.k8s.io/v1 NetworkPolicy (namespaced, short name netpol): defaulting as
 * SetDefaults_NetworkPolicy does, validation with Kubernetes' messages (ValidateNetworkPolicy in
 * pkg/apis/networking/validation) and kube-apiserver's table (NAME POD-SELECTOR AGE).
 * tskube stores and serves policies; nothing enforces them (its pod network has no policy agent).
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { formatLabelSelector } from '../../apimachinery/labels.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { specStatusStrategy } from '../common/strategy.js';
import { AGE, NAME, col, get } from '../printers/columns.js';
import { ageOf } from '../printers/duration.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../resource.js';
import { forbidden, invalidField, invalidText, notSupported, required } from '../validation/field.js';
import { validateLabelSelector } from '../validation/labels.js';
import { isValidPortName, isValidPortNum } from '../validation/names.js';
import { parseCIDRBits, cidrContains } from './cidr.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];
const CIDR_MESSAGE = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const objAt = (v: unknown): Obj => (isObj(v) ? v : {});

/**
 * defaultNetworkPolicy is SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort: ports
 * without a protocol are TCP; without policyTypes a policy is an Ingress policy, and an Egress one
 * too when it has egress rules. podSelector is a struct in Go, so it is always written ({}).
 */
export function defaultNetworkPolicy(np: Obj): void {
  const spec = (isObj(np.spec) ? np.spec : (np.spec = {})) as Obj;
  if (!isObj(spec.podSelector)) spec.podSelector = {};
  for (const dir of ['ingress', 'egress']) {
    for (const rule of arr(spec[dir])) {
      for (const port of arr(objAt(rule).ports)) {
        if (isObj(port) && (port.protocol === undefined || port.protocol === null)) port.protocol = 'TCP';
      }
    }
  }
  if (arr(spec.policyTypes).length === 0) {
    spec.policyTypes = arr(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

/** validateNetworkPolicyPort is ValidateNetworkPolicyPort: protocol, port number or name, endPort only with a numeric port. */
export function validateNetworkPolicyPort(port: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && port.protocol !== null && !PROTOCOLS.includes(String(port.protocol))) {
    errs.push(notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
  }
  const hasEnd = port.endPort !== undefined && port.endPort !== null;
  if (port.port === undefined || port.port === null) {
    if (hasEnd) errs.push(invalidField(`${path}.endPort`, port.endPort, 'may not be specified when `port` is not specified'));
  } else if (typeof port.port === 'number') {
    for (const m of isValidPortNum(port.port)) errs.push(invalidField(`${path}.port`, port.port, m));
    if (hasEnd) {
      const end = Number(port.endPort);
      if (end < port.port) errs.push(invalidField(`${path}.endPort`, port.endPort, 'must be greater than or equal to `port`'));
      for (const m of isValidPortNum(end)) errs.push(invalidField(`${path}.endPort`, port.endPort, m));
    }
  } else {
    if (hasEnd) errs.push(invalidField(`${path}.endPort`, port.endPort, 'may not be specified when `port` is non-numeric'));
    for (const m of isValidPortName(String(port.port))) errs.push(invalidField(`${path}.port`, port.port, m));
  }
  return errs;
}

/** validateIPBlock is ValidateIPBlock (1.32): a valid cidr, and every except a valid CIDR strictly inside it. */
export function validateIPBlock(ipb: Obj, path: string): FieldError[] {
  const cidr = typeof ipb.cidr === 'string' ? ipb.cidr : '';
  if (cidr === '') return [required(`${path}.cidr`)];
  const errs: FieldError[] = [];
  const outer = parseCIDRBits(cidr);
  if (!outer) return [invalidField(`${path}.cidr`, cidr, CIDR_MESSAGE)];
  arr(ipb.except).forEach((e, i) => {
    const p = `${path}.except[${i}]`;
    const inner = parseCIDRBits(String(e));
    if (!inner) errs.push(invalidField(p, e, CIDR_MESSAGE));
    else if (!cidrContains(outer, inner) || outer.prefix >= inner.prefix) errs.push(invalidField(p, e, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

/** validateNetworkPolicyPeer is ValidateNetworkPolicyPeer: at least one selector or an ipBlock, an ipBlock alone. */
export function validateNetworkPolicyPeer(peer: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let peers = 0;
  if (isObj(peer.podSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  }
  if (isObj(peer.namespaceSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  }
  if (isObj(peer.ipBlock)) {
    peers++;
    errs.push(...validateIPBlock(peer.ipBlock, `${path}.ipBlock`));
  }
  if (peers === 0) errs.push(required(path, 'must specify a peer'));
  else if (peers > 1 && isObj(peer.ipBlock)) errs.push(forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

/** validateNetworkPolicySpec is ValidateNetworkPolicySpec: selector, each rule's ports and peers, policyTypes. */
function validateNetworkPolicySpec(spec: Obj): FieldError[] {
  const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  const rules: [string, string][] = [['ingress', 'from'], ['egress', 'to']];
  for (const [dir, peersField] of rules) {
    arr(spec[dir]).forEach((r, i) => {
      const rule = objAt(r);
      const path = `spec.${dir}[${i}]`;
      arr(rule.ports).forEach((p, j) => errs.push(...validateNetworkPolicyPort(objAt(p), `${path}.ports[${j}]`)));
      arr(rule[peersField]).forEach((p, j) => errs.push(...validateNetworkPolicyPeer(objAt(p), `${path}.${peersField}[${j}]`)));
    });
  }
  const types = arr(spec.policyTypes);
  if (types.length > POLICY_TYPES.length) {
    errs.push(invalidText('spec.policyTypes', `[]networking.PolicyType{${types.map((t) => JSON.stringify(String(t))).join(', ')}}`, 'may not specify more than two policyTypes'));
    return errs;
  }
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(String(t))) errs.push(notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  return errs;
}

/** validateNetworkPolicy is ValidateNetworkPolicy's spec part (metadata is the generic store's); the store runs it on updates too. */
export function validateNetworkPolicy(np: KubeObject): FieldError[] {
  return validateNetworkPolicySpec(objAt(np.spec));
}

/** networkPolicyPrinter: NAME POD-SELECTOR AGE, as kube-apiserver's printNetworkPolicy. */
export const networkPolicyPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Pod-Selector', 'Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.'),
    AGE,
  ],
  cells: (o, now) => [
    get(o, 'metadata', 'name'),
    formatLabelSelector(get(o, 'spec', 'podSelector') ?? {}),
    ageOf(get(o, 'metadata', 'creationTimestamp'), now),
  ],
};

/** networkpolicies is the networking.k8s.io/v1 NetworkPolicy resource (no status since 1.28; generation tracks spec changes). */
export const networkpolicies: ResourceDefinition = defineResource({
  group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true,
  shortNames: ['netpol'], table: networkPolicyPrinter,
  strategy: specStatusStrategy({
    generation: true, initialStatus: () => undefined, default: defaultNetworkPolicy,
    validate: validateNetworkPolicy,
  }),
});
