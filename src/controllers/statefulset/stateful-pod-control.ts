import { StatusError } from '../../apimachinery/errors.js';
import type { EventRecorder } from '../../client/events.js';
import type { Lister } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import type { PersistentVolumeClaim, Pod, StatefulSet } from './types.js';
import {
  asOwner, getOrdinal, getPersistentVolumeClaimName, getPersistentVolumeClaims, hasStaleOwnerRef, hasUnexpectedController,
  identityMatches, isClaimOwnerUpToDate, podKind, retentionPolicy, storageMatches, updateClaimOwnerRefForSetAndPod,
  updateIdentity, updateStorage,
} from './utils.js';

/**
 * StatefulPodControlObjectManager is how StatefulPodControl reads (from caches) and writes (through
 * the API) pods and claims; tests may put a fake behind it.
 */
export interface StatefulPodControlObjectManager {
  createPod(pod: Pod): Promise<Pod>;
  getPod(namespace: string, name: string): Readonly<Pod> | undefined;
  updatePod(pod: Pod): Promise<Pod>;
  deletePod(pod: Readonly<Pod>): Promise<void>;
  createClaim(claim: PersistentVolumeClaim): Promise<PersistentVolumeClaim>;
  getClaim(namespace: string, name: string): Readonly<PersistentVolumeClaim> | undefined;
  updateClaim(claim: PersistentVolumeClaim): Promise<PersistentVolumeClaim>;
}

/** RealStatefulPodControlObjectManager reads from the pod and claim listers and writes through the client. */
export class RealStatefulPodControlObjectManager implements StatefulPodControlObjectManager {
  constructor(private readonly client: Client, private readonly pods: Lister<Pod>, private readonly claims: Lister<PersistentVolumeClaim>) {}
  createPod(pod: Pod): Promise<Pod> { return this.client.create<Pod>(Resources.pods, pod.metadata?.namespace, pod); }
  getPod(namespace: string, name: string): Readonly<Pod> | undefined { return this.pods.get(namespace, name); }
  updatePod(pod: Pod): Promise<Pod> { return this.client.update<Pod>(Resources.pods, pod.metadata?.namespace, { ...pod, apiVersion: 'v1', kind: 'Pod' }); }
  async deletePod(pod: Readonly<Pod>): Promise<void> { await this.client.delete(Resources.pods, pod.metadata?.namespace, pod.metadata?.name ?? ''); }
  createClaim(claim: PersistentVolumeClaim): Promise<PersistentVolumeClaim> {
    return this.client.create<PersistentVolumeClaim>(Resources.persistentvolumeclaims, claim.metadata?.namespace, claim);
  }
  getClaim(namespace: string, name: string): Readonly<PersistentVolumeClaim> | undefined { return this.claims.get(namespace, name); }
  updateClaim(claim: PersistentVolumeClaim): Promise<PersistentVolumeClaim> {
    return this.client.update<PersistentVolumeClaim>(Resources.persistentvolumeclaims, claim.metadata?.namespace, { ...claim, apiVersion: 'v1', kind: 'PersistentVolumeClaim' });
  }
}

const MAX_UPDATE_RETRIES = 5;

const isCode = (e: unknown, code: number) => e instanceof StatusError && e.code === code;
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const title = (verb: string) => verb.charAt(0).toUpperCase() + verb.slice(1);

/**
 * StatefulPodControl is stateful_pod_control.go: it creates a pod's claims before the pod, keeps a
 * pod's identity and storage in line with the set, keeps claims' owner references as the retention
 * policy says, and records the events kube-controller-manager records ("create Pod sleep-0 in
 * StatefulSet sleep successful", "create Claim data-sleep-0 Pod sleep-0 in StatefulSet sleep success").
 */
export class StatefulPodControl {
  constructor(readonly objectMgr: StatefulPodControlObjectManager, private readonly recorder: EventRecorder) {}

