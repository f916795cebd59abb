import { StatusError } from '../../apimachinery/errors.js';
import { labelSelectorFromSpec } from '../../apimachinery/labels.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { slowStartBatch } from '../common/slow-start.js';
import { ControllerHistory, equalRevision, findEqualRevisions, sortControllerRevisions, type ControllerRevision } from '../history/history.js';
import type { StatefulPodControl } from './stateful-pod-control.js';
import type { StatefulSetStatusUpdater } from './status-updater.js';
import type { Pod, StatefulSet, StatefulSetStatus } from './types.js';
import {
  allowsBurst, applyRevision, completeRollingUpdate, descendingOrdinal, getEndOrdinal, getOrdinal, getPodRevision, getStartOrdinal,
  getStatefulSetMaxUnavailable, identityMatches, inconsistentStatus, isCreated, isFailed, isPending, isRunningAndAvailable,
  isRunningAndReady, isSucceeded, isTerminating, isUnavailable, newRevision, newVersionedStatefulSetPod, nextRevision,
  podInOrdinalRange, specReplicas, storageMatches,
} from './utils.js';

const logger = log.child({ component: 'statefulset-controller' });

/**
 * StatefulSetControl is stateful_set_control.go's defaultStatefulSetControl: the monotonic (or,
 * with Parallel, burst) reconciliation of one set's pods — create missing ordinals in order,
 * replace failed ones, delete condemned ones from the highest ordinal down, roll pods to the update
 * revision from the highest ordinal down to the partition — plus its revisions and status.
 */
export class StatefulSetControl {
  constructor(
    readonly podControl: StatefulPodControl,
    private readonly statusUpdater: StatefulSetStatusUpdater,
    private readonly history: ControllerHistory,
    private readonly clock: Clock,
  ) {}

  /** listRevisions lists the revisions the set owns or that match its selector and are orphans. */
  listRevisions(set: Readonly<StatefulSet>): Readonly<ControllerRevision>[] {
    return this.history.listControllerRevisions(set, labelSelectorFromSpec(set.spec.selector));
  }

  /**
   * updateStatefulSet reconciles set's pods and revisions and writes its status; the returned
   * status is what was computed (also when a step failed: the error is thrown after the status
   * is stored).
   */
  async updateStatefulSet(setIn: Readonly<StatefulSet>, pods: readonly Readonly<Pod>[]): Promise<StatefulSetStatus> {
    // performUpdate may bump the collision count on a copy: never touch the cached object.
    const set = structuredClone(setIn) as StatefulSet;
    const revisions = sortControllerRevisions(this.listRevisions(set));
    let current: Readonly<ControllerRevision> | undefined;
    let update: Readonly<ControllerRevision> | undefined;
    try {
      const r = await this.performUpdate(set, pods, revisions);
      current = r.current;
      update = r.update;
      await this.truncateHistory(set, pods, revisions, current, update);
      return r.status;
    } catch (e) {
      if (e instanceof PerformUpdateError) {
        try { await this.truncateHistory(set, pods, revisions, e.current, e.update); } catch (t) { logger.error(t, 'Failed to truncate history', { statefulSet: `${set.metadata?.namespace}/${set.metadata?.name}` }); }
        throw e.cause;
      }
      throw e;
    }
  }

  private async performUpdate(set: StatefulSet, pods: readonly Readonly<Pod>[], revisions: readonly Readonly<ControllerRevision>[]): Promise<{ current: Readonly<ControllerRevision>; update: Readonly<ControllerRevision>; status: StatefulSetStatus }> {
    const { current, update, collisionCount } = await this.getStatefulSetRevisions(set, revisions);
    let status: StatefulSetStatus;
    let err: unknown;
    try {
      status = await this.updateStatefulSetPods(set, current, update, collisionCount, pods);
    } catch (e) {
      if (!(e instanceof UpdateError)) throw new PerformUpdateError(e, current, update);
      status = e.status;
      err = e.cause;
    }
    try {
      await this.updateStatefulSetStatus(set, status);
    } catch (statusErr) {
      if (err === undefined) throw new PerformUpdateError(statusErr, current, update);
      logger.error(statusErr, 'Could not update status', { statefulSet: `${set.metadata?.namespace}/${set.metadata?.name}` });
    }
    if (err !== undefined) throw new PerformUpdateError(err, current, update);
    return { current, update, status };
  }

