import type { EndpointAddress, Endpoints, EndpointSubset } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { labelSelectorFromSet, matchesLabels } from '../../apimachinery/labels.js';
import { keyOf, splitKey, type Informer, type InformerFactory } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import {
  HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME_ANNOTATION, TriggerTimeTracker, findPort, formatTriggerTime, isPodReady, isServiceIPSet,
  podChangedForEndpoints, podIPFor, servicesForPod, shouldPodBeInEndpoints, shouldSetHostname, type PodObj, type ServiceObj,
} from './endpoint-util.js';
import { repackSubsets, type PendingAddress } from './subsets.js';

type EndpointsObj = Endpoints & KubeObject;

/** EndpointsControllerOptions: what kube-controller-manager gives the endpoint controller. */
export interface EndpointsControllerOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
}

/**
 * EndpointsController keeps one core/v1 Endpoints per Service with a selector (kube-controller-
 * manager's endpoint controller): the addresses of the matching pods that have an IP, ready ones
 * under addresses, the others under notReadyAddresses (all under addresses with
 * publishNotReadyAddresses), terminating pods left out unless publishNotReadyAddresses; ports
 * resolved per pod (named targetPorts through the containers' ports); labels copied from the
 * Service plus service.kubernetes.io/headless; the last-change-trigger-time annotation.
 */
export class EndpointsController implements Controller {
  readonly name = 'endpoint';
  private readonly services: Informer<ServiceObj>;
  private readonly pods: Informer<PodObj>;
  private readonly endpoints: Informer<EndpointsObj>;
  private readonly queue: WorkQueue<string>;
  private readonly triggerTimes = new TriggerTimeTracker();
  private readonly logger = log.child({ component: 'endpoint-controller' });

  constructor(private readonly o: EndpointsControllerOptions) {
    this.queue = new WorkQueue<string>(o.clock, { name: 'endpoint' });
    this.services = o.informers.informerFor<ServiceObj>(Resources.services);
    this.pods = o.informers.informerFor<PodObj>(Resources.pods);
    this.endpoints = o.informers.informerFor<EndpointsObj>(Resources.endpoints);
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
    // An Endpoints deleted behind the controller's back is made again (upstream's onEndpointsDelete).
    this.endpoints.addEventHandler({ delete: (ep) => { if (this.services.lister.get(ep.metadata?.namespace, ep.metadata?.name ?? '')) this.queue.add(keyOf(ep)); } });
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

  /** syncService computes the Service's Endpoints and writes them when they differ. */
  async syncService(key: string): Promise<void> {
    const { namespace = '', name } = splitKey(key);
    const svc = this.services.lister.get(namespace, name);
    if (!svc) {
      // The Service is gone: so are its Endpoints (a selectorless Service's too, as upstream).
      this.triggerTimes.deleteService(namespace, name);
      try {
        await this.o.client.delete(Resources.endpoints, namespace, name);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
      return;
    }
    // ExternalName Services and Services without a selector get no endpoints from this controller.
    if (svc.spec?.type === 'ExternalName' || !svc.spec?.selector) return;
    const sel = labelSelectorFromSet(svc.spec.selector);
    const pods = this.pods.lister.list(namespace, (p) => matchesLabels(sel, p.metadata?.labels ?? {}));
    const trigger = this.triggerTimes.compute(svc, pods);
    const subsets = computeSubsets(svc, pods);

    const current = this.endpoints.lister.get(namespace, name);
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
    if (isServiceIPSet(svc)) delete labels[HEADLESS_LABEL];
    else labels[HEADLESS_LABEL] = '';
    if (current && JSON.stringify(current.subsets ?? []) === JSON.stringify(subsets) && sameMap(current.metadata?.labels, labels)) { trigger.commit(); return; }

    const ep: EndpointsObj = current ? structuredClone(current) as EndpointsObj : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } };
    ep.apiVersion = 'v1';
    ep.kind = 'Endpoints';
    ep.metadata = { ...ep.metadata, labels };
    const annotations = { ...(ep.metadata.annotations ?? {}) };
    if (trigger.time) annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION] = formatTriggerTime(trigger.time);
    else delete annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION];
    ep.metadata.annotations = annotations;
    if (subsets.length) ep.subsets = subsets;
    else delete ep.subsets;
    try {
      if (current) await this.o.client.update(Resources.endpoints, namespace, ep);
      else await this.o.client.create(Resources.endpoints, namespace, ep);
      trigger.commit();
    } catch (e) {
      // Creating in a namespace being deleted is expected to fail; the Service goes with it.
      if (!current && e instanceof StatusError && e.code === 403 && /being terminated/.test(e.message)) return;
      // A conflict means the cache was behind: the worker retries with a fresher one.
      throw e;
    }
  }
}

/** computeSubsets is the heart of syncService: one pending address per (pod, Service port), repacked. */
export function computeSubsets(svc: Readonly<ServiceObj>, pods: readonly Readonly<PodObj>[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const pending: PendingAddress[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIPFor(pod);
    if (!ip) continue;
    const address: EndpointAddress = {
      ip,
      ...(shouldSetHostname(pod, svc) ? { hostname: pod.spec!.hostname } : {}),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
    };
    const ready = publishNotReady || isPodReady(pod);
    const ports = svc.spec?.ports ?? [];
    if (ports.length === 0) {
      // A headless Service may have no ports: its pods are listed without any.
      if (svc.spec?.clusterIP === 'None') pending.push({ address, ready });
      continue;
    }
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      pending.push({ address, ready, port: { ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) } });
    }
  }
  return repackSubsets(pending);
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const x = a ?? {};
  const keys = Object.keys(x);
  return keys.length === Object.keys(b).length && keys.every((k) => x[k] === b[k]);
}
