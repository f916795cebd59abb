import type { KubeObject, OwnerReference } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { labelSelectorFromSpec, matchesLabels } from '../../apimachinery/labels.js';
import type { Lister } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { ControllerRefManager, recheckDeletionTimestamp } from '../common/controller-ref.js';
import { computeHash, goJSON, sortKeys } from '../history/hash.js';
import { ControllerHistory, maxRevision, sortControllerRevisions, type ControllerRevision } from '../history/history.js';
import type { DaemonSet, Pod } from './types.js';
import { CONTROLLER_REVISION_HASH_LABEL } from './util.js';

/**
 * A DaemonSet's ControllerRevisions (update.go's constructHistory, snapshot, dedupCurHistories,
 * cleanupHistory): one revision per template the DaemonSet has had, named `<ds>-<hash>`, labelled
 * with the hash its pods carry, holding the patch that restores the template — what `kubectl
 * rollout history|undo daemonset` read and apply.
 */

/** RevisionDeps is what the history functions need from the controller. */
export interface RevisionDeps {
  client: Client;
  history: ControllerHistory;
  revisions: Lister<ControllerRevision>;
  /** controllerRef is the owner reference the DaemonSet puts on what it owns */
  controllerRef(ds: Readonly<DaemonSet>): OwnerReference;
  /** getDaemonPods returns the pods ds owns (after adoption/release) */
  getDaemonPods(ds: Readonly<DaemonSet>): Promise<Readonly<Pod>[]>;
}

/**
 * getPatch is the strategic merge patch that puts ds's template back: `{"spec":{"template":{…,
 * "$patch":"replace"}}}`. The template is completed as a typed Go client would encode it
 * (creationTimestamp null) and its keys sorted, so the bytes kubectl receives equal those it
 * computes itself when `rollout undo` checks whether a revision is already current.
 */
export function getPatch(ds: Readonly<DaemonSet>): Record<string, unknown> {
  const template = structuredClone(ds.spec.template ?? {}) as Record<string, unknown> & { metadata?: Record<string, unknown> };
  template.metadata = { creationTimestamp: null, ...(template.metadata ?? {}) };
  return sortKeys({ spec: { template: { ...template, $patch: 'replace' } } }) as Record<string, unknown>;
}

/** match tells whether a revision holds ds's current template. */
export function match(ds: Readonly<DaemonSet>, history: Readonly<ControllerRevision>): boolean {
  return goJSON(getPatch(ds)) === goJSON(history.data ?? null);
}

/** controlledHistories returns the revisions ds controls, adopting matching orphans and releasing those that stopped matching. */
export async function controlledHistories(deps: RevisionDeps, ds: Readonly<DaemonSet>): Promise<Readonly<ControllerRevision>[]> {
  const selector = labelSelectorFromSpec(ds.spec.selector);
  const all = deps.revisions.list(ds.metadata?.namespace ?? '');
  const owner = { ...ds, apiVersion: 'apps/v1', kind: 'DaemonSet' } as KubeObject;
  const cm = new ControllerRefManager(owner, deps.controllerRef(ds), (labels) => matchesLabels(selector, labels),
    (obj, patch) => deps.history.patchControllerRevision(obj, patch),
    recheckDeletionTimestamp(() => deps.client.get(Resources.daemonsets, ds.metadata?.namespace, ds.metadata?.name ?? ''), owner));
  return cm.claim(all);
}

/**
 * constructHistory finds ds's revisions, splits them into the current one (matching the template)
 * and the old ones, creates the current one when missing (one past the highest number) or bumps
 * its number when an undo made an old template current again, merges duplicates, and adds the
 * hash label to revisions that lack it.
 */
