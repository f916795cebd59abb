import { StatusError } from '../../apimachinery/errors.js';
import { Resources, type Client } from '../../client/types.js';
import { nodeShouldRunDaemonPod } from './node-eligibility.js';
import type { DaemonSet, DaemonSetStatus, Node, Pod } from './types.js';
import { compareByCreationTimestampAndPhase, getTemplateGeneration, isPodAvailable, isPodReady, isPodUpdated } from './util.js';

/** DaemonSetCounts are the numbers `kubectl get ds` prints (DESIRED CURRENT READY UP-TO-DATE AVAILABLE) and more. */
export interface DaemonSetCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
}

/**
 * calculateStatus counts, over the nodes that exist, where the daemon should run and how its
 * oldest pod there is doing (updateDaemonSetStatus): desired = nodes that should run it, current =
 * those that have a pod, misscheduled = nodes with a pod that should not, and of the current ones
 * how many pods are ready, available (ready for minReadySeconds) and of the current revision.
 * Pods on nodes that no longer exist count nowhere.
 */
export function calculateStatus(ds: Readonly<DaemonSet>, nodeList: readonly Readonly<Node>[], nodeToDaemonPods: ReadonlyMap<string, readonly Readonly<Pod>[]>, hash: string, now: Date): DaemonSetCounts {
  const c: DaemonSetCounts = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0 };
  const generation = getTemplateGeneration(ds);
  for (const node of nodeList) {
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    const pods = nodeToDaemonPods.get(node.metadata?.name ?? '') ?? [];
    const scheduled = pods.length > 0;
    if (!shouldRun) {
      if (scheduled) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    if (!scheduled) continue;
    c.currentNumberScheduled++;
    const pod = [...pods].sort(compareByCreationTimestampAndPhase)[0];
    if (isPodReady(pod)) {
      c.numberReady++;
      if (isPodAvailable(pod, ds.spec.minReadySeconds ?? 0, now)) c.numberAvailable++;
    }
    if (isPodUpdated(pod, hash, generation)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}

/** STATUS_UPDATE_RETRIES: one retry with a fresh copy, then the sync fails and is requeued. */
const STATUS_UPDATE_RETRIES = 1;

/**
 * storeDaemonSetStatus writes counts (and observedGeneration when updateObservedGen) unless the
 * DaemonSet already shows them. Zero values of the fields Kubernetes omits when empty are left out,
 * so `kubectl get ds -o yaml` looks as it does against Kubernetes.
 */
export async function storeDaemonSetStatus(client: Client, ds: Readonly<DaemonSet>, counts: DaemonSetCounts, updateObservedGen: boolean): Promise<void> {
  const st = ds.status ?? {};
  const generation = ds.metadata?.generation ?? 0;
  const same = (Object.keys(counts) as (keyof DaemonSetCounts)[]).every((k) => (st[k] ?? 0) === counts[k]);
  if (same && (st.observedGeneration ?? 0) >= generation) return;
  let toUpdate: DaemonSet = structuredClone(ds) as DaemonSet;
  for (let i = 0; ; i++) {
    const status: DaemonSetStatus = { ...(toUpdate.status ?? {}) };
    if (updateObservedGen) status.observedGeneration = generation;
    Object.assign(status, counts);
    for (const k of ['observedGeneration', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable'] as const) if (!status[k]) delete status[k];
    toUpdate = { ...toUpdate, apiVersion: 'apps/v1', kind: 'DaemonSet', status };
    try {
      await client.updateStatus(Resources.daemonsets, ds.metadata?.namespace, toUpdate);
      return;
    } catch (e) {
      if (i >= STATUS_UPDATE_RETRIES) throw e;
      if (e instanceof StatusError && e.code === 404) throw e;
      toUpdate = await client.get<DaemonSet>(Resources.daemonsets, ds.metadata?.namespace, ds.metadata?.name ?? '');
    }
  }
}
