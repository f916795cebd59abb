import { StatusError } from '../../../apimachinery/errors.js';
import type { ControllerContext } from '../../common/context.js';
import { keyOf, type Informer } from '../../../client/informer-types.js';
import { Resources, type Client } from '../../../client/types.js';
import { WorkQueue } from '../../../client/workqueue.js';
import { log } from '../../../util/log.js';
import { runWorkers, type Controller } from '../../common/run-workers.js';
import { PV_PROTECTION_FINALIZER, type PersistentVolume } from '../types.js';

/**
 * PVProtectionController is kube-controller-manager's pv-protection controller: a volume keeps the
 * kubernetes.io/pv-protection finalizer while it is Bound, so deleting it leaves it Terminating
 * until its claim lets go; volumes created without the finalizer get it.
 */
export class PVProtectionController implements Controller {
  readonly name = 'persistentvolume-protection';
  readonly queue: WorkQueue<string>;
  private readonly client: Client;
  private readonly logger = log.child({ component: 'pv-protection-controller' });
  private readonly volumes: Informer<PersistentVolume>;

  constructor(private readonly ctx: ControllerContext) {
    this.client = ctx.client;
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'pvprotection' });
    this.volumes = ctx.informers.informerFor<PersistentVolume>(Resources.persistentvolumes);
    const changed = (v: Readonly<PersistentVolume>) => { if (needToAddFinalizer(v) || isDeletionCandidate(v)) this.queue.add(keyOf(v)); };
    this.volumes.addEventHandler({ add: changed, update: (_o, v) => changed(v) });
  }

  /** run processes volumes until signal aborts. */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    this.logger.info('Starting PV protection controller');
    await runWorkers({ queue: this.queue, workers, signal, log: this.logger, waitForSync: (s) => this.ctx.informers.waitForCacheSync(s), sync: (k) => this.processPV(k) });
  }

  /** processPV removes the finalizer of a deleted volume that is not Bound, or adds it to a live volume without it. */
  async processPV(name: string): Promise<void> {
    const pv = this.volumes.lister.get(undefined, name);
    if (!pv) return;
    if (isDeletionCandidate(pv)) {
      // The PV controller keeps the phase: Bound means a claim still uses the volume.
      if (pv.status?.phase !== 'Bound') {
        await this.setFinalizer(pv, false);
        return;
      }
      this.logger.v(4).info('Keeping PV because it is being used', { PV: name });
    }
    if (needToAddFinalizer(pv)) await this.setFinalizer(pv, true);
  }

  private async setFinalizer(pv: Readonly<PersistentVolume>, add: boolean): Promise<void> {
    const finalizers = (pv.metadata?.finalizers ?? []).filter((f) => f !== PV_PROTECTION_FINALIZER);
    if (add) finalizers.push(PV_PROTECTION_FINALIZER);
    try {
      await this.client.update(Resources.persistentvolumes, undefined, { ...pv, apiVersion: 'v1', kind: 'PersistentVolume', metadata: { ...pv.metadata, finalizers } } as PersistentVolume);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      throw e;
    }
  }
}

function isDeletionCandidate(pv: Readonly<PersistentVolume>): boolean {
  return !!pv.metadata?.deletionTimestamp && (pv.metadata.finalizers ?? []).includes(PV_PROTECTION_FINALIZER);
}

function needToAddFinalizer(pv: Readonly<PersistentVolume>): boolean {
  return !pv.metadata?.deletionTimestamp && !(pv.metadata?.finalizers ?? []).includes(PV_PROTECTION_FINALIZER);
}