  /**
   * truncateHistory deletes the oldest revisions beyond revisionHistoryLimit that are not live
   * (neither the current nor the update revision, nor the revision of any pod).
   */
  private async truncateHistory(set: Readonly<StatefulSet>, pods: readonly Readonly<Pod>[], revisions: readonly Readonly<ControllerRevision>[],
    current: Readonly<ControllerRevision> | undefined, update: Readonly<ControllerRevision> | undefined): Promise<void> {
    const live = new Set<string>();
    if (current) live.add(current.metadata?.name ?? '');
    if (update) live.add(update.metadata?.name ?? '');
    for (const p of pods) live.add(getPodRevision(p));
    const history = revisions.filter((r) => !live.has(r.metadata?.name ?? ''));
    const limit = set.spec.revisionHistoryLimit ?? 10;
    if (limit < 0 || history.length <= limit) return;
    for (const r of history.slice(0, history.length - limit)) await this.history.deleteControllerRevision(r);
  }

  /**
   * getStatefulSetRevisions finds (or makes) the update revision — the one holding the set's
   * template: the latest revision if equal, an older equal one renumbered to the top (a rollback),
   * or a new one — and the current revision, status.currentRevision when it still exists.
   */
  async getStatefulSetRevisions(set: StatefulSet, revisions: readonly Readonly<ControllerRevision>[]): Promise<{ current: Readonly<ControllerRevision>; update: Readonly<ControllerRevision>; collisionCount: number }> {
    let collisionCount = set.status?.collisionCount ?? 0;
    let update: Readonly<ControllerRevision> = newRevision(set, nextRevision(revisions), collisionCount);
    const equal = findEqualRevisions(revisions, update);
    if (equal.length > 0 && equalRevision(revisions[revisions.length - 1], equal[equal.length - 1])) {
      update = revisions[revisions.length - 1];
    } else if (equal.length > 0) {
      update = await this.history.updateControllerRevision(equal[equal.length - 1], update.revision);
    } else {
      const created = await this.history.createControllerRevision(set, update, collisionCount);
      update = created.revision;
      collisionCount = created.collisionCount;
    }
    const current = revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  /** processReplica handles one in-range replica; true means "stop here" (monotonic progress blocked). */
  private async processReplica(set: Readonly<StatefulSet>, updateSet: Readonly<StatefulSet>, monotonic: boolean, replicas: Readonly<Pod>[], i: number): Promise<boolean> {
    const pod = replicas[i];
    const now = this.clock.now();
    // A finished pod (evicted, node rebooted, …) is replaced whatever its exit code.
    if (isFailed(pod) || isSucceeded(pod)) {
      if (!isTerminating(pod)) await this.podControl.deleteStatefulPod(set, pod);
      // The new pod is made on a sync after the old one is gone.
      return true;
    }
    if (!isCreated(pod)) {
      if (this.podControl.podClaimIsStale(set, pod)) return true;
      await this.podControl.createStatefulPod(set, pod as Pod);
      if (monotonic) return true;
    }
    if (isPending(pod)) {
      logger.v(4).info('StatefulSet is triggering PVC creation for pending Pod', { statefulSet: setKey(set), pod: pod.metadata?.name });
      await this.podControl.createMissingPersistentVolumeClaims(set, pod);
    }
    if (isTerminating(pod) && monotonic) {
      logger.v(4).info('StatefulSet is waiting for Pod to Terminate', { statefulSet: setKey(set), pod: pod.metadata?.name });
      return true;
    }
    if (!isRunningAndReady(pod) && monotonic) {
      logger.v(4).info('StatefulSet is waiting for Pod to be Running and Ready', { statefulSet: setKey(set), pod: pod.metadata?.name });
      return true;
    }
    if (!isRunningAndAvailable(pod, set.spec.minReadySeconds ?? 0, now) && monotonic) {
      logger.v(4).info('StatefulSet is waiting for Pod to be Available', { statefulSet: setKey(set), pod: pod.metadata?.name });
      return true;
    }
    let retentionMatch: boolean;
    try { retentionMatch = this.podControl.claimsMatchRetentionPolicy(updateSet, pod); } catch { retentionMatch = true; }
    if (identityMatches(set, pod) && storageMatches(set, pod) && retentionMatch) return false;
    await this.podControl.updateStatefulPod(updateSet, structuredClone(pod) as Pod);
    return false;
  }

  /** processCondemned deletes one pod beyond the replica range (in order, unless Parallel). */
  private async processCondemned(set: Readonly<StatefulSet>, firstUnhealthyPod: Readonly<Pod> | undefined, monotonic: boolean, condemned: Readonly<Pod>[], i: number): Promise<boolean> {
    const pod = condemned[i];
    if (isTerminating(pod)) {
      if (monotonic) logger.v(4).info('StatefulSet is waiting for Pod to Terminate prior to scale down', { statefulSet: setKey(set), pod: pod.metadata?.name });
      return monotonic;
    }
    if (!isRunningAndReady(pod) && monotonic && pod !== firstUnhealthyPod) {
      logger.v(4).info('StatefulSet is waiting for Pod to be Running and Ready prior to scale down', { statefulSet: setKey(set), pod: firstUnhealthyPod?.metadata?.name });
      return true;
    }
    if (!isRunningAndAvailable(pod, set.spec.minReadySeconds ?? 0, this.clock.now()) && monotonic && pod !== firstUnhealthyPod) {
      logger.v(4).info('StatefulSet is waiting for Pod to be Available prior to scale down', { statefulSet: setKey(set), pod: firstUnhealthyPod?.metadata?.name });
      return true;
    }
    logger.v(2).info('Pod of StatefulSet is terminating for scale down', { statefulSet: setKey(set), pod: pod.metadata?.name });
    await this.podControl.deleteStatefulPod(set, pod);
    return true;
  }

  /**
   * updateStatefulSetPods is updateStatefulSet: it sorts pods into in-range replicas (one per
   * ordinal, placeholders for missing ones) and condemned ones, then creates, replaces, deletes and
   * rolls them. It returns the status to store; a failing step throws an UpdateError carrying it.
   */
  private async updateStatefulSetPods(set: Readonly<StatefulSet>, currentRevision: Readonly<ControllerRevision>, updateRevision: Readonly<ControllerRevision>,
    collisionCount: number, pods: readonly Readonly<Pod>[]): Promise<StatefulSetStatus> {
    const currentSet = applyRevision(set, currentRevision);
    const updateSet = applyRevision(set, updateRevision);
    const minReady = set.spec.minReadySeconds ?? 0;
    const now = this.clock.now();
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata?.generation, currentRevision: currentRevision.metadata?.name, updateRevision: updateRevision.metadata?.name,
      collisionCount, replicas: 0,
    };
    computeStatus(status, minReady, now, currentRevision, updateRevision, pods);

    const replicaCount = specReplicas(set);
    const start = getStartOrdinal(set);
    const replicas: Readonly<Pod>[] = new Array(replicaCount);
    const condemned: Readonly<Pod>[] = [];
    for (const pod of pods) {
      if (podInOrdinalRange(pod, set)) replicas[getOrdinal(pod) - start] = pod;
      else if (getOrdinal(pod) >= 0) condemned.push(pod);
    }
    for (let ord = start; ord <= getEndOrdinal(set); ord++) {
      if (!replicas[ord - start]) replicas[ord - start] = newVersionedStatefulSetPod(currentSet, updateSet, currentRevision.metadata?.name ?? '', updateRevision.metadata?.name ?? '', ord);
    }
    condemned.sort(descendingOrdinal);

    let unavailable = 0;
    let firstUnavailablePod: Readonly<Pod> | undefined;
    for (const p of replicas) if (isUnavailable(p, minReady, now)) { unavailable++; firstUnavailablePod ??= p; }
    for (let i = condemned.length - 1; i >= 0; i--) if (isUnavailable(condemned[i], minReady, now)) { unavailable++; firstUnavailablePod ??= condemned[i]; }
    if (unavailable > 0) logger.v(4).info('StatefulSet has unavailable Pods', { statefulSet: setKey(set), unavailableReplicas: unavailable, pod: firstUnavailablePod?.metadata?.name });

    // A set being deleted only reports.
    if (set.metadata?.deletionTimestamp) return status;
    const monotonic = !allowsBurst(set);
    const finish = () => { computeStatus(status, minReady, this.clock.now(), currentRevision, updateRevision, replicas, condemned); return status; };
    const stage = async (list: Readonly<Pod>[], fn: (i: number) => Promise<boolean>): Promise<boolean> => {
      try {
        return await runForAll(list, fn, monotonic);
      } catch (e) {
        throw new UpdateError(e, finish());
      }
    };

    if (await stage(replicas, (i) => this.processReplica(set, updateSet, monotonic, replicas, i))) return finish();
    // Claims of condemned pods get the owners the policy wants (a Delete policy hands them to the pod).
    const fixPodClaim = async (i: number) => {
      if (!this.podControl.claimsMatchRetentionPolicy(updateSet, condemned[i])) await this.podControl.updatePodClaimForRetentionPolicy(updateSet, condemned[i]);
      return false;
    };
    if (await stage(condemned, fixPodClaim)) return finish();
    if (await stage(condemned, (i) => this.processCondemned(set, firstUnavailablePod, monotonic, condemned, i))) return finish();
    finish();

    // OnDelete: pods move to the new revision only when the user deletes them.
    if (set.spec.updateStrategy?.type === 'OnDelete') return status;
    try {
      return await this.rollingUpdate(set, replicas, updateRevision, status);
    } catch (e) {
      throw new UpdateError(e, status);
    }
  }

