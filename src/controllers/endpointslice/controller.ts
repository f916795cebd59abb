import { StatusError } from '../../apimachinery/errors.js';
import { labelSelectorFromSet, matchesLabels } from '../../apimachinery/labels.js';
import { keyOf, splitKey, type Informer, type InformerFactory } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import { TriggerTimeTracker, podChangedForEndpoints, servicesForPod, type PodObj, type ServiceObj } from '../endpoint/endpoint-util.js';
import { CONTROLLER_NAME, DEFAULT_MAX_ENDPOINTS_PER_SLICE, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, reconcileSlices, type SliceObj } from './reconciler.js';
import { SliceTracker } from './slice-tracker.js';

/** SLICES_BY_SERVICE_INDEX indexes slices by namespace/service-name label. */
const SLICES_BY_SERVICE_INDEX = 'endpointslice-service';

/** EndpointSliceControllerOptions: what kube-controller-manager gives the endpointslice controller. */
export interface EndpointSliceControllerOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  /** --max-endpoints-per-slice (default 100) */
  maxEndpointsPerSlice?: number;
}

/**
 * EndpointSliceController keeps the discovery.k8s.io/v1 EndpointSlices of every Service with a
 * selector (kube-controller-manager's endpointslice controller): one endpoint per serving pod
 * with ready/serving/terminating conditions, node name, target reference and hostname; slices
 * named <service>-<random>, owned by the Service, labelled kubernetes.io/service-name and
 * managed-by endpointslice-controller.k8s.io. Its own writes are tracked so that a stale cache
 * never makes it write twice.
 */
export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice';
  private readonly services: Informer<ServiceObj>;
  private readonly pods: Informer<PodObj>;
  private readonly slices: Informer<SliceObj>;
  private readonly queue: WorkQueue<string>;
  private readonly triggerTimes = new TriggerTimeTracker();
  private readonly tracker = new SliceTracker();
  private readonly logger = log.child({ component: 'endpointslice-controller' });

  constructor(private readonly o: EndpointSliceControllerOptions) {
    this.queue = new WorkQueue<string>(o.clock, { name: 'endpoint_slice' });
    this.services = o.informers.informerFor<ServiceObj>(Resources.services);
    this.pods = o.informers.informerFor<PodObj>(Resources.pods);
    this.slices = o.informers.informerFor<SliceObj>(Resources.endpointslices);
    this.slices.addIndexer(SLICES_BY_SERVICE_INDEX, (s) => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      return svc ? [`${s.metadata?.namespace}/${svc}`] : [];
    });
    this.services.addEventHandler({
      add: (s) => this.queue.add(keyOf(s)),
      update: (_o, s) => this.queue.add(keyOf(s)),
      delete: (s) => this.queue.add(keyOf(s)),
    });
    this.pods.addEventHandler({
      add: (p) => this.enqueueServicesOf(p),
      update: (old, p) => {
        if (!podChangedForEndpoints(old, p)) return;
        this.enqueueServicesOf(p);
        if (JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(p.metadata?.labels ?? {})) this.enqueueServicesOf(old);
      },
      delete: (p) => this.enqueueServicesOf(p),
    });
    // A slice changed or deleted by someone else is put right (only those this controller manages).
    const sliceChanged = (s: Readonly<SliceObj>) => {
      if (s.metadata?.labels?.[MANAGED_BY_LABEL] !== CONTROLLER_NAME) return;
      const svc = s.metadata.labels[SERVICE_NAME_LABEL];
      if (svc && !this.tracker.expected(s)) this.queue.add(`${s.metadata.namespace}/${svc}`);
    };
    this.slices.addEventHandler({
      add: sliceChanged, update: (_o, s) => sliceChanged(s),
      delete: (s) => {
        const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
        if (s.metadata?.labels?.[MANAGED_BY_LABEL] !== CONTROLLER_NAME || !svc) return;
        if (!this.tracker.observedDeletion(s)) this.queue.add(`${s.metadata.namespace}/${svc}`);
      },
    });
  }

  /** run syncs Services until signal aborts. */
  async run(signal: AbortSignal, workers = 5): Promise<void> {
    await runWorkers({
      queue: this.queue, workers, signal, log: this.logger,
      waitForSync: (s) => this.o.informers.waitForCacheSync(s), sync: (key) => this.syncService(key),
    });
  }

  private enqueueServicesOf(pod: Readonly<PodObj>): void {
    for (const s of servicesForPod(this.services.lister, pod.metadata?.namespace ?? '', pod.metadata?.labels)) this.queue.add(keyOf(s));
  }

  /** syncService reconciles one Service's slices; slices of a deleted Service go with it (owner references). */
  async syncService(key: string): Promise<void> {
    const { namespace = '', name } = splitKey(key);
    const svc = this.services.lister.get(namespace, name);
    if (!svc) {
      this.triggerTimes.deleteService(namespace, name);
      this.tracker.deleteService(key);
      return;
    }
    if (svc.spec?.type === 'ExternalName' || !svc.spec?.selector) return;
    const existing = this.slices.lister.byIndex(SLICES_BY_SERVICE_INDEX, key)
      .filter((s) => s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME && !s.metadata?.deletionTimestamp);
    if (this.tracker.stale(key, existing)) {
      throw new StatusError(409, 'Conflict', `EndpointSlice informer cache is out of date for service ${key}`);
    }
    const sel = labelSelectorFromSet(svc.spec.selector);
    const pods = this.pods.lister.list(namespace, (p) => matchesLabels(sel, p.metadata?.labels ?? {}));
    const trigger = this.triggerTimes.compute(svc, pods);
    const changes = reconcileSlices(svc, pods, existing, trigger.time, this.o.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE);
    // Creates and updates first, deletes last, as upstream does: endpoints never vanish in between.
    for (const s of changes.create) {
      try {
        const made = await this.o.client.create<SliceObj>(Resources.endpointslices, namespace, s);
        this.tracker.written(key, made);
      } catch (e) {
        // A namespace being deleted takes the Service along.
        if (e instanceof StatusError && e.code === 403 && /being terminated/.test(e.message)) return;
        throw e;
      }
    }
    for (const s of changes.update) this.tracker.written(key, await this.o.client.update<SliceObj>(Resources.endpointslices, namespace, s));
    for (const s of changes.delete) {
      try {
        await this.o.client.delete(Resources.endpointslices, namespace, s.metadata?.name ?? '');
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
      this.tracker.deleted(key, s);
    }
    trigger.commit();
  }
}

