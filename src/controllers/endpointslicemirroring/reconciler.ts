/**
 * The EndpointSlice mirroring reconciler (pkg/controller/endpointslicemirroring/reconciler.go) as
 * a pure function: from a user-written Endpoints and the slices already mirrored for it, the
 * slices to create, update and delete. Each distinct set of subset ports (and address family)
 * becomes one slice of at most maxEndpointsPerSubset endpoints; ready addresses are ready
 * endpoints, notReadyAddresses not-ready ones; invalid addresses are skipped (and counted, for
 * the InvalidIPAddress event). Slices copy the Endpoints' labels and annotations (but the
 * trigger-time and last-applied annotations), are owned by the Endpoints and labelled with the
 * Service's name and managed-by endpointslicemirroring-controller.k8s.io.
 */
import type { EndpointAddress, EndpointPort as CoreEndpointPort, Endpoints } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../api/resource.js';
import { isIP } from 'node:net';

/** EndpointsObj is an Endpoints as the API serves it. */
export type EndpointsObj = Endpoints & KubeObject;
/** SliceObj is an EndpointSlice as the API serves it. */
export type SliceObj = EndpointSlice & KubeObject;

/** CONTROLLER_NAME is the mirroring controller's value of the managed-by label. */
export const CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
/** MANAGED_BY_LABEL names the controller that manages a slice. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** SERVICE_NAME_LABEL ties a slice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** SKIP_MIRROR_LABEL on an Endpoints (value "true") keeps it from being mirrored. */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
/** LEADER_ELECTION_ANNOTATION marks an Endpoints used as a leader-election lock (never mirrored). */
export const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** DEFAULT_MAX_ENDPOINTS_PER_SUBSET is --mirroring-max-endpoints-per-subset's default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SUBSET = 1000;

/** annotations that are the Endpoints' own and not copied to its slices */
const NOT_COPIED = ['endpoints.kubernetes.io/last-change-trigger-time', 'kubectl.kubernetes.io/last-applied-configuration'];

/** MirrorChanges is what one reconcile asks to be written, and what it had to leave out. */
export interface MirrorChanges {
  create: SliceObj[];
  update: SliceObj[];
  delete: SliceObj[];
  /** addresses that are not IPs (the InvalidIPAddress event) */
  invalidAddresses: number;
  /** addresses left out, invalid or beyond maxEndpointsPerSubset (the TooManyAddressesToMirror event when more than the invalid ones) */
  skippedAddresses: number;
}

/** shouldMirror is upstream's: not labelled skip-mirror and not a leader-election lock. */
export function shouldMirror(ep: Readonly<EndpointsObj>): boolean {
  return ep.metadata?.labels?.[SKIP_MIRROR_LABEL] !== 'true' && !(LEADER_ELECTION_ANNOTATION in (ep.metadata?.annotations ?? {}));
}

type AddressType = 'IPv4' | 'IPv6';

interface Desired { addressType: AddressType; ports: EndpointPort[]; endpoints: Map<string, Endpoint> }

const toSlicePorts = (ports: readonly CoreEndpointPort[] | undefined): EndpointPort[] =>
  (ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));

/** portMapKey identifies a group of slices: address type and ports, in any order. */
export function portMapKey(addressType: string, ports: readonly EndpointPort[] | null | undefined): string {
  const list = [...(ports ?? [])].map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? '']);
  list.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return `${addressType}/${JSON.stringify(list)}`;
}

