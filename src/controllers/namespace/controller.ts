import type { KubeObject } from '../../api/resource.js';
import { allResources } from '../../api/registry.js';
import { StatusError } from '../../apimachinery/errors.js';
import { Resources, type Client, type ResourceRef } from '../../client/types.js';
import { keyOf, type Informer, type InformerFactory } from '../../client/informer-types.js';
import type { Clock } from '../../util/clock.js';
import { WorkQueue } from '../../client/workqueue.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import { customResourcesOf } from '../garbagecollector/resources.js';

/** namespacedResources are the resources a terminating namespace must be emptied of (one per store). */
function namespacedResources(): ResourceRef[] {
  const seen = new Set<string>();
  const out: ResourceRef[] = [];
  for (const d of allResources) {
    if (!d.namespaced || !d.verbs.includes('delete') || !d.verbs.includes('list')) continue;
    if (d.storageVersion && d.storageVersion !== d.version) continue;
    const k = `${d.group}/${d.plural}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ group: d.group, version: d.version, plural: d.plural, namespaced: true });
  }
  return out;
}

/**
 * NamespaceController finishes namespace deletion as kube-controller-manager's does: when a
 * Namespace is marked for deletion, delete everything in it, and once nothing is left remove the
 * `kubernetes` finalizer through the finalize subresource, which lets the API server delete it.
 */
export class NamespaceController implements Controller {
  readonly name = 'namespace';
  private readonly namespaces: Informer;
  private readonly queue: WorkQueue<string>;
  private readonly resources = namespacedResources();
  private readonly logger = log.child({ component: 'namespace-controller' });

  constructor(private readonly client: Client, private readonly informers: InformerFactory, clock: Clock) {
    this.queue = new WorkQueue<string>(clock, { name: 'namespace' });
    this.namespaces = informers.informerFor(Resources.namespaces);
    const enqueue = (ns: Readonly<KubeObject>) => {
      if (ns.metadata?.deletionTimestamp) this.queue.add(keyOf(ns));
    };
    this.namespaces.addEventHandler({ add: enqueue, update: (_o, n) => enqueue(n) });
  }

  /** run works the queue until the signal aborts; a namespace with content left is synced again a second later. */
  run(signal: AbortSignal, workers = 2): Promise<void> {
    return runWorkers({
      queue: this.queue, workers, signal, log: this.logger,
      waitForSync: (s) => this.informers.waitForCacheSync(s),
      sync: async (key) => ((await this.sync(key)) ? undefined : { requeueAfterMs: 1000 }),
    });
  }

  /** customResources are the namespaced custom resources of established CRDs (upstream finds them in discovery). */
  private async customResources(): Promise<ResourceRef[]> {
    const crds = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false };
    try {
      const { items } = await this.client.list(crds, undefined);
      return customResourcesOf(items).filter((r) => r.ref.namespaced).map((r) => r.ref);
    } catch {
      return [];
    }
  }

  /** sync deletes the namespace's content; returns true when the namespace could be finalized (or needs nothing). */
  async sync(name: string): Promise<boolean> {
    const ns = this.namespaces.lister.get(undefined, name);
    if (!ns?.metadata?.deletionTimestamp) return true;
    let remaining = 0;
    for (const res of [...this.resources, ...(await this.customResources())]) {
      const { items } = await this.client.list(res, name);
      remaining += items.length;
      for (const item of items) {
        if (item.metadata?.deletionTimestamp) continue;
        await this.client.delete(res, name, item.metadata!.name!, { propagationPolicy: 'Background' }).catch((e) => {
          if (!(e instanceof StatusError && e.code === 404)) throw e;
        });
      }
    }
    if (remaining > 0) return false;
    const finalizers = ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).filter((f) => f !== 'kubernetes');
    if (finalizers.length === ((ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length) return true;
    // The finalize subresource is a PUT of the Namespace with the remaining spec.finalizers.
    await this.client.replaceSubresource(Resources.namespaces, undefined, name, 'finalize', { ...ns, spec: { ...(ns.spec as object), finalizers } } as KubeObject);
    return true;
  }
}
