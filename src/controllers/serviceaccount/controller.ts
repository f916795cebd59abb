import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { Resources, type Client } from '../../client/types.js';
import type { Informer, InformerFactory } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';

/**
 * ServiceAccountsController makes sure every active namespace has a `default` ServiceAccount, as
 * kube-controller-manager's serviceaccount controller does (pods default to it). Keys are
 * namespace names.
 */
export class ServiceAccountsController implements Controller {
  readonly name = 'serviceaccount';
  private readonly namespaces: Informer;
  private readonly accounts: Informer;
  private readonly queue: WorkQueue<string>;
  private readonly logger = log.child({ component: 'serviceaccount-controller' });

  constructor(private readonly client: Client, private readonly informers: InformerFactory, clock: Clock) {
    this.queue = new WorkQueue<string>(clock, { name: 'serviceaccount' });
    this.namespaces = informers.informerFor(Resources.namespaces);
    this.accounts = informers.informerFor(Resources.serviceaccounts);
    this.namespaces.addEventHandler({ add: (ns) => this.queue.add(ns.metadata!.name!), update: (_o, ns) => this.queue.add(ns.metadata!.name!) });
    this.accounts.addEventHandler({ delete: (sa) => { if (sa.metadata?.name === 'default') this.queue.add(sa.metadata.namespace!); } });
  }

  /** run works the queue until the signal aborts. */
  run(signal: AbortSignal, workers = 1): Promise<void> {
    return runWorkers({ queue: this.queue, workers, signal, log: this.logger, waitForSync: (s) => this.informers.waitForCacheSync(s), sync: (ns) => this.sync(ns) });
  }

  /** sync creates `default` in an active namespace that lacks it. */
  async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.lister.get(undefined, namespace);
    if (!ns || ns.metadata?.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') return;
    if (this.accounts.lister.get(namespace, 'default')) return;
    const sa: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } };
    await this.client.create(Resources.serviceaccounts, namespace, sa).catch((e) => {
      // Already there (a stale cache), or the namespace is going away: nothing to do.
      if (!(e instanceof StatusError && (e.code === 409 || e.code === 403 || e.code === 404))) throw e;
    });
  }
}