  /** createStatefulPod creates the pod's missing claims, then the pod, then sets the claims' owners. */
  async createStatefulPod(set: Readonly<StatefulSet>, pod: Pod): Promise<void> {
    try {
      await this.createPersistentVolumeClaims(set, pod);
    } catch (e) {
      this.recordPodEvent('create', set, pod, e);
      throw e;
    }
    let created: Pod;
    try {
      created = await this.objectMgr.createPod(pod);
    } catch (e) {
      // A pod already there (a stale cache) is no failure worth an event.
      if (!isCode(e, 409)) this.recordPodEvent('create', set, pod, e);
      throw e;
    }
    try {
      // Owner references to the pod need its uid, which exists only now.
      await this.updatePodClaimForRetentionPolicy(set, created);
    } catch (e) {
      this.recordPodEvent('update', set, pod, e);
      throw e;
    }
    this.recordPodEvent('create', set, pod);
  }

  /**
   * updateStatefulPod brings an existing pod's identity labels, claim volumes and claim owners in
   * line with the set, retrying on conflicts with a fresh copy from the cache.
   */
  async updateStatefulPod(set: Readonly<StatefulSet>, pod: Pod): Promise<void> {
    let attempted = false;
    let err: unknown;
    for (let attempt = 0; ; attempt++) {
      try {
        let consistent = true;
        if (!identityMatches(set, pod)) { updateIdentity(set, pod); consistent = false; }
        if (!storageMatches(set, pod)) {
          updateStorage(set, pod);
          consistent = false;
          await this.createPersistentVolumeClaims(set, pod);
        }
        if (!this.claimsMatchRetentionPolicy(set, pod)) {
          await this.updatePodClaimForRetentionPolicy(set, pod);
          consistent = false;
        }
        if (consistent) break;
        attempted = true;
        await this.objectMgr.updatePod(pod);
        err = undefined;
        break;
      } catch (e) {
        err = e;
        if (!isCode(e, 409) || attempt >= MAX_UPDATE_RETRIES) break;
        const fresh = this.objectMgr.getPod(set.metadata?.namespace ?? '', pod.metadata?.name ?? '');
        if (fresh) pod = structuredClone(fresh) as Pod;
      }
    }
    if (attempted || err) this.recordPodEvent('update', set, pod, err);
    if (err) throw err;
  }

  /** deleteStatefulPod deletes the pod and records it. */
  async deleteStatefulPod(set: Readonly<StatefulSet>, pod: Readonly<Pod>): Promise<void> {
    try {
      await this.objectMgr.deletePod(pod);
    } catch (e) {
      this.recordPodEvent('delete', set, pod, e);
      throw e;
    }
    this.recordPodEvent('delete', set, pod);
  }

  /** claimsMatchRetentionPolicy: every existing claim of pod has the owners the policy asks for. */
  claimsMatchRetentionPolicy(set: Readonly<StatefulSet>, pod: Readonly<Pod>): boolean {
    const ordinal = getOrdinal(pod);
    for (const t of set.spec.volumeClaimTemplates ?? []) {
      const claim = this.objectMgr.getClaim(set.metadata?.namespace ?? '', getPersistentVolumeClaimName(set, t, ordinal));
      // A missing claim is picked up by a later sync.
      if (claim && !isClaimOwnerUpToDate(claim, set, pod)) return false;
    }
    return true;
  }

  /** updatePodClaimForRetentionPolicy rewrites the owner references of pod's claims as the policy wants. */
  async updatePodClaimForRetentionPolicy(set: Readonly<StatefulSet>, pod: Readonly<Pod>): Promise<void> {
    const ordinal = getOrdinal(pod);
    for (const t of set.spec.volumeClaimTemplates ?? []) {
      const name = getPersistentVolumeClaimName(set, t, ordinal);
      const claim = this.objectMgr.getClaim(set.metadata?.namespace ?? '', name);
      if (!claim) continue;
      if (hasUnexpectedController(claim, set, pod)) {
        this.recorder.event(asOwner(set), 'Warning', 'ConflictingController',
          `PersistentVolumeClaim ${name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`);
      }
      if (isClaimOwnerUpToDate(claim, set, pod)) continue;
      const copy = structuredClone(claim) as PersistentVolumeClaim;
      updateClaimOwnerRefForSetAndPod(copy, set, pod);
      try {
        await this.objectMgr.updateClaim(copy);
      } catch (e) {
        throw new Error(`could not update claim ${name} for delete policy ownerRefs: ${errText(e)}`);
      }
    }
  }