  /**
   * rollingUpdate (updateStatefulSetAfterInvariantEstablished): with at most maxUnavailable replicas
   * unavailable, delete the highest-ordinal pods not at the update revision, down to the partition;
   * the next syncs recreate them at the update revision.
   */
  private async rollingUpdate(set: Readonly<StatefulSet>, replicas: readonly Readonly<Pod>[], updateRevision: Readonly<ControllerRevision>, status: StatefulSetStatus): Promise<StatefulSetStatus> {
    const ru = set.spec.updateStrategy?.rollingUpdate;
    const updateMin = ru?.partition ?? 0;
    const maxUnavailable = getStatefulSetMaxUnavailable(ru?.maxUnavailable, specReplicas(set));
    const now = this.clock.now();
    const unavailable = replicas.filter((p) => isUnavailable(p, set.spec.minReadySeconds ?? 0, now)).length;
    if (unavailable > maxUnavailable) {
      logger.v(4).info('StatefulSet found unavailablePods, more than the allowed maxUnavailable', { statefulSet: setKey(set), unavailablePods: unavailable, maxUnavailable });
      return status;
    }
    const toDelete = maxUnavailable - unavailable;
    let deleted = 0;
    for (let target = replicas.length - 1; target >= updateMin && deleted < toDelete; target--) {
      const pod = replicas[target];
      if (getPodRevision(pod) === updateRevision.metadata?.name || isTerminating(pod)) continue;
      logger.v(2).info('StatefulSet terminating Pod for update', { statefulSet: setKey(set), pod: pod.metadata?.name });
      try {
        await this.podControl.deleteStatefulPod(set, pod);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
      deleted++;
      status.currentReplicas = (status.currentReplicas ?? 0) - 1;
    }
    return status;
  }

  /** updateStatefulSetStatus completes a finished rolling update and stores status if it changed. */
  private async updateStatefulSetStatus(set: Readonly<StatefulSet>, status: StatefulSetStatus): Promise<void> {
    completeRollingUpdate(set, status);
    if (!inconsistentStatus(set, status)) return;
    await this.statusUpdater.updateStatefulSetStatus(set, status);
  }
}

/** computeStatus recounts replicas, ready, available, current and updated over the pod lists. */
export function computeStatus(status: StatefulSetStatus, minReadySeconds: number, now: Date, currentRevision: Readonly<ControllerRevision>, updateRevision: Readonly<ControllerRevision>,
  ...podLists: (readonly Readonly<Pod>[])[]): void {
  status.replicas = 0;
  status.readyReplicas = 0;
  status.availableReplicas = 0;
  status.currentReplicas = 0;
  status.updatedReplicas = 0;
  for (const list of podLists) {
    for (const pod of list) {
      if (isCreated(pod)) status.replicas++;
      if (isRunningAndReady(pod)) {
        status.readyReplicas++;
        if (isRunningAndAvailable(pod, minReadySeconds, now)) status.availableReplicas++;
      }
      if (isCreated(pod) && !isTerminating(pod)) {
        const rev = getPodRevision(pod);
        if (rev === currentRevision.metadata?.name) status.currentReplicas++;
        if (rev === updateRevision.metadata?.name) status.updatedReplicas++;
      }
    }
  }
}

/**
 * runForAll runs fn over the pods: one after the other, stopping at the first "stop" (monotonic),
 * or all in slow-start batches (burst). True means the caller must stop this round.
 */
async function runForAll(pods: readonly unknown[], fn: (i: number) => Promise<boolean>, monotonic: boolean): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < pods.length; i++) if (await fn(i)) return true;
    return false;
  }
  const { error } = await slowStartBatch(pods.length, 1, async (i) => { await fn(i); });
  if (error !== undefined) throw error;
  return false;
}

/** UpdateError carries the status computed before a step failed, so it is stored anyway. */
class UpdateError extends Error {
  constructor(override readonly cause: unknown, readonly status: StatefulSetStatus) { super(cause instanceof Error ? cause.message : String(cause)); }
}

/** PerformUpdateError carries the revisions found before the failure, for truncateHistory. */
class PerformUpdateError extends Error {
  constructor(override readonly cause: unknown, readonly current?: Readonly<ControllerRevision>, readonly update?: Readonly<ControllerRevision>) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

function setKey(set: Readonly<StatefulSet>): string {
  return `${set.metadata?.namespace}/${set.metadata?.name}`;
}
