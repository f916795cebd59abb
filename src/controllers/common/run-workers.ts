import { StatusError } from '../../apimachinery/errors.js';
import type { WorkQueue } from '../../client/workqueue.js';
import type { Logger } from '../../util/log.js';

/** SyncResult lets a sync ask to be called again later although it succeeded (a deadline, a minReadySeconds wait). */
export interface SyncResult { requeueAfterMs?: number }

/** Controller is what `tskube server` starts: every controller has this shape. */
export interface Controller {
  /** name is the controller's name in kube-controller-manager's --controllers list (replicaset, deployment, …) */
  readonly name: string;
  /** run works until signal aborts; workers is how many keys are synced at once */
  run(signal: AbortSignal, workers?: number): Promise<void>;
}

/**
 * runWorkers is every controller's worker loop (upstream's processNextWorkItem): take a key, sync
 * it, forget it on success or re-add it rate-limited on error, mark it done. It waits for hasSynced
 * first so no controller acts on a half-filled cache, and on abort shuts the queue down and waits
 * for the keys in flight.
 */
export async function runWorkers(o: {
  queue: WorkQueue<string>;
  sync: (key: string) => Promise<void | SyncResult>;
  workers: number;
  signal: AbortSignal;
  log: Logger;
  waitForSync?: (signal: AbortSignal) => Promise<void>;
}): Promise<void> {
  const { queue, signal, log } = o;
  const onAbort = () => queue.shutDown();
  if (signal.aborted) return;
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (o.waitForSync) await o.waitForSync(signal);
  } catch {
    return;
  }
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const r = await o.sync(key);
        queue.forget(key);
        if (r && r.requeueAfterMs !== undefined) queue.addAfter(key, r.requeueAfterMs);
      } catch (e) {
        if (!signal.aborted) {
          // A conflict only means the cache was behind the API server: routine, retried, not an error worth a line.
          if (e instanceof StatusError && e.code === 409) log.v(2).info('Conflict syncing, retrying', { key, err: e.message });
          else log.error(e, 'error syncing', { key, retries: queue.numRequeues(key) });
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.workers) }, worker));
}
