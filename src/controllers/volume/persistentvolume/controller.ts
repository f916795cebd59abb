import type { KubeObject } from '../../../api/resource.js';
import { StatusError } from '../../../apimachinery/errors.js';
import { rfc3339 } from '../../../apimachinery/time.js';
import type { ControllerContext } from '../../common/context.js';
import { EventRecorder } from '../../../client/events.js';
import { keyOf, splitKey, type Informer } from '../../../client/informer-types.js';
import { Resources, type Client } from '../../../client/types.js';
import { WorkQueue } from '../../../client/workqueue.js';
import type { Clock } from '../../../util/clock.js';
import { log } from '../../../util/log.js';
import { runWorkers, type Controller } from '../../common/run-workers.js';
import {
  Ann, POD_PVC_INDEX, podPVCIndexer, StorageClasses, type PersistentVolume, type PersistentVolumeClaim, type Pod, type StorageClass,
} from '../types.js';
import {
  checkVolumeModeMismatches, checkVolumeSatisfyClaim, findBestMatchForClaim, getPersistentVolumeClaimClass, isVolumeBoundToClaim,
} from './index.js';

/** PV_SYNC_PERIOD_MS is --pvclaimbinder-sync-period: every claim and volume is synced this often. */
export const PV_SYNC_PERIOD_MS = 15_000;

/** Event reasons of the persistentvolume-controller (pkg/controller/volume/events). */
export const Events = {
  failedBinding: 'FailedBinding',
  volumeMismatch: 'VolumeMismatch',
  claimLost: 'ClaimLost',
  claimMisbound: 'ClaimMisbound',
  waitForFirstConsumer: 'WaitForFirstConsumer',
  waitForPodScheduled: 'WaitForPodScheduled',
  externalProvisioning: 'ExternalProvisioning',
  provisioningFailed: 'ProvisioningFailed',
  volumeFailedDelete: 'VolumeFailedDelete',
  volumeFailedRecycle: 'VolumeFailedRecycle',
  volumeUnknownReclaimPolicy: 'VolumeUnknownReclaimPolicy',
} as const;

const isCode = (e: unknown, code: number) => e instanceof StatusError && e.code === code;
const rv = (o: Readonly<KubeObject> | undefined) => Number(o?.metadata?.resourceVersion ?? 0) || 0;

/**
 * PersistentVolumeController is kube-controller-manager's persistentvolume-binder
 * (pkg/controller/volume/persistentvolume): it binds claims to volumes (the two-way pointer
 * claim.spec.volumeName ↔ volume.spec.claimRef, completed in that order and repaired when half
 * done), asks external provisioners for volumes of a claim's StorageClass (all provisioners are
 * external to tskube's controller manager, the built-in local-path one included), waits for the
 * first consumer under WaitForFirstConsumer, keeps volume phases (Available, Bound, Released,
 * Failed) and claim phases (Pending, Bound, Lost), and reclaims released volumes (Retain, Delete).
 *
 * As upstream, claims and volumes each have one worker (binding is not reentrant), and the
 * controller remembers the objects it wrote until the informers catch up, so it never acts twice
 * on a stale cache.
 */
export class PersistentVolumeController implements Controller {
  readonly name = 'persistentvolume-binder';
  readonly claimQueue: WorkQueue<string>;
  readonly volumeQueue: WorkQueue<string>;
  /** recorder writes the controller's events (tests flush it) */
  readonly recorder: EventRecorder;
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly logger = log.child({ component: 'persistentvolume-controller' });
  private readonly volumes: Informer<PersistentVolume>;
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly classes: Informer<StorageClass>;
  private readonly pods: Informer<Pod>;
  /** objects this controller wrote, newer than the informers' copies (upstream's own caches) */
  private readonly written = new Map<string, KubeObject>();

