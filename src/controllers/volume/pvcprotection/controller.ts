import { StatusError } from '../../../apimachinery/errors.js';
import type { ControllerContext } from '../../common/context.js';
import { keyOf, splitKey, type Informer } from '../../../client/informer-types.js';
import { Resources, type Client } from '../../../client/types.js';
import { WorkQueue } from '../../../client/workqueue.js';
import { log } from '../../../util/log.js';
import { runWorkers, type Controller } from '../../common/run-workers.js';
import { POD_PVC_INDEX, podPVCIndexer, PVC_PROTECTION_FINALIZER, type PersistentVolumeClaim, type Pod } from '../types.js';

/**
 * PVCProtectionController is kube-controller-manager's pvc-protection controller: a claim keeps
 * the kubernetes.io/pvc-protection finalizer (put there by admission) while a scheduled pod uses
 * it, so `kubectl delete pvc` leaves it Terminating until that pod is gone; then the finalizer is
 * removed and the claim goes. Claims created without the finalizer get it.
 */
export class PVCProtectionController implements Controller {
  readonly name = 'persistentvolumeclaim-protection';
  readonly queue: WorkQueue<string>;
  private readonly client: Client;
  private readonly logger = log.child({ component: 'pvc-protection-controller' });
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly pods: Informer<Pod>;

  constructor(private readonly ctx: ControllerContext) {
    this.client = ctx.client;
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'pvcprotection' });
    this.claims = ctx.informers.informerFor<PersistentVolumeClaim>(Resources.persistentvolumeclaims);
    this.pods = ctx.informers.informerFor<Pod>(Resources.pods);
    this.pods.addIndexer(POD_PVC_INDEX, podPVCIndexer);
    this.claims.addEventHandler({ add: (c) => this.claimAddedUpdated(c), update: (_o, c) => this.claimAddedUpdated(c) });
    this.pods.addEventHandler({
      add: (p) => this.podAddedDeletedUpdated(p, false),
      update: (o, p) => { this.podAddedDeletedUpdated(o, false); this.podAddedDeletedUpdated(p, false); },
      delete: (p) => this.podAddedDeletedUpdated(p, true),
    });
  }

  /** run processes claims until signal aborts. */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    this.logger.info('Starting PVC protection controller');
    await runWorkers({ queue: this.queue, workers, signal, log: this.logger, waitForSync: (s) => this.ctx.informers.waitForCacheSync(s), sync: (k) => this.processPVC(k) });
  }

  private claimAddedUpdated(claim: Readonly<PersistentVolumeClaim>): void {
    if (needToAddFinalizer(claim) || isDeletionCandidate(claim)) this.queue.add(keyOf(claim));
  }

  /** A pod that goes away (or ends) may unblock the deletion of the claims it used. */
  private podAddedDeletedUpdated(pod: Readonly<Pod>, deleted: boolean): void {
    if (!deleted && !pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') return;
    for (const key of podPVCIndexer(pod)) {
      const { namespace, name } = splitKey(key);
      const claim = this.claims.lister.get(namespace, name);
      if (claim && isDeletionCandidate(claim)) this.queue.add(key);
    }
  }

  /** processPVC removes the finalizer of a deleted claim no pod uses, or adds it to a live claim without it. */
  async processPVC(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const claim = this.claims.lister.get(namespace, name);
    if (!claim) return;
    if (isDeletionCandidate(claim)) {
      if (!(await this.isBeingUsed(claim))) {
        await this.setFinalizer(claim, false);
        return;
      }
      this.logger.v(2).info('Keeping PVC because it is being used', { PVC: key });
    }
    if (needToAddFinalizer(claim)) await this.setFinalizer(claim, true);
  }

  /**
   * isBeingUsed: a scheduled pod (the kubelet only sees scheduled ones) has the claim as a volume.
   * The cache answers "yes" cheaply; "no" is confirmed by a live list, as the cache may lag.
   */
  private async isBeingUsed(claim: Readonly<PersistentVolumeClaim>): Promise<boolean> {
    const key = keyOf(claim);
    if (this.pods.lister.byIndex(POD_PVC_INDEX, key).some((p) => podUsesPVC(p, key))) return true;
    const { items } = await this.client.list<Pod>(Resources.pods, claim.metadata?.namespace);
    return items.some((p) => podUsesPVC(p, key));
  }

  private async setFinalizer(claim: Readonly<PersistentVolumeClaim>, add: boolean): Promise<void> {
    const finalizers = (claim.metadata?.finalizers ?? []).filter((f) => f !== PVC_PROTECTION_FINALIZER);
    if (add) finalizers.push(PVC_PROTECTION_FINALIZER);
    try {
      await this.client.update(Resources.persistentvolumeclaims, claim.metadata?.namespace, {
        ...claim, apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { ...claim.metadata, finalizers },
      } as PersistentVolumeClaim);
      this.logger.v(3).info(add ? 'Added protection finalizer to PVC' : 'Removed protection finalizer from PVC', { PVC: keyOf(claim) });
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      throw e;
    }
  }
}

/** podUsesPVC: the pod is scheduled and has the claim `namespace/name` among its volumes. */
function podUsesPVC(pod: Readonly<Pod>, key: string): boolean {
  return !!pod.spec?.nodeName && podPVCIndexer(pod).includes(key);
}

/** isDeletionCandidate: being deleted and still holding the finalizer. */
function isDeletionCandidate(claim: Readonly<PersistentVolumeClaim>): boolean {
  return !!claim.metadata?.deletionTimestamp && (claim.metadata.finalizers ?? []).includes(PVC_PROTECTION_FINALIZER);
}

/** needToAddFinalizer: not being deleted and lacking the finalizer. */
function needToAddFinalizer(claim: Readonly<PersistentVolumeClaim>): boolean {
  return !claim.metadata?.deletionTimestamp && !(claim.metadata?.finalizers ?? []).includes(PVC_PROTECTION_FINALIZER);
}
