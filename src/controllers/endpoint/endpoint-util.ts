/**
 * What the Endpoints and EndpointSlice controllers share (upstream's pkg/controller/util/endpoint
 * and staging endpointslice/util): which pods serve a Service, which port a Service port reaches
 * on a pod, when a pod changed in a way that matters, and the last-change trigger times.
 */
import type { Container, Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromSet, matchesLabels } from '../../apimachinery/labels.js';
import type { Lister } from '../../client/informer-types.js';
import type { KubeObject } from '../../api/resource.js';

/** LAST_CHANGE_TRIGGER_TIME_ANNOTATION is v1.EndpointsLastChangeTriggerTime. */
export const LAST_CHANGE_TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
/** HEADLESS_LABEL is v1.IsHeadlessService, set on the endpoints of a Service without a cluster IP. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** ServiceObj and PodObj are the cached shapes the controllers read. */
export type ServiceObj = Service & KubeObject;
export type PodObj = Pod & KubeObject;

/** isPodReady: the pod's Ready condition is True. */
export function isPodReady(pod: Readonly<Pod>): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** isPodTerminal: the pod Succeeded or Failed. */
function isPodTerminal(pod: Readonly<Pod>): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/**
 * shouldPodBeInEndpoints is ShouldPodBeInEndpoints: a pod that has an IP and has not finished
 * serves (ready or not); a terminating one only when includeTerminating.
 */
export function shouldPodBeInEndpoints(pod: Readonly<Pod>, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** shouldSetHostname: the pod names a hostname and this Service as its subdomain (StatefulSet pods). */
export function shouldSetHostname(pod: Readonly<Pod>, svc: Readonly<Service>): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace;
}

/** isServiceIPSet: the Service has a cluster IP (not headless, not ExternalName). */
export function isServiceIPSet(svc: Readonly<Service>): boolean {
  return !!svc.spec?.clusterIP && svc.spec.clusterIP !== 'None';
}

/**
 * findPort is podutil.FindPort: a numeric targetPort is the port itself; a named one is the
 * containerPort of that name and the Service port's protocol. undefined when the pod has none.
 */
export function findPort(pod: Readonly<Pod>, svcPort: Readonly<ServicePort>): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = svcPort.protocol ?? 'TCP';
  const containers: Container[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** podIPFor picks the pod's address of the Service's family (IPv4 here; the first IP of a pod otherwise). */
export function podIPFor(pod: Readonly<Pod>): string | undefined {
  const ips = [...(pod.status?.podIPs ?? []).map((p) => p.ip), pod.status?.podIP].filter((x): x is string => !!x);
  return ips.find((ip) => !ip.includes(':')) ?? ips[0];
}

/** servicesForPod lists the Services (of the pod's namespace) whose selector matches labels. */
export function servicesForPod(services: Lister<ServiceObj>, namespace: string, labels: Record<string, string> | undefined): Readonly<ServiceObj>[] {
  return services.list(namespace, (s) => {
    const sel = s.spec?.selector;
    return !!sel && Object.keys(sel).length > 0 && matchesLabels(labelSelectorFromSet(sel), labels ?? {});
  });
}

/**
 * podEndpointsChanged reports whether an update changed what the endpoints of a pod show
 * (upstream's podEndpointsChanged and label check): labels, IPs, readiness, deletion, phase,
 * hostname/subdomain, node, container ports.
 */
export function podChangedForEndpoints(a: Readonly<Pod>, b: Readonly<Pod>): boolean {
  const view = (p: Readonly<Pod>) => JSON.stringify([
    p.metadata?.labels ?? {}, p.status?.podIP, p.status?.podIPs, isPodReady(p), !!p.metadata?.deletionTimestamp, p.status?.phase,
    p.spec?.hostname, p.spec?.subdomain, p.spec?.nodeName, (p.spec?.containers ?? []).map((c) => c.ports ?? []),
  ]);
  return view(a) !== view(b);
}

/** podTriggerTime is the pod's Ready condition's last transition (getPodTriggerTime). */
function podTriggerTime(pod: Readonly<Pod>): number {
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready');
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
}

interface ServiceState { pods: Map<string, number>; service: number }

/** TriggerTime is one computed trigger time and the state to remember once the write it is for succeeded. */
export interface TriggerTime { time: number; commit(): void }

/**
 * TriggerTimeTracker is upstream's: for each sync of a Service it answers the earliest change
 * (pod Ready transition, Service creation) the endpoints now reflect, for the
 * last-change-trigger-time annotation; a Service seen for the first time answers its creation.
 * The new state is remembered only on commit, so a failed write retried later still carries it.
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceState>();

  /** compute returns the trigger time in ms since the epoch (0: nothing changed). */
  compute(svc: Readonly<Service>, pods: readonly Readonly<Pod>[]): TriggerTime {
    const key = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
    const state = this.states.get(key);
    const podTimes = new Map<string, number>();
    let min = 0;
    const consider = (t: number) => { if (t && (!min || t < min)) min = t; };
    for (const p of pods) {
      const t = podTriggerTime(p);
      if (!t) continue;
      podTimes.set(p.metadata?.name ?? '', t);
      if (t > (state?.pods.get(p.metadata?.name ?? '') ?? 0)) consider(t);
    }
    const svcTime = svc.metadata?.creationTimestamp ? Date.parse(svc.metadata.creationTimestamp) : 0;
    if (svcTime > (state?.service ?? 0)) consider(svcTime);
    return { time: state ? min : svcTime, commit: () => { this.states.set(key, { pods: podTimes, service: svcTime }); } };
  }

  /** deleteService forgets a Service. */
  deleteService(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}

/** formatTriggerTime writes a trigger time as RFC 3339 (nanosecond precision, trailing zeros dropped) in UTC. */
export function formatTriggerTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z').replace(/(\.\d*?)0+Z$/, '$1Z');
}
