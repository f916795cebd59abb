/**
 * reconcileSlices is the EndpointSlice reconciler's core (staging endpointslice/reconciler.go),
 * as a pure function: from a Service, its pods and the slices the controller manages for it,
 * which slices to create, update and delete. Endpoints stay in the slice they are in (no churn),
 * new ones fill slices with room before new slices are made (at most maxEndpointsPerSlice each),
 * endpoints are grouped by the ports they resolve to, and a Service without endpoints keeps one
 * placeholder slice with neither endpoints nor ports.
 */
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../api/resource.js';
import {
  HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME_ANNOTATION, findPort, formatTriggerTime, isPodReady, isServiceIPSet, podIPFor,
  shouldPodBeInEndpoints, shouldSetHostname, type PodObj, type ServiceObj,
} from '../endpoint/endpoint-util.js';
import { compareIPs } from '../endpoint/subsets.js';

/** SliceObj is an EndpointSlice as the API serves it. */
export type SliceObj = EndpointSlice & KubeObject;

/** MANAGED_BY_LABEL names the controller that manages a slice. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** CONTROLLER_NAME is this controller's value of MANAGED_BY_LABEL. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** SERVICE_NAME_LABEL ties a slice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** DEFAULT_MAX_ENDPOINTS_PER_SLICE is --max-endpoints-per-slice's default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

/** SliceChanges is what one reconcile asks to be written. */
export interface SliceChanges { create: SliceObj[]; update: SliceObj[]; delete: SliceObj[] }

/** podToEndpoint is upstream's: ready only when serving and not terminating (or publishNotReadyAddresses). */
export function podToEndpoint(pod: Readonly<PodObj>, svc: Readonly<ServiceObj>, ip: string): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = {
    addresses: [ip],
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname;
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  return ep;
}

/** endpointPortsFor resolves the Service's ports on one pod (ports the pod lacks are left out). */
export function endpointPortsFor(svc: Readonly<ServiceObj>, pod: Readonly<PodObj>): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

const portsKey = (ports: readonly EndpointPort[] | null | undefined): string =>
  JSON.stringify([...(ports ?? [])].map((p) => [p.name ?? '', p.port ?? null, p.protocol ?? 'TCP', p.appProtocol ?? '']).sort());
const endpointKey = (ep: Endpoint): string => `${ep.addresses?.[0] ?? ''}/${ep.targetRef?.uid ?? ''}`;

/** sliceLabels is setEndpointSliceLabels: the Service's labels, the service-name and managed-by labels, headless when it is. */
export function sliceLabels(svc: Readonly<ServiceObj>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) {
    if (k === SERVICE_NAME_LABEL || k === MANAGED_BY_LABEL || k === HEADLESS_LABEL) continue;
    labels[k] = v;
  }
  if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

/** slicePrefix is getEndpointSlicePrefix: "<service>-", or "endpointslice-" when that is no valid name prefix. */
function slicePrefix(name: string): string {
  return name.length <= 252 - 5 ? `${name}-` : 'endpointslice-';
}

function newSlice(svc: Readonly<ServiceObj>, ports: EndpointPort[] | null, endpoints: Endpoint[] | null): SliceObj {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      generateName: slicePrefix(svc.metadata?.name ?? ''), namespace: svc.metadata?.namespace, labels: sliceLabels(svc),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4', ports: ports as EndpointPort[], endpoints: endpoints as Endpoint[],
  };
}

/**
 * reconcileSlices computes the writes that make the Service's slices show its pods. triggerTime
 * (ms, 0 = none) goes into the last-change-trigger-time annotation of every slice written.
 */