/** canonicalIP parses an address as ParseIPSloppy does (IPv4 leading zeros allowed) and writes it canonically; undefined when it is no IP. */
function canonicalIP(ip: string): { ip: string; type: AddressType } | undefined {
  const parts = ip.split('.');
  if (parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return { ip: parts.map(Number).join('.'), type: 'IPv4' };
  if (isIP(ip) === 6) return { ip: new URL(`http://[${ip}]/`).hostname.slice(1, -1), type: 'IPv6' };
  return undefined;
}

/** addressToEndpoint is upstream's: the address, ready or not, with its target, node and hostname. */
function addressToEndpoint(a: Readonly<EndpointAddress>, ip: string, ready: boolean): Endpoint {
  const ep: Endpoint = { addresses: [ip], conditions: { ready } };
  if (a.hostname) ep.hostname = a.hostname;
  if (a.nodeName) ep.nodeName = a.nodeName;
  if (a.targetRef) ep.targetRef = structuredClone(a.targetRef);
  return ep;
}

const endpointKey = (e: Endpoint): string => `${e.addresses[0]}/${e.targetRef?.uid ?? ''}/${e.targetRef?.name ?? ''}`;
const endpointJSON = (e: Endpoint): string => JSON.stringify([e.addresses, e.conditions?.ready ?? null, e.hostname ?? '', e.nodeName ?? '', e.targetRef ?? null, e.zone ?? '']);

/** sliceLabels are the Endpoints' labels with the Service name and managed-by set. */
function sliceLabels(ep: Readonly<EndpointsObj>): Record<string, string> {
  return { ...(ep.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: ep.metadata?.name ?? '', [MANAGED_BY_LABEL]: CONTROLLER_NAME };
}

function sliceAnnotations(ep: Readonly<EndpointsObj>): Record<string, string> {
  const out = { ...(ep.metadata?.annotations ?? {}) };
  for (const k of NOT_COPIED) delete out[k];
  return out;
}

const sameMap = (a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean => {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a![k] === b![k]);
};

function newSlice(ep: Readonly<EndpointsObj>, d: Desired, name: string | undefined, max: number): SliceObj {
  const epName = ep.metadata?.name ?? '';
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      ...(name ? { name } : { generateName: `${epName}-` }),
      namespace: ep.metadata?.namespace, labels: sliceLabels(ep), annotations: sliceAnnotations(ep),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: epName, uid: ep.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType: d.addressType,
    ports: d.ports,
    endpoints: [...d.endpoints.values()].slice(0, max),
  };
}

/** reconcileMirroredSlices computes the writes that make existing mirror ep. */
export function reconcileMirroredSlices(ep: Readonly<EndpointsObj>, existing: readonly Readonly<SliceObj>[], max = DEFAULT_MAX_ENDPOINTS_PER_SUBSET): MirrorChanges {
  const desired = new Map<string, Desired>();
  let invalidAddresses = 0;
  let skippedAddresses = 0;
  for (const subset of ep.subsets ?? []) {
    const ports = toSlicePorts(subset.ports);
    // Both families get a (possibly empty) group, so slices of a family that lost its addresses go.
    for (const t of ['IPv4', 'IPv6'] as const) {
      const k = portMapKey(t, ports);
      if (!desired.has(k)) desired.set(k, { addressType: t, ports, endpoints: new Map() });
    }
    const all = [...(subset.addresses ?? []).map((a) => [a, true] as const), ...(subset.notReadyAddresses ?? []).map((a) => [a, false] as const)];
    let added = 0;
    for (const [a, ready] of all) {
      if (added >= max) break;
      const ip = canonicalIP(a.ip ?? '');
      if (!ip) { invalidAddresses++; continue; }
      const e = addressToEndpoint(a, ip.ip, ready);
      desired.get(portMapKey(ip.type, ports))!.endpoints.set(endpointKey(e), e);
      added++;
    }
    skippedAddresses += all.length - added;
  }

  const existingByKey = new Map<string, Readonly<SliceObj>[]>();
  for (const s of existing) {
    const k = portMapKey(s.addressType ?? 'IPv4', s.ports);
    existingByKey.set(k, [...(existingByKey.get(k) ?? []), s]);
  }
  const out: MirrorChanges = { create: [], update: [], delete: [], invalidAddresses, skippedAddresses };
  for (const [k, d] of desired) {
    const have = [...(existingByKey.get(k) ?? [])].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    if (d.endpoints.size === 0) { out.delete.push(...have.map((s) => structuredClone(s) as SliceObj)); continue; }
    if (have.length === 0) { out.create.push(newSlice(ep, d, undefined, max)); continue; }
    out.delete.push(...have.slice(1).map((s) => structuredClone(s) as SliceObj));
    const first = have[0];
    const want = newSlice(ep, d, first.metadata?.name, max);
    const same = (first.endpoints ?? []).length === want.endpoints.length
      && JSON.stringify((first.endpoints ?? []).map(endpointJSON).sort()) === JSON.stringify(want.endpoints.map(endpointJSON).sort())
      && sameMap(first.metadata?.labels, want.metadata?.labels) && sameMap(first.metadata?.annotations, want.metadata?.annotations);
    if (!same) out.update.push({ ...want, metadata: { ...want.metadata, resourceVersion: first.metadata?.resourceVersion } });
  }
  for (const [k, have] of existingByKey) if (!desired.has(k)) out.delete.push(...have.map((s) => structuredClone(s) as SliceObj));
  recycleSlices(out);
  return out;
}

/** recycleSlices turns a create plus a delete of the same address type into an update of the deleted slice (fewer writes, no gap). */
function recycleSlices(c: MirrorChanges): void {
  for (const created of [...c.create]) {
    const i = c.delete.findIndex((d) => d.addressType === created.addressType);
    if (i < 0) continue;
    const [old] = c.delete.splice(i, 1);
    c.create.splice(c.create.indexOf(created), 1);
    const { generateName: _g, ...meta } = created.metadata ?? {};
    c.update.push({ ...created, metadata: { ...meta, name: old.metadata?.name, resourceVersion: old.metadata?.resourceVersion } });
  }
}
