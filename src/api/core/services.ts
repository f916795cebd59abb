/** core/v1 services: defaulting, validation and keeping allocated addresses across updates. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { isObj, clone, type Obj } from '../common/obj.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import { duplicate, forbidden, invalidField, messagesAt, notSupported, required } from '../validation/field.js';
import { validateLabels } from '../validation/labels.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidIP, isValidPortNum } from '../validation/names.js';
import { validatePortNumOrName } from './pod-validation.js';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];

/** defaultService applies SetDefaults_Service (type, affinity, ports, traffic policies, IP families). */
export function defaultService(svc: Obj): void {
  if (!isObj(svc.spec)) svc.spec = {};
  const spec = svc.spec as Obj;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports as Obj[]) {
      if (!isObj(p)) continue;
      if (!p.protocol) p.protocol = 'TCP';
      if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    }
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.type !== 'ExternalName') {
    spec.internalTrafficPolicy ??= 'Cluster';
    if (spec.clusterIP === 'None' && !spec.clusterIPs) spec.clusterIPs = ['None'];
  }
}

/** assignIPFamilies sets the single-stack IPv4 families kube-apiserver assigns on create. */
function assignIPFamilies(spec: Obj): void {
  if (spec.type === 'ExternalName') return;
  spec.ipFamilyPolicy ??= 'SingleStack';
  spec.ipFamilies ??= ['IPv4'];
}

function isHeadless(spec: Obj): boolean {
  return spec.clusterIP === 'None';
}

