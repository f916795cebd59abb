/**
 * The availability controller of extension APIServices (kube-aggregator's remote
 * AvailableConditionController, Kubernetes 1.32: Services and Endpoints): for an APIService with
 * spec.service it sets the Available condition —
 *   ServiceNotFound   the Service is missing;
 *   ServicePortError  a ClusterIP Service does not expose spec.service.port;
 *   EndpointsNotFound / MissingEndpoints  no Endpoints, or none ready on that port's name;
 *   FailedDiscoveryCheck  GET /apis/<group>/<version> on the server did not answer 2xx in 5 s;
 *   Passed            all checks passed.
 * It syncs an APIService when it, its Service or its Endpoints change, and every resync period
 * (30 s) since the network can fail unseen. A failed discovery check is also retried with back-off
 * (5 ms … 30 s). Status is written only when it changed. Local APIServices are left alone.
 */
import type { KubeObject } from '../../api/resource.js';
import { rfc3339 } from '../../apimachinery/time.js';
import { ItemExponentialRateLimiter, WorkQueue } from '../../client/workqueue.js';
import { runWorkers } from '../../controllers/common/run-workers.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { apiServiceInfo, availableCondition, conditionsOf, setAPIServiceCondition, type APIServiceCondition, type APIServiceInfo } from './apiservice.js';
import { checkDiscovery, type CheckResult, type DiscoveryFetcher } from './discovery-check.js';
import type { ProxyTarget } from './proxy.js';
import { resolveEndpoint, servicePortName } from './resolver.js';

const logger = log.child({ component: 'apiservice-availability-controller' });

/** AVAILABILITY_RESYNC_MS is how often every extension APIService is checked again (kube-aggregator's 30 s). */
export const AVAILABILITY_RESYNC_MS = 30_000;

/** Lister reads a watched cache (ObjectCache): keys are name, or namespace/name. */
export interface Lister {
  get(key: string): Promise<KubeObject | undefined>;
  list(): Promise<readonly KubeObject[]>;
}

type Condition = Omit<APIServiceCondition, 'type' | 'lastTransitionTime'>;

/**
 * checkServiceAndEndpoints is the part of the sync that needs no network: the failing condition,
 * or undefined when the discovery check is next.
 */
export function checkServiceAndEndpoints(info: APIServiceInfo, service: KubeObject | undefined, endpoints: KubeObject | undefined): Condition | undefined {
  const ref = info.service!;
  const where = `service/${ref.name} in ${JSON.stringify(ref.namespace)}`;
  if (!service) return { status: 'False', reason: 'ServiceNotFound', message: `${where} is not present` };
  const type = String((service.spec as { type?: unknown } | undefined)?.type ?? 'ClusterIP');
  // Only a ClusterIP Service is known to listen on its ports; other types go straight to discovery.
  if (type !== 'ClusterIP') return undefined;
  const portName = servicePortName(service, ref.port);
  if (portName === undefined) return { status: 'False', reason: 'ServicePortError', message: `${where} is not listening on port ${ref.port}` };
  if (!endpoints) return { status: 'False', reason: 'EndpointsNotFound', message: `cannot find endpoints for ${where}` };
  const subsets = Array.isArray(endpoints.subsets) ? endpoints.subsets as { addresses?: unknown[]; ports?: { name?: string }[] }[] : [];
  const active = subsets.some((ss) => (ss.addresses?.length ?? 0) > 0 && (ss.ports ?? []).some((p) => (p.name ?? '') === portName));
  if (!active) return { status: 'False', reason: 'MissingEndpoints', message: `endpoints for ${where} have no addresses with port name ${JSON.stringify(portName)}` };
  return undefined;
}

/** discoveryPath is the path every aggregated server must serve for its group version. */
export function discoveryPath(info: APIServiceInfo): string {
  return info.name === 'v1.' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
}

/** targetFor resolves where a request for info goes now (throws ResolveError when nowhere). */
export function targetFor(info: APIServiceInfo, service: KubeObject | undefined, endpoints: KubeObject | undefined): ProxyTarget {
  const ref = info.service!;
  return {
    address: resolveEndpoint(ref.namespace, ref.name, ref.port, service, endpoints),
    serverName: `${ref.name}.${ref.namespace}.svc`, ca: info.caBundle, insecureSkipTLSVerify: info.insecureSkipTLSVerify,
  };
}

/** AvailableControllerDeps are the controller's caches, its status writer and its seams. */
export interface AvailableControllerDeps {
  apiServices: Lister;
  services: Lister;
  endpoints: Lister;
  /** writes the APIService's status subresource */
  updateStatus(apiService: KubeObject): Promise<unknown>;
  fetch: DiscoveryFetcher;
  clock: Clock;
  resyncMs?: number;
  /** told the body of each passed discovery check, and undefined when an APIService is gone */
  onDiscovery?(apiServiceName: string, body: string | undefined): void;
}

