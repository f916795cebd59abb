import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { Resources, type Client } from '../../client/types.js';
import type { Informer, InformerFactory } from '../../client/informer-types.js';

/**
 * ServiceAccountsController makes sure every active namespace has a `default` ServiceAccount, as
 * kube-controller-manager's serviceaccount controller does (pods default to it).
 */
export class ServiceAccountsController {
  private readonly namespaces: Informer;
  private readonly accounts: Informer;
  private pending = Promise.resolve();

  constructor(private readonly client: Client, informers: InformerFactory) {
    this.namespaces = informers.informerFor(Resources.namespaces);
    this.accounts = informers.informerFor(Resources.serviceaccounts);
    this.namespaces.addEventHandler({ add: (ns) => this.enqueue(ns.metadata!.name!), update: (_o, ns) => this.enqueue(ns.metadata!.name!) });
    this.accounts.addEventHandler({ delete: (sa) => { if (sa.metadata?.name === 'default') this.enqueue(sa.metadata.namespace!); } });
  }

  private enqueue(ns: string): void {
    this.pending = this.pending.then(() => this.sync(ns)).catch((e) => console.error(`serviceaccounts controller: ${ns}:`, e instanceof Error ? e.message : e));
  }

  /** sync creates `default` in an active namespace that lacks it. */
  async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.lister.get(undefined, namespace);
    if (!ns || ns.metadata?.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') return;
    if (this.accounts.lister.get(namespace, 'default')) return;
    const sa: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } };
    await this.client.create(Resources.serviceaccounts, namespace, sa).catch((e) => {
      if (!(e instanceof StatusError && (e.code === 409 || e.code === 403 || e.code === 404))) throw e;
    });
  }
}