  constructor(private readonly ctx: ControllerContext) {
    this.client = ctx.client;
    this.clock = ctx.clock;
    this.claimQueue = new WorkQueue<string>(ctx.clock, { name: 'claims' });
    this.volumeQueue = new WorkQueue<string>(ctx.clock, { name: 'volumes' });
    this.recorder = new EventRecorder(ctx.client, { component: 'persistentvolume-controller' }, ctx.clock);
    this.volumes = ctx.informers.informerFor<PersistentVolume>(Resources.persistentvolumes);
    this.claims = ctx.informers.informerFor<PersistentVolumeClaim>(Resources.persistentvolumeclaims);
    this.classes = ctx.informers.informerFor<StorageClass>(StorageClasses);
    this.pods = ctx.informers.informerFor<Pod>(Resources.pods);
    this.pods.addIndexer(POD_PVC_INDEX, podPVCIndexer);

    this.volumes.addEventHandler({
      add: (v) => this.volumeQueue.add(keyOf(v)),
      update: (o, v) => {
        this.volumeQueue.add(keyOf(v));
        // Claims only take Available volumes: one that just became Available is offered to the
        // waiting claims now instead of at their next resync.
        if (v.status?.phase === 'Available' && o.status?.phase !== 'Available') {
          const cls = v.spec?.storageClassName ?? '';
          for (const c of this.claims.lister.list(undefined, (c) => !c.spec?.volumeName && getPersistentVolumeClaimClass(c) === cls)) this.claimQueue.add(keyOf(c));
        }
      },
      delete: (v) => {
        this.written.delete(`pv/${keyOf(v)}`);
        // The claim of a deleted volume must notice (it becomes Lost).
        const ref = v.spec?.claimRef;
        if (ref?.name) this.claimQueue.add(`${ref.namespace}/${ref.name}`);
      },
    }, PV_SYNC_PERIOD_MS);
    this.claims.addEventHandler({
      add: (c) => this.claimQueue.add(keyOf(c)),
      update: (_o, c) => this.claimQueue.add(keyOf(c)),
      delete: (c) => {
        this.written.delete(`pvc/${keyOf(c)}`);
        // Its volume is released now.
        if (c.spec?.volumeName) this.volumeQueue.add(c.spec.volumeName);
      },
    }, PV_SYNC_PERIOD_MS);
    // A class that appears lets pending claims of it provision now rather than at the next resync.
    this.classes.addEventHandler({
      add: (sc) => {
        for (const c of this.claims.lister.list(undefined, (c) => !c.spec?.volumeName && getPersistentVolumeClaimClass(c) === sc.metadata?.name)) this.claimQueue.add(keyOf(c));
      },
    });
  }

  /** run works both queues (one worker each, as upstream) until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.logger.info('Starting persistent volume controller');
    const waitForSync = (s: AbortSignal) => this.ctx.informers.waitForCacheSync(s);
    await Promise.all([
      runWorkers({ queue: this.volumeQueue, workers: 1, signal, log: this.logger, waitForSync, sync: (k) => this.syncVolumeKey(k) }),
      runWorkers({ queue: this.claimQueue, workers: 1, signal, log: this.logger, waitForSync, sync: (k) => this.syncClaimKey(k) }),
    ]);
    this.logger.info('Shutting down persistent volume controller');
  }

  // ---- the newest known copies ----

  private newest<T extends KubeObject>(cacheKey: string, cached: Readonly<T> | undefined): Readonly<T> | undefined {
    const mine = this.written.get(cacheKey) as T | undefined;
    if (!cached) return undefined;
    if (mine && mine.metadata?.uid === cached.metadata?.uid && rv(mine) > rv(cached)) return mine;
    if (mine) this.written.delete(cacheKey);
    return cached;
  }

  private getVolume(name: string): Readonly<PersistentVolume> | undefined {
    return this.newest(`pv/${name}`, this.volumes.lister.get(undefined, name));
  }

  private getClaim(namespace: string | undefined, name: string): Readonly<PersistentVolumeClaim> | undefined {
    return this.newest(`pvc/${namespace}/${name}`, this.claims.lister.get(namespace, name));
  }

  private listVolumes(): Readonly<PersistentVolume>[] {
    return this.volumes.lister.list().map((v) => this.getVolume(v.metadata?.name ?? '') ?? v);
  }

  private remember(o: KubeObject, kind: 'pv' | 'pvc'): void {
    this.written.set(`${kind}/${keyOf(o)}`, o);
  }

  // ---- sync entry points ----

  private async syncClaimKey(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const claim = this.getClaim(namespace, name);
    if (!claim) return;
    await this.syncClaim(claim);
  }

  private async syncVolumeKey(key: string): Promise<void> {
    const volume = this.getVolume(key);
    if (!volume) return;
    await this.syncVolume(volume);
  }

  /** syncClaim decides what to do with a claim: an unbound one is bound or provisioned, a bound one is checked. */
  async syncClaim(claim: Readonly<PersistentVolumeClaim>): Promise<void> {
    this.logger.v(4).info('Synchronizing PersistentVolumeClaim', { PVC: keyOf(claim), phase: claim.status?.phase });
    if (claim.metadata?.annotations?.[Ann.bindCompleted] === undefined) await this.syncUnboundClaim(claim);
    else await this.syncBoundClaim(claim);
  }