  /**
   * podClaimIsStale: under whenScaled Delete, a claim still owned by an earlier pod of the same
   * name is being garbage collected; the pod must wait for it to go.
   */
  podClaimIsStale(set: Readonly<StatefulSet>, pod: Readonly<Pod>): boolean {
    if (retentionPolicy(set).whenScaled === 'Retain') return false;
    for (const claim of getPersistentVolumeClaims(set, pod).values()) {
      const pvc = this.objectMgr.getClaim(claim.metadata?.namespace ?? '', claim.metadata?.name ?? '');
      if (pvc && hasStaleOwnerRef(pvc, pod, podKind)) return true;
    }
    return false;
  }

  /** createMissingPersistentVolumeClaims creates what is missing for a pending pod and sets the claims' owners. */
  async createMissingPersistentVolumeClaims(set: Readonly<StatefulSet>, pod: Readonly<Pod>): Promise<void> {
    await this.createPersistentVolumeClaims(set, pod);
    try {
      await this.updatePodClaimForRetentionPolicy(set, pod);
    } catch (e) {
      this.recordPodEvent('update', set, pod, e);
      throw e;
    }
  }

  /**
   * createPersistentVolumeClaims creates each claim of pod that does not exist yet. A claim being
   * deleted is an error: the pod must not start on storage that is going away.
   */
  async createPersistentVolumeClaims(set: Readonly<StatefulSet>, pod: Readonly<Pod>): Promise<void> {
    const errs: string[] = [];
    for (const claim of getPersistentVolumeClaims(set, pod).values()) {
      const name = claim.metadata?.name ?? '';
      const existing = this.objectMgr.getClaim(claim.metadata?.namespace ?? '', name);
      if (!existing) {
        try {
          await this.objectMgr.createClaim(claim);
          this.recordClaimEvent('create', set, pod, claim);
        } catch (e) {
          errs.push(`failed to create PVC ${name}: ${errText(e)}`);
          if (!isCode(e, 409)) this.recordClaimEvent('create', set, pod, claim, e);
        }
      } else if (existing.metadata?.deletionTimestamp) {
        errs.push(`pvc ${name} is being deleted`);
      }
    }
    if (errs.length === 1) throw new Error(errs[0]);
    if (errs.length > 1) throw new Error(`[${errs.join(', ')}]`);
  }

  /** recordPodEvent: SuccessfulCreate "create Pod x in StatefulSet y successful", or FailedCreate with the error. */
  private recordPodEvent(verb: string, set: Readonly<StatefulSet>, pod: Readonly<Pod>, err?: unknown): void {
    const podName = pod.metadata?.name;
    const setName = set.metadata?.name;
    if (err === undefined) this.recorder.event(asOwner(set), 'Normal', `Successful${title(verb)}`, `${verb} Pod ${podName} in StatefulSet ${setName} successful`);
    else this.recorder.event(asOwner(set), 'Warning', `Failed${title(verb)}`, `${verb} Pod ${podName} in StatefulSet ${setName} failed error: ${errText(err)}`);
  }

  /** recordClaimEvent: SuccessfulCreate "create Claim c Pod p in StatefulSet s success", or FailedCreate. */
  private recordClaimEvent(verb: string, set: Readonly<StatefulSet>, pod: Readonly<Pod>, claim: Readonly<PersistentVolumeClaim>, err?: unknown): void {
    const c = claim.metadata?.name;
    const p = pod.metadata?.name;
    const s = set.metadata?.name;
    if (err === undefined) this.recorder.event(asOwner(set), 'Normal', `Successful${title(verb)}`, `${verb} Claim ${c} Pod ${p} in StatefulSet ${s} success`);
    else this.recorder.event(asOwner(set), 'Warning', `Failed${title(verb)}`, `${verb} Claim ${c} for Pod ${p} in StatefulSet ${s} failed error: ${errText(err)}`);
  }
}
