import type { Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/resource.js';
import type { Informer, InformerFactory } from '../client/informer-types.js';
import { Resources } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import { SYNC_WAIT_MS } from './config-cache.js';

/**
 * ServiceEnvSource gives the Services behind the pods' service environment variables from one
 * shared Service informer per agent (the kubelet's serviceLister), instead of a LIST per pod start.
 */
export class ServiceEnvSource {
  private readonly informer: Informer<KubeObject>;

  constructor(informers: InformerFactory, private readonly clock: Clock) {
    this.informer = informers.informerFor<KubeObject>(Resources.services);
  }

  /**
   * services lists a namespace's Services from the cache. Until the informer has listed once the
   * variables cannot be built: a pod arriving first waits a while for that list, then fails its
   * sync as the kubelet does ("services have not yet been read at least once") and is retried.
   */
  async services(namespace: string): Promise<Service[]> {
    if (!this.informer.hasSynced()) await this.waitForSync();
    if (!this.informer.hasSynced()) throw new Error('services have not yet been read at least once, cannot construct envvars');
    return this.informer.lister.list(namespace) as unknown as Service[];
  }

  /** waitForSync waits up to SYNC_WAIT_MS for the informer's first list (informers that cannot say when are not waited for). */
  private async waitForSync(): Promise<void> {
    const w = (this.informer as { waitForSync?: (s?: AbortSignal) => Promise<void> }).waitForSync;
    if (!w) return;
    const done = new AbortController();
    await Promise.race([
      w.call(this.informer, done.signal).catch(() => undefined),
      this.clock.sleep(SYNC_WAIT_MS, done.signal).catch(() => undefined),
    ]);
    done.abort();
  }
}