export function reconcileSlices(svc: Readonly<ServiceObj>, pods: readonly Readonly<PodObj>[], existing: readonly Readonly<SliceObj>[], triggerTime: number, maxPerSlice = DEFAULT_MAX_ENDPOINTS_PER_SLICE): SliceChanges {
  // Desired endpoints, grouped by the ports they resolve to.
  const desired = new Map<string, { ports: EndpointPort[]; endpoints: Map<string, Endpoint> }>();
  const sorted = [...pods].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const pod of sorted) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = podIPFor(pod);
    if (!ip || ip.includes(':')) continue;
    const ports = endpointPortsFor(svc, pod);
    const pk = portsKey(ports);
    let group = desired.get(pk);
    if (!group) desired.set(pk, (group = { ports, endpoints: new Map() }));
    const ep = podToEndpoint(pod, svc, ip);
    group.endpoints.set(endpointKey(ep), ep);
  }
  const labels = sliceLabels(svc);
  const changes: SliceChanges = { create: [], update: [], delete: [] };
  const annotate = (s: SliceObj) => {
    const ann = { ...(s.metadata?.annotations ?? {}) };
    if (triggerTime) ann[LAST_CHANGE_TRIGGER_TIME_ANNOTATION] = formatTriggerTime(triggerTime);
    else delete ann[LAST_CHANGE_TRIGGER_TIME_ANNOTATION];
    s.metadata = { ...s.metadata, annotations: ann };
    if (Object.keys(ann).length === 0) delete s.metadata.annotations;
  };

  // 1. Existing slices keep the endpoints still wanted, in place.
  const kept = new Map<string, SliceObj[]>();
  for (const cur of existing) {
    if (cur.addressType !== 'IPv4') { changes.delete.push(cur as SliceObj); continue; }
    const pk = portsKey(cur.ports);
    const group = desired.get(pk);
    if (!group) { changes.delete.push(cur as SliceObj); continue; }
    const next: Endpoint[] = [];
    let changed = !sameLabels(cur.metadata?.labels, labels);
    for (const ep of cur.endpoints ?? []) {
      const want = group.endpoints.get(endpointKey(ep));
      if (!want) { changed = true; continue; }
      if (JSON.stringify(want) !== JSON.stringify(ep)) changed = true;
      next.push(want);
      group.endpoints.delete(endpointKey(ep));
    }
    if (next.length === 0) { changes.delete.push(cur as SliceObj); continue; }
    const s = structuredClone(cur) as SliceObj;
    s.endpoints = next;
    s.metadata = { ...s.metadata, labels: { ...labels } };
    (s as { _changed?: boolean })._changed = changed;
    const list = kept.get(pk) ?? [];
    list.push(s);
    kept.set(pk, list);
  }

  // 2. New endpoints fill kept slices with room, then new slices.
  for (const [pk, group] of desired) {
    const rest = [...group.endpoints.values()];
    for (const s of kept.get(pk) ?? []) {
      while (rest.length && s.endpoints!.length < maxPerSlice) {
        s.endpoints!.push(rest.shift()!);
        (s as { _changed?: boolean })._changed = true;
      }
    }
    while (rest.length) changes.create.push(newSlice(svc, group.ports, rest.splice(0, maxPerSlice)));
  }
  for (const list of kept.values()) {
    for (const s of list) {
      const changed = (s as { _changed?: boolean })._changed;
      delete (s as { _changed?: boolean })._changed;
      if (changed) changes.update.push(s);
    }
  }

  // 3. No endpoints at all: one placeholder slice (kept when it is already there).
  const keptCount = [...kept.values()].reduce((n, l) => n + l.length, 0);
  if (keptCount === 0 && changes.create.length === 0) {
    const placeholder = changes.delete.find((s) => (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0 && s.addressType === 'IPv4');
    if (placeholder) {
      changes.delete = changes.delete.filter((s) => s !== placeholder);
      if (!sameLabels(placeholder.metadata?.labels, labels)) {
        const s = structuredClone(placeholder) as SliceObj;
        s.metadata = { ...s.metadata, labels: { ...labels } };
        changes.update.push(s);
      }
    } else {
      changes.create.push(newSlice(svc, null, null));
    }
  }
  for (const s of [...changes.create, ...changes.update]) annotate(s);
  for (const s of changes.create) s.endpoints?.sort(byAddress);
  return changes;
}

function byAddress(a: Endpoint, b: Endpoint): number {
  return compareIPs(a.addresses?.[0] ?? '', b.addresses?.[0] ?? '');
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const x = a ?? {};
  return Object.keys(x).length === Object.keys(b).length && Object.keys(b).every((k) => x[k] === b[k]);
}