/** AvailableConditionController keeps extension APIServices' Available condition true to the facts. */
export class AvailableConditionController {
  readonly name = 'apiservice-availability';
  private readonly queue: WorkQueue<string>;
  /** what each APIService was last synced against (its, its Service's and its Endpoints' versions) */
  private readonly synced = new Map<string, string>();

  constructor(private readonly deps: AvailableControllerDeps) {
    // A tight requeue: availability depends on the network, which no watch reports.
    this.queue = new WorkQueue<string>(deps.clock, new ItemExponentialRateLimiter<string>(5, 30_000));
  }

  private async fingerprint(svc: KubeObject): Promise<string> {
    const ref = apiServiceInfo(svc).service;
    if (!ref) return '';
    const key = `${ref.namespace}/${ref.name}`;
    const [s, e] = [await this.deps.services.get(key), await this.deps.endpoints.get(key)];
    return `${svc.metadata?.resourceVersion}|${s?.metadata?.resourceVersion ?? '-'}|${e?.metadata?.resourceVersion ?? '-'}`;
  }

  /**
   * changed enqueues each extension APIService whose own object, Service or Endpoints moved since
   * its last sync (the caches call it after every change) and forgets deleted ones.
   */
  async changed(): Promise<void> {
    const all = await this.deps.apiServices.list();
    const names = new Set<string>();
    for (const svc of all) {
      const name = svc.metadata?.name ?? '';
      names.add(name);
      if (!apiServiceInfo(svc).service) continue;
      if (this.synced.get(name) !== await this.fingerprint(svc)) this.queue.add(name);
    }
    for (const name of [...this.synced.keys()]) {
      if (names.has(name)) continue;
      this.synced.delete(name);
      this.deps.onDiscovery?.(name, undefined);
    }
  }

  /** run syncs until signal aborts, re-checking every extension APIService each resync period. */
  async run(signal: AbortSignal, workers = 2): Promise<void> {
    const resync = async () => {
      while (!signal.aborted) {
        try {
          await this.deps.clock.sleep(this.deps.resyncMs ?? AVAILABILITY_RESYNC_MS, signal);
        } catch {
          return;
        }
        for (const svc of await this.deps.apiServices.list()) if (apiServiceInfo(svc).service) this.queue.add(svc.metadata?.name ?? '');
      }
    };
    void resync();
    await runWorkers({ queue: this.queue, sync: (k) => this.sync(k), workers, signal, log: logger, waitForSync: async () => { await this.changed(); } });
  }

  /** sync computes one APIService's Available condition and writes it when it changed. */
  async sync(name: string): Promise<void> {
    const original = await this.deps.apiServices.get(name);
    if (!original) return;
    const info = apiServiceInfo(original);
    if (!info.service) return; // Local APIServices are always available (bootstrap marks them).
    this.synced.set(name, await this.fingerprint(original));
    const key = `${info.service.namespace}/${info.service.name}`;
    const [service, endpoints] = [await this.deps.services.get(key), await this.deps.endpoints.get(key)];
    let cond = checkServiceAndEndpoints(info, service, endpoints);
    let failure: CheckResult | undefined;
    if (!cond) {
      const r = await checkDiscovery(() => targetFor(info, service, endpoints), discoveryPath(info), this.deps.fetch);
      if (r.ok) {
        this.deps.onDiscovery?.(name, r.body);
        cond = { status: 'True', reason: 'Passed', message: 'all checks passed' };
      } else {
        failure = r;
        cond = { status: 'False', reason: 'FailedDiscoveryCheck', message: r.message };
      }
    }
    await this.updateStatus(original, cond);
    // A failed check is retried with back-off besides the resync.
    if (failure && !failure.ok) throw new Error(failure.message);
  }

  private async updateStatus(original: KubeObject, c: Condition): Promise<void> {
    const cond: APIServiceCondition = { type: 'Available', status: c.status, lastTransitionTime: rfc3339(this.deps.clock.now()), reason: c.reason, message: c.message };
    const conditions = setAPIServiceCondition(conditionsOf(original), cond);
    if (JSON.stringify(conditions) === JSON.stringify(conditionsOf(original))) return;
    const before = availableCondition(original);
    if (before?.status !== cond.status || before?.reason !== cond.reason) {
      logger.v(2).info('changing APIService availability', { name: original.metadata?.name, oldStatus: before?.status ?? 'Unknown', newStatus: cond.status, reason: cond.reason, message: cond.message });
    }
    const next = structuredClone(original) as KubeObject;
    next.status = { ...(next.status as object | undefined), conditions };
    await this.deps.updateStatus(next);
  }
}
