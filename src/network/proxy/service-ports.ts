/**
 * The proxy's view of Services and their endpoints (kube-proxy's ServicePortMap and
 * EndpointsMap): one entry per Service port, with the endpoints its EndpointSlices list for that
 * port, already split the way kube-proxy's CategorizeEndpoints splits them.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

/** Protocol of a Service port the proxy handles (SCTP is left out: nothing here speaks it). */
export type Protocol = 'tcp' | 'udp';

/** Endpoint is one address:port a Service port leads to. */
export interface Endpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
}

/** ServicePort is one port of one Service, with everything the rules need. */
export interface ServicePort {
  namespace: string;
  name: string;
  portName: string;
  protocol: Protocol;
  clusterIP?: string;
  port: number;
  nodePort?: number;
  /** addresses traffic also arrives at from outside: status.loadBalancer.ingress IPs and spec.externalIPs */
  externalAddresses: string[];
  /** ClientIP session affinity timeout in seconds (undefined: no affinity) */
  affinityTimeoutSeconds?: number;
  internalLocal: boolean;
  externalLocal: boolean;
  /** endpoints for traffic to the cluster IP (internalTrafficPolicy applied) */
  clusterEndpoints: Endpoint[];
  /** endpoints for traffic from outside (node ports, external addresses; externalTrafficPolicy applied) */
  externalEndpoints: Endpoint[];
  /** every endpoint on this node that may serve (for externalTrafficPolicy Local) */
  localEndpoints: Endpoint[];
  /** spec.healthCheckNodePort of a LoadBalancer Service with externalTrafficPolicy Local (kube-proxy serves its health check there) */
  healthCheckNodePort?: number;
}

/** servicePortKey names a Service port as kube-proxy does: namespace/name:portName. */
export function servicePortKey(p: Pick<ServicePort, 'namespace' | 'name' | 'portName'>): string {
  return `${p.namespace}/${p.name}${p.portName ? ':' + p.portName : ''}`;
}

/**
 * usableEndpoints is CategorizeEndpoints' rule: the ready endpoints, or, when none is ready, the
 * serving ones that are terminating (so connections drain to pods on their way out).
 */
export function usableEndpoints(eps: readonly Endpoint[]): Endpoint[] {
  const ready = eps.filter((e) => e.ready);
  if (ready.length) return ready;
  return eps.filter((e) => e.serving && e.terminating);
}

/**
 * buildServicePorts turns Services and EndpointSlices into ServicePorts for the proxy on
 * nodeName. Headless and ExternalName Services have nothing to proxy; endpoints come from the
 * slices labelled with the Service's name, matched to a Service port by port name and protocol.
 */
export function buildServicePorts(services: readonly Readonly<Service>[], slices: readonly Readonly<EndpointSlice>[], nodeName: string): ServicePort[] {
  const slicesBySvc = new Map<string, Readonly<EndpointSlice>[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.['kubernetes.io/service-name'];
    if (!svc || s.addressType !== 'IPv4') continue;
    const k = `${s.metadata?.namespace}/${svc}`;
    const list = slicesBySvc.get(k) ?? [];
    list.push(s);
    slicesBySvc.set(k, list);
  }
  const out: ServicePort[] = [];
  for (const svc of services) {
    const spec = svc.spec;
    if (!spec || spec.type === 'ExternalName') continue;
    const clusterIP = spec.clusterIP && spec.clusterIP !== 'None' ? spec.clusterIP : undefined;
    if (!clusterIP) continue;
    const ns = svc.metadata?.namespace ?? '';
    const name = svc.metadata?.name ?? '';
    const svcSlices = slicesBySvc.get(`${ns}/${name}`) ?? [];
    const external = [
      ...(spec.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((x): x is string => !!x) : []),
      ...(spec.externalIPs ?? []),
    ];
    for (const sp of spec.ports ?? []) {
      const protocol = (sp.protocol ?? 'TCP').toLowerCase();
      if (protocol !== 'tcp' && protocol !== 'udp') continue;
      const portName = sp.name ?? '';
      const all: Endpoint[] = [];
      const seen = new Set<string>();
      for (const slice of svcSlices) {
        const ep = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP').toLowerCase() === protocol);
        if (!ep?.port) continue;
        for (const e of slice.endpoints ?? []) {
          const ip = e.addresses?.[0];
          if (!ip || seen.has(`${ip}:${ep.port}`)) continue;
          seen.add(`${ip}:${ep.port}`);
          const ready = e.conditions?.ready !== false;
          all.push({
            ip, port: ep.port, ready,
            serving: e.conditions?.serving ?? ready,
            terminating: e.conditions?.terminating ?? false,
            nodeName: e.nodeName,
          });
        }
      }
      all.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
      const local = all.filter((e) => e.nodeName === nodeName);
      const internalLocal = spec.internalTrafficPolicy === 'Local';
      const externalLocal = (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || external.length > 0) && spec.externalTrafficPolicy === 'Local';
      out.push({
        namespace: ns, name, portName, protocol: protocol as Protocol, clusterIP, port: sp.port,
        nodePort: spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? sp.nodePort : undefined,
        externalAddresses: external,
        affinityTimeoutSeconds: spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : undefined,
        internalLocal, externalLocal,
        clusterEndpoints: usableEndpoints(internalLocal ? local : all),
        externalEndpoints: usableEndpoints(externalLocal ? local : all),
        localEndpoints: usableEndpoints(local),
        healthCheckNodePort: spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' && spec.healthCheckNodePort ? spec.healthCheckNodePort : undefined,
      });
    }
  }
  return out.sort((a, b) => servicePortKey(a).localeCompare(servicePortKey(b)) || a.protocol.localeCompare(b.protocol));
}
