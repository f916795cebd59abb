/**
 * Which ReplicaSets of a Deployment are new, old, active (upstream's FindNewReplicaSet,
 * FindOldReplicaSets, FindActiveOrLatest, EqualIgnoreHash and controller_utils' sort orders).
 */
import type { PodTemplate } from '../../common/pod-control.js';
import { DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, type Deployment, type ReplicaSet } from '../types.js';
import { revision } from './annotations.js';
import { rsReplicas } from './fenceposts.js';

/** filterActiveReplicaSets keeps the ReplicaSets that exist and want pods. */
export function filterActiveReplicaSets<T extends Readonly<ReplicaSet>>(rss: readonly (T | undefined)[]): T[] {
  return rss.filter((rs): rs is T => rs !== undefined && rs !== null && rsReplicas(rs) > 0);
}

const created = (rs: Readonly<ReplicaSet>) => Date.parse(rs.metadata?.creationTimestamp ?? '') || 0;

/** byCreationTimestamp orders oldest first, then by name (ReplicaSetsByCreationTimestamp). */
export function byCreationTimestamp(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  const an = a.metadata?.name ?? '';
  const bn = b.metadata?.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** bySizeOlder orders larger first, the older first among equals (which scale down first). */
export function bySizeOlder(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const d = rsReplicas(b) - rsReplicas(a);
  return d !== 0 ? d : byCreationTimestamp(a, b);
}

/** bySizeNewer orders larger first, the newer first among equals (which scale up first). */
export function bySizeNewer(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const d = rsReplicas(b) - rsReplicas(a);
  return d !== 0 ? d : byCreationTimestamp(b, a);
}

/** byRevision orders by revision, falling back to creation time when revisions tie or do not parse. */
export function byRevision(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const ra = revision(a);
  const rb = revision(b);
  if (ra === undefined || rb === undefined || ra === rb) return byCreationTimestamp(a, b);
  return ra - rb;
}

/**
 * prune drops what Go's semantic equality treats as absent (nil, empty maps, slices and
 * strings), so a template that came back from the API server equals the one that went in.
 */
function prune(v: unknown): unknown {
  if (v === null || v === undefined || v === '') return undefined;
  if (Array.isArray(v)) return v.length ? v.map((x) => prune(x) ?? null) : undefined;
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const p = prune(x);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ak = Object.keys(a as object);
  const bk = Object.keys(b as object);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** equalIgnoreHash compares two pod templates semantically, ignoring the pod-template-hash label. */
export function equalIgnoreHash(t1: Readonly<PodTemplate> | undefined, t2: Readonly<PodTemplate> | undefined): boolean {
  const strip = (t: Readonly<PodTemplate> | undefined) => {
    const c = structuredClone(t ?? {}) as PodTemplate;
    if (c.metadata?.labels) delete c.metadata.labels[DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY];
    return prune(c);
  };
  return deepEqual(strip(t1), strip(t2));
}

/**
 * findNewReplicaSet returns the Deployment's new ReplicaSet: the oldest one whose template equals
 * the Deployment's (several can after a hash collision; the oldest wins).
 */
export function findNewReplicaSet<T extends Readonly<ReplicaSet>>(d: Readonly<Deployment>, rsList: readonly T[]): T | undefined {
  return [...rsList].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** findOldReplicaSets returns the old ReplicaSets that still want pods, and all old ones. */
export function findOldReplicaSets<T extends Readonly<ReplicaSet>>(d: Readonly<Deployment>, rsList: readonly T[]): { oldRSs: T[]; allOldRSs: T[] } {
  const newRS = findNewReplicaSet(d, rsList);
  const allOldRSs = rsList.filter((rs) => !newRS || rs.metadata?.uid !== newRS.metadata?.uid);
  return { oldRSs: allOldRSs.filter((rs) => rsReplicas(rs) !== 0), allOldRSs };
}

/**
 * findActiveOrLatest returns the only ReplicaSet with pods, or the newest one when none has pods
 * (the new one first); undefined when several have pods (they scale proportionally).
 */
export function findActiveOrLatest<T extends Readonly<ReplicaSet>>(newRS: T | undefined, oldRSs: readonly T[]): T | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = filterActiveReplicaSets([...newestFirst, newRS]);
  switch (active.length) {
    case 0: return newRS ?? newestFirst[0];
    case 1: return active[0];
    default: return undefined;
  }
}

/** setFromReplicaSetTemplate puts an old ReplicaSet's template back into d (a rollback), without the hash label. */
export function setFromReplicaSetTemplate(d: Deployment, template: Readonly<PodTemplate> | undefined): void {
  const t = structuredClone(template ?? {}) as PodTemplate;
  if (t.metadata?.labels) delete t.metadata.labels[DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY];
  (d.spec ??= {}).template = t;
}
