import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { Resources, type Client } from '../../client/types.js';
import type { Informer, InformerFactory } from '../../client/informer-types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';

/** RootCACertConfigMapName is the ConfigMap every namespace gets with the API server's CA. */
export const RootCACertConfigMapName = 'kube-root-ca.crt';
/** DescriptionAnnotation says what the ConfigMap is for (kubectl describe shows it). */
export const DescriptionAnnotation = 'kubernetes.io/description';
/** Description is the annotation's value, Kubernetes' wording (clients and tests compare it). */
export const Description = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. '
  + 'No other usage is guaranteed across distributions of Kubernetes clusters.';

/** PublisherOptions: what the publisher needs besides the API. */
export interface PublisherOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  /** the PEM of the CA the API server's serving certificate chains to */
  rootCA: string;
}

/**
 * Publisher keeps a `kube-root-ca.crt` ConfigMap holding the cluster CA in every namespace, as
 * kube-controller-manager's root-ca-cert-publisher does: in-cluster clients (and the e2e
 * framework, before every spec) read it. A deleted or edited ConfigMap is put back. Keys are
 * namespace names.
 */
export class Publisher implements Controller {
  readonly name = 'root-ca-cert-publisher';
  private readonly client: Client;
  private readonly informers: InformerFactory;
  private readonly rootCA: string;
  private readonly namespaces: Informer;
  private readonly configMaps: Informer;
  private readonly queue: WorkQueue<string>;
  private readonly logger = log.child({ component: 'root-ca-cert-publisher' });

  constructor(o: PublisherOptions) {
    this.client = o.client;
    this.informers = o.informers;
    this.rootCA = o.rootCA;
    this.queue = new WorkQueue<string>(o.clock, { name: 'root_ca_cert_publisher' });
    this.namespaces = o.informers.informerFor(Resources.namespaces);
    this.configMaps = o.informers.informerFor(Resources.configmaps);
    const enqueueNamespace = (ns: KubeObject) => this.queue.add(ns.metadata!.name!);
    this.namespaces.addEventHandler({ add: enqueueNamespace, update: (_old, ns) => enqueueNamespace(ns) });
    // Only our ConfigMap matters: a delete or a foreign edit re-syncs its namespace.
    const enqueueConfigMap = (cm: KubeObject) => {
      if (cm.metadata?.name === RootCACertConfigMapName && cm.metadata.namespace) this.queue.add(cm.metadata.namespace);
    };
    this.configMaps.addEventHandler({ update: (_old, cm) => enqueueConfigMap(cm), delete: enqueueConfigMap });
  }

  /** run works the queue until the signal aborts. */
  run(signal: AbortSignal, workers = 1): Promise<void> {
    // Without a CA there is nothing to publish (kube-controller-manager skips the controller too).
    if (!this.rootCA) {
      this.logger.info('Skipping root CA cert publisher: no root CA');
      return Promise.resolve();
    }
    this.logger.info('Starting root CA cert publisher controller');
    return runWorkers({
      queue: this.queue, workers, signal, log: this.logger,
      waitForSync: (s) => this.informers.waitForCacheSync(s),
      sync: (ns) => this.syncNamespace(ns),
    });
  }

  /** syncNamespace creates the ConfigMap in a namespace that lacks it, or restores its data and annotation. */
  async syncNamespace(ns: string): Promise<void> {
    const data = { 'ca.crt': this.rootCA };
    const cm = this.configMaps.lister.get(ns, RootCACertConfigMapName);
    if (!cm) {
      const fresh: KubeObject = {
        apiVersion: 'v1', kind: 'ConfigMap',
        metadata: { name: RootCACertConfigMapName, namespace: ns, annotations: { [DescriptionAnnotation]: Description } },
        data,
      };
      await this.client.create(Resources.configmaps, ns, fresh).catch((e) => {
        // A namespace that is gone or being deleted needs no CA; a retry could never succeed.
        if (isNotFound(e) || isNamespaceTerminating(e)) return;
        throw e;
      });
      return;
    }
    const annotations = cm.metadata?.annotations ?? {};
    if (sameData(cm.data as Record<string, string> | undefined, data) && annotations[DescriptionAnnotation]) return;
    // The cached object is shared and frozen: update a copy.
    const copy = structuredClone(cm) as KubeObject;
    const updated: KubeObject = {
      ...copy, apiVersion: 'v1', kind: 'ConfigMap', data,
      metadata: { ...copy.metadata, annotations: { ...annotations, [DescriptionAnnotation]: Description } },
    };
    await this.client.update(Resources.configmaps, ns, updated);
  }
}

/** sameData compares the ConfigMap's data with the wanted one, key by key (reflect.DeepEqual). */
function sameData(have: Record<string, string> | undefined, want: Record<string, string>): boolean {
  const keys = Object.keys(have ?? {});
  return keys.length === Object.keys(want).length && keys.every((k) => have![k] === want[k]);
}

function isNotFound(e: unknown): boolean {
  return e instanceof StatusError && e.code === 404;
}

/** isNamespaceTerminating tells a create refused because its namespace is being deleted. */
function isNamespaceTerminating(e: unknown): boolean {
  return e instanceof StatusError && ((e.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') ?? false) || (e.code === 403 && /being terminated/.test(e.message)));
}