  /** syncUnboundClaim binds a new claim to the best volume, or to the one it names, or has one provisioned. */
  private async syncUnboundClaim(claim: Readonly<PersistentVolumeClaim>): Promise<void> {
    const volumeName = claim.spec?.volumeName;
    if (!volumeName) {
      const delayBinding = this.isDelayBindingMode(claim);
      const volume = findBestMatchForClaim(claim, this.listVolumes(), delayBinding);
      if (volume) {
        await this.bind(volume, claim);
        return;
      }
      if (await this.assignDefaultStorageClass(claim)) return;
      if (delayBinding && claim.metadata?.annotations?.[Ann.selectedNode] === undefined) {
        this.emitEventForUnboundDelayBindingClaim(claim);
      } else if (getPersistentVolumeClaimClass(claim) !== '') {
        // Provisioning updates the claim; the binding follows when the volume appears.
        await this.provisionClaim(claim);
        return;
      } else {
        this.recorder.event(asClaim(claim), 'Normal', Events.failedBinding, 'no persistent volumes available for this claim and no storage class is set');
      }
      await this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    // The user asked for a specific volume.
    const volume = this.getVolume(volumeName);
    if (!volume) {
      this.logger.v(4).info('Synchronizing unbound PersistentVolumeClaim, volume requested and not found, will try again next time', { PVC: keyOf(claim), volumeName });
      await this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    if (!volume.spec?.claimRef) {
      const why = checkVolumeSatisfyClaim(volume, claim);
      if (why) {
        this.recorder.event(asClaim(claim), 'Warning', Events.volumeMismatch, `Cannot bind to requested volume "${volumeName}": ${why}`);
        await this.updateClaimStatus(claim, 'Pending', undefined);
        return;
      }
      await this.bind(volume, claim);
      return;
    }
    if (isVolumeBoundToClaim(volume, claim)) {
      await this.bind(volume, claim);
      return;
    }
    this.recorder.event(asClaim(claim), 'Warning', Events.failedBinding, `volume "${volumeName}" already bound to a different claim.`);
    if (claim.metadata?.annotations?.[Ann.boundByController] === undefined) {
      // Pre-bound by the user to a volume someone else has: wait.
      await this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    throw new Error(`invalid binding of claim "${keyOf(claim)}" to volume "${volumeName}": volume already claimed by "${volume.spec.claimRef.namespace}/${volume.spec.claimRef.name}"`);
  }

  /** syncBoundClaim keeps a claim that was bound once consistent, or marks it Lost. */
  private async syncBoundClaim(claim: Readonly<PersistentVolumeClaim>): Promise<void> {
    const volumeName = claim.spec?.volumeName;
    if (!volumeName) {
      await this.updateClaimStatusWithEvent(claim, 'Lost', undefined, 'Warning', Events.claimLost, 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      return;
    }
    const volume = this.getVolume(volumeName);
    if (!volume) {
      await this.updateClaimStatusWithEvent(claim, 'Lost', undefined, 'Warning', Events.claimLost, 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      return;
    }
    if (!volume.spec?.claimRef || volume.spec.claimRef.uid === claim.metadata?.uid) {
      // Unbound volume (or a half-written binding): bind again; otherwise bind() only confirms.
      await this.bind(volume, claim);
      return;
    }
    await this.updateClaimStatusWithEvent(claim, 'Lost', undefined, 'Warning', Events.claimMisbound, 'Two claims are bound to the same volume, this one is bound incorrectly');
  }

  /** syncVolume keeps a volume's phase, finishes bindings through its claim, and reclaims it once released. */
  async syncVolume(volumeIn: Readonly<PersistentVolume>): Promise<void> {
    let volume = volumeIn;
    const ref = volume.spec?.claimRef;
    if (!ref) {
      await this.updateVolumePhase(volume, 'Available', '');
      return;
    }
    if (!ref.uid) {
      // Reserved for a claim that has not bound yet: the claim's sync does it.
      await this.updateVolumePhase(volume, 'Available', '');
      return;
    }
    let claim = this.getClaim(ref.namespace, ref.name ?? '');
    if (!claim && volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed') {
      // A claim made by a provisioner may not be in the cache yet: ask the API server before releasing.
      claim = await this.fetchClaim(ref.namespace, ref.name ?? '');
    }
    if (claim && claim.metadata?.uid !== ref.uid) {
      // The cache may be stale; the API server knows whether the claim was deleted and re-created.
      const fresh = await this.fetchClaim(ref.namespace, ref.name ?? '');
      claim = fresh && fresh.metadata?.uid === ref.uid ? fresh : undefined;
    }
    if (!claim) {
      if (volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed') {
        this.logger.v(2).info('Volume is released and reclaim policy will be executed', { volumeName: volume.metadata?.name, reclaimPolicy: volume.spec?.persistentVolumeReclaimPolicy });
        volume = await this.updateVolumePhase(volume, 'Released', '');
      }
      await this.reclaimVolume(volume);
      return;
    }
    if (!claim.spec?.volumeName) {
      if (checkVolumeModeMismatches(claim, volume)) {
        this.recorder.event(asVolume(volume), 'Warning', Events.volumeMismatch, `Cannot bind PersistentVolume to requested PersistentVolumeClaim "${claim.metadata?.name}" due to incompatible volumeMode.`);
        this.recorder.event(asClaim(claim), 'Warning', Events.volumeMismatch, `Cannot bind PersistentVolume "${volume.metadata?.name}" to requested PersistentVolumeClaim due to incompatible volumeMode.`);
        return;
      }
      // The volume points at the claim, the claim not yet at the volume: the claim's sync finishes it.
      this.claimQueue.add(keyOf(claim));
      return;
    }
    if (claim.spec.volumeName === volume.metadata?.name) {
      await this.updateVolumePhase(volume, 'Bound', '');
      return;
    }
    // The claim is bound to another volume.
    if (volume.metadata?.annotations?.[Ann.dynamicallyProvisioned] !== undefined && volume.spec?.persistentVolumeReclaimPolicy === 'Delete') {
      // Provisioned for this claim, which got another volume: not needed.
      if (volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed') volume = await this.updateVolumePhase(volume, 'Released', '');
      await this.reclaimVolume(volume);
      return;
    }
    // Bound by the controller: undo it. Pre-bound by the user: keep the name, drop the uid.
    await this.unbindVolume(volume);
  }

  // ---- binding ----

  /** bind completes the binding in upstream's order: volume.claimRef, volume phase, claim.volumeName, claim phase. */
  private async bind(volumeIn: Readonly<PersistentVolume>, claimIn: Readonly<PersistentVolumeClaim>): Promise<void> {
    this.logger.v(4).info('Binding volume to claim', { PVC: keyOf(claimIn), volumeName: volumeIn.metadata?.name });
    let volume = await this.bindVolumeToClaim(volumeIn, claimIn);
    volume = await this.updateVolumePhase(volume, 'Bound', '');
    const claim = await this.bindClaimToVolume(claimIn, volume);
    await this.updateClaimStatus(claim, 'Bound', volume);
  }

  /** bindVolumeToClaim sets volume.spec.claimRef to the claim (marking it bound-by-controller if the user had not). */
  private async bindVolumeToClaim(volume: Readonly<PersistentVolume>, claim: Readonly<PersistentVolumeClaim>): Promise<Readonly<PersistentVolume>> {
    const byController = !isVolumeBoundToClaim(volume, claim);
    const clone = structuredClone(volume) as PersistentVolume;
    let dirty = false;
    const ref = volume.spec?.claimRef;
    if (!ref || ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace || ref.uid !== claim.metadata?.uid) {
      clone.spec = { ...(clone.spec ?? {}), claimRef: claimReference(claim) };
      dirty = true;
    }
    if (byController && clone.metadata?.annotations?.[Ann.boundByController] === undefined) {
      clone.metadata = { ...clone.metadata, annotations: { ...(clone.metadata?.annotations ?? {}), [Ann.boundByController]: 'yes' } };
      dirty = true;
    }
    if (!dirty) return volume;
    const updated = await this.client.update<PersistentVolume>(Resources.persistentvolumes, undefined, { ...clone, apiVersion: 'v1', kind: 'PersistentVolume' });
    this.remember(updated, 'pv');
    return updated;
  }

  /** bindClaimToVolume sets claim.spec.volumeName and the bind-completed (and bound-by-controller) annotations. */
  private async bindClaimToVolume(claim: Readonly<PersistentVolumeClaim>, volume: Readonly<PersistentVolume>): Promise<Readonly<PersistentVolumeClaim>> {
    const clone = structuredClone(claim) as PersistentVolumeClaim;
    const annotations = { ...(clone.metadata?.annotations ?? {}) };
    let dirty = false;
    const shouldBind = claim.spec?.volumeName !== volume.metadata?.name;
    if (shouldBind) {
      clone.spec = { ...(clone.spec ?? {}), volumeName: volume.metadata?.name };
      dirty = true;
      if (annotations[Ann.boundByController] === undefined) annotations[Ann.boundByController] = 'yes';
    }
    if (annotations[Ann.bindCompleted] === undefined) { annotations[Ann.bindCompleted] = 'yes'; dirty = true; }
    if (!dirty) return claim;
    clone.metadata = { ...clone.metadata, annotations };
    const updated = await this.client.update<PersistentVolumeClaim>(Resources.persistentvolumeclaims, claim.metadata?.namespace, { ...clone, apiVersion: 'v1', kind: 'PersistentVolumeClaim' });
    this.remember(updated, 'pvc');
    return updated;
  }

  /** unbindVolume undoes a controller binding (claimRef removed) or a user's half-binding (claimRef.uid cleared); phase Available. */
  private async unbindVolume(volume: Readonly<PersistentVolume>): Promise<void> {
    const clone = structuredClone(volume) as PersistentVolume;
    if (volume.metadata?.annotations?.[Ann.boundByController] !== undefined) {
      clone.spec = { ...(clone.spec ?? {}) };
      delete clone.spec.claimRef;
      const annotations = { ...(clone.metadata?.annotations ?? {}) };
      delete annotations[Ann.boundByController];
      clone.metadata = { ...clone.metadata, annotations };
      if (Object.keys(annotations).length === 0) delete clone.metadata.annotations;
    } else if (clone.spec?.claimRef) {
      clone.spec.claimRef = { ...clone.spec.claimRef, uid: '' };
      delete clone.spec.claimRef.uid;
    }
    const updated = await this.client.update<PersistentVolume>(Resources.persistentvolumes, undefined, { ...clone, apiVersion: 'v1', kind: 'PersistentVolume' });
    this.remember(updated, 'pv');
    await this.updateVolumePhase(updated, 'Available', '');
  }

  // ---- status ----

  /** updateClaimStatus sets the claim's phase, and its accessModes and capacity from the volume (cleared without one). */
  private async updateClaimStatus(claim: Readonly<PersistentVolumeClaim>, phase: string, volume: Readonly<PersistentVolume> | undefined): Promise<Readonly<PersistentVolumeClaim>> {
    const status = { ...(claim.status ?? {}) };
    let dirty = false;
    if (status.phase !== phase) { status.phase = phase; dirty = true; }
    if (!volume) {
      if (status.accessModes !== undefined) { delete status.accessModes; dirty = true; }
      if (status.capacity !== undefined) { delete status.capacity; dirty = true; }
    } else {
      if (JSON.stringify(status.accessModes) !== JSON.stringify(volume.spec?.accessModes)) { status.accessModes = [...(volume.spec?.accessModes ?? [])]; dirty = true; }
      // Capacity is set when the claim becomes Bound, never overwritten afterwards (a resize may differ on purpose).
      if (claim.status?.phase !== phase) {
        const cap = volume.spec?.capacity?.storage;
        if (cap === undefined) throw new Error(`PersistentVolume "${volume.metadata?.name}" is without a storage capacity`);
        if (status.capacity?.storage !== cap) { status.capacity = { ...(volume.spec?.capacity ?? {}) }; dirty = true; }
      }
    }
    if (!dirty) return claim;
    const updated = await this.client.updateStatus<PersistentVolumeClaim>(Resources.persistentvolumeclaims, claim.metadata?.namespace, {
      ...claim, apiVersion: 'v1', kind: 'PersistentVolumeClaim', status,
    } as PersistentVolumeClaim);
    this.remember(updated, 'pvc');
    return updated;
  }

  private async updateClaimStatusWithEvent(claim: Readonly<PersistentVolumeClaim>, phase: string, volume: Readonly<PersistentVolume> | undefined, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    if (claim.status?.phase === phase) return;
    const updated = await this.updateClaimStatus(claim, phase, volume);
    this.recorder.event(asClaim(updated), type, reason, message);
  }

  /** updateVolumePhase sets status.phase (and message, lastPhaseTransitionTime) when it changes. */
  private async updateVolumePhase(volume: Readonly<PersistentVolume>, phase: string, message: string): Promise<Readonly<PersistentVolume>> {
    if (volume.status?.phase === phase) return volume;
    const status: NonNullable<PersistentVolume['status']> = { ...(volume.status ?? {}), phase, lastPhaseTransitionTime: rfc3339(this.clock.now()) };
    if (message) status.message = message; else delete status.message;
    const updated = await this.client.updateStatus<PersistentVolume>(Resources.persistentvolumes, undefined, { ...volume, apiVersion: 'v1', kind: 'PersistentVolume', status } as PersistentVolume);
    this.remember(updated, 'pv');
    return updated;
  }

  private async updateVolumePhaseWithEvent(volume: Readonly<PersistentVolume>, phase: string, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    if (volume.status?.phase === phase && volume.status.message === message) return;
    const status = { ...(volume.status ?? {}), phase, message, lastPhaseTransitionTime: volume.status?.phase === phase ? volume.status.lastPhaseTransitionTime : rfc3339(this.clock.now()) };
    const updated = await this.client.updateStatus<PersistentVolume>(Resources.persistentvolumes, undefined, { ...volume, apiVersion: 'v1', kind: 'PersistentVolume', status } as PersistentVolume);
    this.remember(updated, 'pv');
    this.recorder.event(asVolume(updated), type, reason, message);
  }

  // ---- classes and provisioning ----

  /** isDelayBindingMode: the claim's class exists and binds WaitForFirstConsumer. */
  private isDelayBindingMode(claim: Readonly<PersistentVolumeClaim>): boolean {
    const name = getPersistentVolumeClaimClass(claim);
    if (!name) return false;
    return this.classes.lister.get(undefined, name)?.volumeBindingMode === 'WaitForFirstConsumer';
  }

  /**
   * assignDefaultStorageClass gives a claim created before any default class existed (class nil,
   * not "") the default one now (retroactive default StorageClass assignment). True when it did.
   */
  private async assignDefaultStorageClass(claim: Readonly<PersistentVolumeClaim>): Promise<boolean> {
    if ((claim.spec?.storageClassName !== undefined && claim.spec.storageClassName !== null) || claim.metadata?.annotations?.[Ann.betaStorageClass] !== undefined) return false;
    const defaults = this.classes.lister.list(undefined, (c) => c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true'
      || c.metadata?.annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true');
    if (defaults.length === 0) return false;
    defaults.sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    const clone = structuredClone(claim) as PersistentVolumeClaim;
    clone.spec = { ...(clone.spec ?? {}), storageClassName: defaults[0].metadata?.name };
    try {
      const updated = await this.client.update<PersistentVolumeClaim>(Resources.persistentvolumeclaims, claim.metadata?.namespace, { ...clone, apiVersion: 'v1', kind: 'PersistentVolumeClaim' });
      this.remember(updated, 'pvc');
    } catch (e) {
      throw new Error(`can't update PersistentVolumeClaim["${keyOf(claim)}"]: ${(e as Error).message}`);
    }
    return true;
  }

  /** emitEventForUnboundDelayBindingClaim: WaitForFirstConsumer, or WaitForPodScheduled naming the pods not scheduled yet. */
  private emitEventForUnboundDelayBindingClaim(claim: Readonly<PersistentVolumeClaim>): void {
    const pending = this.pods.lister.byIndex(POD_PVC_INDEX, keyOf(claim)).filter((p) => !p.spec?.nodeName && !p.metadata?.deletionTimestamp
      && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').map((p) => p.metadata?.name ?? '').sort();
    if (pending.length === 0) {
      this.recorder.event(asClaim(claim), 'Normal', Events.waitForFirstConsumer, 'waiting for first consumer to be created before binding');
    } else {
      this.recorder.event(asClaim(claim), 'Normal', Events.waitForPodScheduled, pending.length > 1 ? `waiting for pods ${pending.join(',')} to be scheduled` : `waiting for pod ${pending[0]} to be scheduled`);
    }
  }

  /**
   * provisionClaim asks the class's provisioner for a volume: it puts the provisioner's name on
   * the claim (the annotation external provisioners watch for) and says so in an event. A class
   * that does not exist, or an in-tree provisioner tskube does not have, is a ProvisioningFailed.
   */
  private async provisionClaim(claim: Readonly<PersistentVolumeClaim>): Promise<void> {
    const className = getPersistentVolumeClaimClass(claim);
    const cls = this.classes.lister.get(undefined, className);
    if (!cls) {
      this.recorder.event(asClaim(claim), 'Warning', Events.provisioningFailed, `storageclass.storage.k8s.io "${className}" not found`);
      return;
    }
    const provisioner = cls.provisioner;
    if (provisioner.startsWith('kubernetes.io/')) {
      // kube-controller-manager's in-tree plugins are gone from tskube (no-provisioner included).
      this.recorder.event(asClaim(claim), 'Warning', Events.provisioningFailed, `no volume plugin matched name: ${provisioner}`);
      return;
    }
    let updated = claim;
    const annotations = claim.metadata?.annotations ?? {};
    if (annotations[Ann.storageProvisioner] !== provisioner || annotations[Ann.betaStorageProvisioner] !== provisioner) {
      const clone = structuredClone(claim) as PersistentVolumeClaim;
      clone.metadata = { ...clone.metadata, annotations: { ...annotations, [Ann.betaStorageProvisioner]: provisioner, [Ann.storageProvisioner]: provisioner } };
      try {
        updated = await this.client.update<PersistentVolumeClaim>(Resources.persistentvolumeclaims, claim.metadata?.namespace, { ...clone, apiVersion: 'v1', kind: 'PersistentVolumeClaim' });
        this.remember(updated as KubeObject, 'pvc');
      } catch (e) {
        this.recorder.event(asClaim(claim), 'Warning', Events.provisioningFailed, `Error saving claim: ${(e as Error).message}`);
        throw e;
      }
    }
    this.recorder.event(asClaim(updated), 'Normal', Events.externalProvisioning,
      `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
  }

  // ---- reclaiming ----

  /** reclaimVolume runs the released volume's reclaim policy: Retain keeps it, Delete removes it (through its provisioner). */
  private async reclaimVolume(volume: Readonly<PersistentVolume>): Promise<void> {
    switch (volume.spec?.persistentVolumeReclaimPolicy) {
      case 'Retain':
        this.logger.v(4).info('ReclaimVolume: policy is Retain, nothing to do', { volumeName: volume.metadata?.name });
        return;
      case 'Recycle':
        await this.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', Events.volumeFailedRecycle, 'No recycler plugin found for the volume!');
        return;
      case 'Delete':
        await this.deleteVolumeOperation(volume);
        return;
      default:
        await this.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', Events.volumeUnknownReclaimPolicy, 'Volume has unrecognized PersistentVolumeReclaimPolicy');
    }
  }

  /**
   * deleteVolumeOperation deletes a released volume whose policy is Delete. A provisioned volume is
   * its provisioner's to delete (the built-in local-path one removes the directory on the node
   * first); a hand-made one is deleted here if its plugin could (hostPath under /tmp), else it fails.
   */
  private async deleteVolumeOperation(volume: Readonly<PersistentVolume>): Promise<void> {
    let fresh: PersistentVolume;
    try {
      fresh = await this.client.get<PersistentVolume>(Resources.persistentvolumes, undefined, volume.metadata?.name ?? '');
    } catch (e) {
      if (isCode(e, 404)) return;
      throw e;
    }
    if (fresh.metadata?.deletionTimestamp || !this.isVolumeReleased(fresh)) return;
    if (fresh.metadata?.annotations?.[Ann.dynamicallyProvisioned] !== undefined) {
      this.logger.v(3).info('External deleter for volume requested, ignoring', { volumeName: fresh.metadata?.name });
      return;
    }
    let failure: string | undefined;
    if (fresh.spec?.hostPath) {
      if (!/^\/tmp\/.+/.test(fresh.spec.hostPath.path)) failure = `host_path deleter only supports /tmp/.+ but received provided ${fresh.spec.hostPath.path}`;
    } else {
      failure = `error getting deleter volume plugin for volume "${fresh.metadata?.name}": no deletable volume plugin matched`;
    }
    if (failure) {
      await this.updateVolumePhaseWithEvent(fresh, 'Failed', 'Warning', Events.volumeFailedDelete, failure);
      return;
    }
    // The directory is on a node the controller manager cannot reach; only the object goes.
    try {
      await this.client.delete(Resources.persistentvolumes, undefined, fresh.metadata?.name ?? '');
    } catch (e) {
      if (!isCode(e, 404)) throw e;
    }
  }

  /** isVolumeReleased: the volume's claim is gone (or bound elsewhere), so its reclaim policy applies. */
  private isVolumeReleased(volume: Readonly<PersistentVolume>): boolean {
    const ref = volume.spec?.claimRef;
    if (!ref || !ref.uid) return false;
    const claim = this.getClaim(ref.namespace, ref.name ?? '');
    if (claim && claim.metadata?.uid === ref.uid) return !!claim.spec?.volumeName && claim.spec.volumeName !== volume.metadata?.name;
    return true;
  }

  private async fetchClaim(namespace: string | undefined, name: string): Promise<Readonly<PersistentVolumeClaim> | undefined> {
    try {
      return await this.client.get<PersistentVolumeClaim>(Resources.persistentvolumeclaims, namespace, name);
    } catch (e) {
      if (isCode(e, 404)) return undefined;
      throw e;
    }
  }
}

/** claimReference is the ObjectReference a volume keeps to its claim (reference.GetReference). */
function claimReference(claim: Readonly<PersistentVolumeClaim>): NonNullable<NonNullable<PersistentVolume['spec']>['claimRef']> {
  return {
    kind: 'PersistentVolumeClaim', namespace: claim.metadata?.namespace, name: claim.metadata?.name, uid: claim.metadata?.uid,
    apiVersion: 'v1', resourceVersion: claim.metadata?.resourceVersion,
  };
}

function asClaim(c: Readonly<PersistentVolumeClaim>): KubeObject {
  return { ...c, apiVersion: 'v1', kind: 'PersistentVolumeClaim' } as KubeObject;
}

function asVolume(v: Readonly<PersistentVolume>): KubeObject {
  return { ...v, apiVersion: 'v1', kind: 'PersistentVolume' } as KubeObject;
}
