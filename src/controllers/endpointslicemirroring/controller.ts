import type { Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, splitKey, type Informer, type InformerFactory } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import { SliceTracker } from '../endpointslice/slice-tracker.js';
import {
  CONTROLLER_NAME, DEFAULT_MAX_ENDPOINTS_PER_SUBSET, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, reconcileMirroredSlices, shouldMirror,
  type EndpointsObj, type SliceObj,
} from './reconciler.js';

type ServiceObj = Service & KubeObject;

/** SLICES_BY_SERVICE_INDEX indexes mirrored slices by namespace/service-name label. */
const SLICES_BY_SERVICE_INDEX = 'endpointslicemirroring-service';

/** EndpointSliceMirroringControllerOptions: what kube-controller-manager gives the mirroring controller. */
export interface EndpointSliceMirroringControllerOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  /** --mirroring-max-endpoints-per-subset (default 1000) */
  maxEndpointsPerSubset?: number;
}

/**
 * EndpointSliceMirroringController (kube-controller-manager's endpointslicemirroring) mirrors
 * the Endpoints of Services without a selector — the ones users write themselves — into
 * EndpointSlices, so that everything reading slices (the service proxy, cluster DNS, kubectl get
 * endpointslices) sees them. Slices go when the Endpoints or the Service go, when the Service
 * gains a selector, or when the Endpoints is labelled endpointslice.kubernetes.io/skip-mirror.
 */
export class EndpointSliceMirroringController implements Controller {
  readonly name = 'endpointslicemirroring';
  private readonly endpoints: Informer<EndpointsObj>;
  private readonly services: Informer<ServiceObj>;
  private readonly slices: Informer<SliceObj>;
  private readonly queue: WorkQueue<string>;
  private readonly tracker = new SliceTracker();
  private readonly recorder: EventRecorder;
  private readonly logger = log.child({ component: 'endpointslice-mirroring-controller' });

  constructor(private readonly o: EndpointSliceMirroringControllerOptions) {
    this.queue = new WorkQueue<string>(o.clock, { name: 'endpoint_slice_mirroring' });
    this.recorder = new EventRecorder(o.client, { component: 'endpointslice-mirroring-controller' }, o.clock);
    this.endpoints = o.informers.informerFor<EndpointsObj>(Resources.endpoints);
    this.services = o.informers.informerFor<ServiceObj>(Resources.services);
    this.slices = o.informers.informerFor<SliceObj>(Resources.endpointslices);
    this.slices.addIndexer(SLICES_BY_SERVICE_INDEX, (s) => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      return svc ? [`${s.metadata?.namespace}/${svc}`] : [];
    });
    const enqueue = (x: Readonly<KubeObject>) => this.queue.add(keyOf(x));
    this.endpoints.addEventHandler({ add: enqueue, update: (_o, e) => enqueue(e), delete: enqueue });
    this.services.addEventHandler({
      add: enqueue,
      // Only a selector coming or going changes what is mirrored.
      update: (old, s) => { if (JSON.stringify(old.spec?.selector ?? null) !== JSON.stringify(s.spec?.selector ?? null)) enqueue(s); },
      delete: enqueue,
    });
    // Mirrored slices changed or deleted by someone else are put right.
    const sliceKey = (s: Readonly<SliceObj>) => s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME && s.metadata.labels[SERVICE_NAME_LABEL]
      ? `${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}` : undefined;
    this.slices.addEventHandler({
      add: (s) => { const k = sliceKey(s); if (k && !this.tracker.expected(s)) this.queue.add(k); },
      update: (old, s) => {
        // A slice that stopped being mirrored (its managed-by label changed) is its Endpoints' business too.
        const k = sliceKey(s) ?? sliceKey(old);
        if (k && !this.tracker.expected(s)) this.queue.add(k);
      },
      delete: (s) => { const k = sliceKey(s); if (k && !this.tracker.observedDeletion(s)) this.queue.add(k); },
    });
  }

  /** run syncs Endpoints until signal aborts. */
  async run(signal: AbortSignal, workers = 5): Promise<void> {
    await runWorkers({
      queue: this.queue, workers, signal, log: this.logger,
      waitForSync: (s) => this.o.informers.waitForCacheSync(s), sync: (key) => this.syncEndpoints(key),
    });
  }

  private mirrored(key: string): Readonly<SliceObj>[] {
    return this.slices.lister.byIndex(SLICES_BY_SERVICE_INDEX, key)
      .filter((s) => s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME && !s.metadata?.deletionTimestamp);
  }

  /** syncEndpoints mirrors one Endpoints (namespace/name, the Service's key too). */
  async syncEndpoints(key: string): Promise<void> {
    const { namespace = '', name } = splitKey(key);
    const ep = this.endpoints.lister.get(namespace, name);
    const svc = this.services.lister.get(namespace, name);
    // Nothing to mirror: no Endpoints, one that opts out, no Service, or a Service with a selector
    // (whose slices the endpointslice controller writes).
    if (!ep || !shouldMirror(ep) || !svc || svc.spec?.selector != null) {
      this.tracker.deleteService(key);
      await this.deleteSlices(namespace, this.mirrored(key));
      return;
    }
    const existing = this.mirrored(key);
    if (this.tracker.stale(key, existing)) {
      throw new StatusError(409, 'Conflict', `EndpointSlice informer cache is out of date for Endpoints ${key}`);
    }
    const changes = reconcileMirroredSlices(ep, existing, this.o.maxEndpointsPerSubset ?? DEFAULT_MAX_ENDPOINTS_PER_SUBSET);
    const ref = { ...ep, apiVersion: 'v1', kind: 'Endpoints' } as EndpointsObj;
    if (changes.invalidAddresses > 0) {
      this.recorder.event(ref, 'Warning', 'InvalidIPAddress', `Skipped ${changes.invalidAddresses} invalid IP addresses when mirroring to EndpointSlices`);
    }
    if (changes.skippedAddresses > changes.invalidAddresses) {
      this.recorder.event(ref, 'Warning', 'TooManyAddressesToMirror',
        `A max of ${this.o.maxEndpointsPerSubset ?? DEFAULT_MAX_ENDPOINTS_PER_SUBSET} addresses can be mirrored to EndpointSlices per Endpoints subset. ${changes.skippedAddresses} addresses were skipped`);
    }
    // No new slices for an Endpoints on its way out.
    if (!ep.metadata?.deletionTimestamp) {
      for (const s of changes.create) {
        try {
          this.tracker.written(key, await this.o.client.create<SliceObj>(Resources.endpointslices, namespace, s));
        } catch (e) {
          // A namespace being deleted takes the Endpoints along.
          if (e instanceof StatusError && e.code === 403 && /being terminated/.test(e.message)) return;
          throw e;
        }
      }
    }
    for (const s of changes.update) this.tracker.written(key, await this.o.client.update<SliceObj>(Resources.endpointslices, namespace, s));
    await this.deleteSlices(namespace, changes.delete, key);
  }

  private async deleteSlices(namespace: string, slices: readonly Readonly<SliceObj>[], key?: string): Promise<void> {
    for (const s of slices) {
      try {
        await this.o.client.delete(Resources.endpointslices, namespace, s.metadata?.name ?? '');
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
      if (key) this.tracker.deleted(key, s);
    }
  }
}