export async function constructHistory(deps: RevisionDeps, ds: Readonly<DaemonSet>): Promise<{ cur: Readonly<ControllerRevision>; old: Readonly<ControllerRevision>[] }> {
  const current: Readonly<ControllerRevision>[] = [];
  const old: Readonly<ControllerRevision>[] = [];
  for (let h of await controlledHistories(deps, ds)) {
    if (h.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === undefined) {
      // The name carries the hash already; using it avoids recomputing (and colliding).
      const toUpdate = structuredClone(h) as ControllerRevision;
      toUpdate.metadata = { ...toUpdate.metadata, labels: { ...(toUpdate.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: toUpdate.metadata?.name ?? '' } };
      h = await deps.client.update<ControllerRevision>(Resources.controllerrevisions, ds.metadata?.namespace, { ...toUpdate, apiVersion: 'apps/v1', kind: 'ControllerRevision' });
    }
    (match(ds, h) ? current : old).push(h);
  }
  const currRevision = maxRevision(old) + 1;
  if (current.length === 0) return { cur: await snapshot(deps, ds, currRevision), old };
  let cur = await dedupCurHistories(deps, ds, current);
  if (cur.revision < currRevision) cur = await deps.history.updateControllerRevision(cur, currRevision);
  return { cur, old };
}

/**
 * snapshot creates the revision of ds's current template. A name taken by a different template
 * bumps status.collisionCount (so the next sync hashes to a new name) and fails this sync.
 */
export async function snapshot(deps: RevisionDeps, ds: Readonly<DaemonSet>, revision: number): Promise<ControllerRevision> {
  const ns = ds.metadata?.namespace;
  const hash = computeHash(ds.spec.template, ds.status?.collisionCount);
  const name = `${ds.metadata?.name}-${hash}`;
  const cr: ControllerRevision = {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      name, namespace: ns,
      labels: { ...(ds.spec.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ...(ds.metadata?.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
      ownerReferences: [deps.controllerRef(ds)],
    },
    data: getPatch(ds),
    revision,
  };
  try {
    return await deps.client.create<ControllerRevision>(Resources.controllerrevisions, ns, cr);
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 409)) throw e;
    const existing = await deps.client.get<ControllerRevision>(Resources.controllerrevisions, ns, name);
    if (match(ds, existing)) return existing;
    // A hash collision: only bump the count if ours was not stale.
    const fresh = await deps.client.get<DaemonSet>(Resources.daemonsets, ns, ds.metadata?.name ?? '');
    if ((fresh.status?.collisionCount ?? null) !== (ds.status?.collisionCount ?? null)) {
      throw new Error(`found a stale collision count (${ds.status?.collisionCount}, expected ${fresh.status?.collisionCount}) of DaemonSet "${ds.metadata?.name}" while processing; will retry until it is updated`);
    }
    fresh.status = { ...(fresh.status ?? {}), collisionCount: (fresh.status?.collisionCount ?? 0) + 1 };
    await deps.client.updateStatus(Resources.daemonsets, ns, { ...fresh, apiVersion: 'apps/v1', kind: 'DaemonSet' });
    throw e;
  }
}

/** dedupCurHistories keeps the highest-numbered of several revisions holding the current template, relabelling pods to its hash first. */
export async function dedupCurHistories(deps: RevisionDeps, ds: Readonly<DaemonSet>, current: readonly Readonly<ControllerRevision>[]): Promise<Readonly<ControllerRevision>> {
  if (current.length === 1) return current[0];
  let keep = current[0];
  for (const c of current) if (c.revision >= keep.revision) keep = c;
  const keepHash = keep.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';
  for (const pod of await deps.getDaemonPods(ds)) {
    if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === keepHash) continue;
    await deps.client.patch(Resources.pods, ds.metadata?.namespace, pod.metadata?.name ?? '', { metadata: { labels: { [CONTROLLER_REVISION_HASH_LABEL]: keepHash } } }, 'merge');
  }
  for (const c of current) if (c.metadata?.name !== keep.metadata?.name) await deps.history.deleteControllerRevision(c);
  return keep;
}

/**
 * cleanupHistory deletes the oldest old revisions beyond spec.revisionHistoryLimit, never one
 * whose hash a live pod still carries (OnDelete updates keep old pods for a long time).
 */
export async function cleanupHistory(deps: RevisionDeps, ds: Readonly<DaemonSet>, old: readonly Readonly<ControllerRevision>[], pods: readonly Readonly<Pod>[]): Promise<void> {
  let toKill = old.length - (ds.spec.revisionHistoryLimit ?? 10);
  if (toKill <= 0) return;
  const liveHashes = new Set(pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).filter((h): h is string => !!h));
  for (const h of sortControllerRevisions(old)) {
    if (toKill <= 0) break;
    if (liveHashes.has(h.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '')) continue;
    await deps.history.deleteControllerRevision(h);
    toKill--;
  }
}