/** validateService checks a Service spec with Kubernetes' messages. */
export function validateService(svc: KubeObject): FieldError[] {
  const spec: Obj = isObj(svc.spec) ? svc.spec : {};
  const errs: FieldError[] = [];
  if (!TYPES.includes(spec.type)) errs.push(notSupported('spec.type', spec.type ?? '', TYPES));
  const ports: Obj[] = Array.isArray(spec.ports) ? spec.ports : [];
  if (ports.length === 0 && !isHeadless(spec) && spec.type !== 'ExternalName') errs.push(required('spec.ports'));
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
    else errs.push(...messagesAt('spec.externalName', spec.externalName, isDNS1123Subdomain(String(spec.externalName).replace(/\.$/, ''))));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    if (!isObj(p)) return;
    if (ports.length > 1 && !p.name) errs.push(required(`${path}.name`));
    if (p.name) {
      errs.push(...messagesAt(`${path}.name`, p.name, isDNS1123Label(p.name)));
      if (names.has(p.name)) errs.push(duplicate(`${path}.name`, p.name));
      names.add(p.name);
    }
    errs.push(...messagesAt(`${path}.port`, p.port ?? 0, isValidPortNum(Number(p.port ?? 0))));
    if (!p.protocol) errs.push(required(`${path}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
    errs.push(...validatePortNumOrName(p.targetPort, `${path}.targetPort`));
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') {
        errs.push(forbidden(`${path}.nodePort`, `may not be used when \`type\` is '${spec.type}'`));
      } else {
        errs.push(...messagesAt(`${path}.nodePort`, p.nodePort, isValidPortNum(p.nodePort)));
      }
    }
  });
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  if (!AFFINITIES.includes(spec.sessionAffinity)) errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity ?? '', AFFINITIES));
  if (spec.clusterIP && spec.clusterIP !== 'None') errs.push(...messagesAt('spec.clusterIPs[0]', spec.clusterIP, isValidIP(spec.clusterIP)));
  if (spec.externalTrafficPolicy !== undefined) {
    if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') {
      errs.push(invalidField('spec.externalTrafficPolicy', spec.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
    } else if (!TRAFFIC_POLICIES.includes(spec.externalTrafficPolicy)) {
      errs.push(notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, TRAFFIC_POLICIES));
    }
  }
  if (spec.internalTrafficPolicy !== undefined && !TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
    errs.push(notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  return errs;
}

/** validateServiceUpdate: an allocated cluster IP may not change (except to or from ExternalName). */
export function validateServiceUpdate(svc: KubeObject, old: KubeObject): FieldError[] {
  const spec: Obj = isObj(svc.spec) ? svc.spec : {};
  const oldSpec: Obj = isObj(old.spec) ? old.spec : {};
  if (spec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const oldIPs: string[] = Array.isArray(oldSpec.clusterIPs) ? oldSpec.clusterIPs : oldSpec.clusterIP ? [oldSpec.clusterIP] : [];
  const newIPs: string[] = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  oldIPs.forEach((ip, i) => {
    if (newIPs[i] !== ip) errs.push(invalidField(`spec.clusterIPs[${i}]`, newIPs[i] ?? '', 'may not change once set'));
  });
  return errs;
}

/** keepAllocatedValues carries cluster IPs, families and node ports over when an update leaves them out. */
function keepAllocatedValues(svc: Obj, old: Obj): void {
  const spec: Obj = isObj(svc.spec) ? svc.spec : (svc.spec = {});
  const oldSpec: Obj = isObj(old.spec) ? old.spec : {};
  if (spec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return;
  if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
  if (!spec.clusterIPs && oldSpec.clusterIPs && spec.clusterIP === oldSpec.clusterIP) spec.clusterIPs = clone(oldSpec.clusterIPs);
  if (!spec.ipFamilies && oldSpec.ipFamilies) spec.ipFamilies = clone(oldSpec.ipFamilies);
  if (!spec.ipFamilyPolicy && oldSpec.ipFamilyPolicy) spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
  if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && Array.isArray(spec.ports) && Array.isArray(oldSpec.ports)) {
    for (const p of spec.ports as Obj[]) {
      if (p.nodePort) continue;
      const match = (oldSpec.ports as Obj[]).find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (match?.nodePort) p.nodePort = match.nodePort;
    }
  }
  if (!spec.healthCheckNodePort && oldSpec.healthCheckNodePort) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
}

const needsClusterIP = (s: Obj): boolean => s.type !== 'ExternalName';
const needsNodePort = (s: Obj): boolean => s.type === 'NodePort' || s.type === 'LoadBalancer';
const needsHCNodePort = (s: Obj): boolean => s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
const nodePortsOf = (s: Obj): unknown[] => (Array.isArray(s.ports) ? s.ports as Obj[] : []).map((p) => (isObj(p) ? p.nodePort ?? 0 : 0));

/**
 * dropTypeDependentFields is upstream's: switching to a type that no longer uses a value the
 * server filled in (cluster IPs, families, node ports, the health check port, the external
 * traffic policy) drops it, unless the user changed it too (then validation speaks). The
 * allocators' releaser gives the dropped values back.
 */
export function dropTypeDependentFields(svc: Obj, old: Obj): void {
  const spec: Obj = isObj(svc.spec) ? svc.spec : (svc.spec = {});
  const oldSpec: Obj = isObj(old.spec) ? old.spec : {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (needsClusterIP(oldSpec) && !needsClusterIP(spec)) {
    if (same(spec.clusterIP, oldSpec.clusterIP) && same(spec.clusterIPs, oldSpec.clusterIPs)) { delete spec.clusterIP; delete spec.clusterIPs; }
    if (same(spec.ipFamilies, oldSpec.ipFamilies)) delete spec.ipFamilies;
    if (same(spec.ipFamilyPolicy, oldSpec.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(oldSpec) && !needsNodePort(spec) && same(nodePortsOf(spec), nodePortsOf(oldSpec))) {
    for (const p of Array.isArray(spec.ports) ? spec.ports as Obj[] : []) if (isObj(p)) delete p.nodePort;
  }
  if (needsHCNodePort(oldSpec) && !needsHCNodePort(spec) && same(spec.healthCheckNodePort, oldSpec.healthCheckNodePort)) delete spec.healthCheckNodePort;
  if (oldSpec.type === 'LoadBalancer' && spec.type !== 'LoadBalancer' && same(spec.allocateLoadBalancerNodePorts, oldSpec.allocateLoadBalancerNodePorts)) delete spec.allocateLoadBalancerNodePorts;
  if (needsNodePort(oldSpec) && !needsNodePort(spec) && same(spec.externalTrafficPolicy, oldSpec.externalTrafficPolicy)) delete spec.externalTrafficPolicy;
}

/**
 * services is the core/v1 Service resource. Cluster IP and node port allocation is the API
 * server's admission step (registry/service: after prepareForCreate and before validation on
 * create, after validation on update).
 */
export const services: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true,
  shortNames: ['svc'], categories: ['all'], subresources: ['proxy', 'status'],
  strategy: specStatusStrategy({
    default: defaultService,
    initialStatus: () => ({ loadBalancer: {} }),
    prepareForCreate(svc) { assignIPFamilies(svc.spec as Obj); },
    prepareForUpdate(svc, old) { keepAllocatedValues(svc, old); dropTypeDependentFields(svc, old); assignIPFamilies(svc.spec as Obj); },
    validate: validateService,
    validateUpdate: validateServiceUpdate,
  }),
  statusStrategy: statusStrategy(),
  selectableFields: {
    'spec.clusterIP': (o) => (o.spec as Obj | undefined)?.clusterIP ?? '',
    'spec.type': (o) => (o.spec as Obj | undefined)?.type ?? '',
  },
});
