import type { Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/resource.js';
import type { Informer, InformerFactory } from '../client/informer-types.js';
import { Resources } from '../client/types.js';

/**
 * ServiceEnvSource gives the Services behind the pods' service environment variables from one
 * shared Service informer per agent (the kubelet's serviceLister), instead of a LIST per pod start.
 */
export class ServiceEnvSource {
  private readonly informer: Informer<KubeObject>;

  constructor(informers: InformerFactory) {
    this.informer = informers.informerFor<KubeObject>(Resources.services);
  }

  /**
   * services lists a namespace's Services from the cache. Until the informer has listed once the
   * variables cannot be built (the kubelet refuses too: "services have not yet been read at least
   * once"), so this waits for that first list.
   */
  async services(namespace: string, signal?: AbortSignal): Promise<Service[]> {
    if (!this.informer.hasSynced()) await waitForSync(this.informer, signal);
    return this.informer.lister.list(namespace) as unknown as Service[];
  }
}

/** waitForSync resolves once inf has listed; an informer that cannot say when fails as the kubelet does. */
async function waitForSync(inf: Informer<KubeObject>, signal?: AbortSignal): Promise<void> {
  const w = (inf as { waitForSync?: (s?: AbortSignal) => Promise<void> }).waitForSync;
  if (!w) throw new Error('services have not yet been read at least once, cannot construct envvars');
  await w.call(inf, signal);
}
