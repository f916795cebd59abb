import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend } from '../../storage/backend.js';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TEXT_CONTENT_TYPE, gatherText, processRegistry, sinceSeconds } from '../../util/metrics/legacy-registry.js';
import type { RequestInfo } from '../request-info.js';

/** REQUEST_DURATION_BUCKETS are apiserver_request_duration_seconds' buckets in Kubernetes 1.32. */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** ETCD_DURATION_BUCKETS are etcd_request_duration_seconds' buckets in Kubernetes 1.32. */
export const ETCD_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

const READ_ONLY = Object.freeze({ request_kind: 'readOnly' });
const MUTATING = Object.freeze({ request_kind: 'mutating' });

/** subresources whose requests Kubernetes reports as CONNECT */
const CONNECT_SUBRESOURCES = new Set(['proxy', 'attach', 'exec', 'portforward']);

/**
 * RequestLabels are the labels apiserver_request_total and its duration carry, declared (and
 * built) in alphabetical order: that is the order prom-client prints them in, as client_golang does.
 */
export interface RequestLabels {
  component: string;
  dry_run: string;
  group: string;
  resource: string;
  scope: string;
  subresource: string;
  verb: string;
  version: string;
}

/**
 * requestLabels names a request as kube-apiserver's metrics do: verbs upper-case (GET on a
 * collection is LIST, watch=true is WATCH, an apply patch is APPLY, proxy/exec/attach/portforward
 * are CONNECT), scope resource/namespace/cluster, component "apiserver".
 */
export function requestLabels(method: string, url: URL, info: RequestInfo, contentType = ''): RequestLabels {
  const m = method.toUpperCase();
  const labels: RequestLabels = { component: 'apiserver', dry_run: url.searchParams.has('dryRun') ? 'All' : '', group: '', resource: '', scope: '', subresource: '', verb: m === 'HEAD' ? 'GET' : m, version: '' };
  if (!info.isResource) return labels;
  labels.group = info.group;
  labels.version = info.version;
  labels.resource = info.resource;
  labels.subresource = info.subresource ?? '';
  labels.scope = info.name ? 'resource' : info.namespace ? 'namespace' : 'cluster';
  const watch = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
  if ((m === 'GET' || m === 'HEAD') && !info.name) labels.verb = watch ? 'WATCH' : 'LIST';
  if (m === 'PATCH' && contentType.startsWith('application/apply-patch')) labels.verb = 'APPLY';
  if (info.subresource && CONNECT_SUBRESOURCES.has(info.subresource)) labels.verb = 'CONNECT';
  return labels;
}

/** APIServerMetricsDeps: what the scrape-time metrics read. */
export interface APIServerMetricsDeps {
  /** the stored resources, each with its key prefix and its name as metrics give it (pods, deployments.apps) */
  resources(): { prefix: string; resource: string }[];
  backend: Backend;
}

/**
 * APIServerMetrics is kube-apiserver's /metrics reduced to the series operators look at first:
 * requests by verb/resource/code and their latency, long-running requests, in-flight requests,
 * stored objects per resource, storage latency, and the watch cache's watchers.
 */
export class APIServerMetrics {
  /** this API server's registry (two in-process servers, as in tests, keep their own series) */
  readonly registry = new Registry();
  readonly requestTotal = new Counter({
    name: 'apiserver_request_total',
    help: '[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
    labelNames: ['code', 'component', 'dry_run', 'group', 'resource', 'scope', 'subresource', 'verb', 'version'],
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: '[STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
    labelNames: ['component', 'dry_run', 'group', 'resource', 'scope', 'subresource', 'verb', 'version'],
    buckets: REQUEST_DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly longRunning = new Gauge({
    name: 'apiserver_longrunning_requests',
    help: '[STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
    labelNames: ['component', 'group', 'resource', 'scope', 'subresource', 'verb', 'version'],
    registers: [this.registry],
  });
  readonly inflight = new Gauge({
    name: 'apiserver_current_inflight_requests',
    help: '[STABLE] Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
    labelNames: ['request_kind'],
    registers: [this.registry],
  });
  readonly storageObjects: Gauge;
  readonly storageDuration = new Histogram({
    name: 'etcd_request_duration_seconds',
    help: '[ALPHA] Etcd request latency in seconds for each operation and object type.',
    labelNames: ['operation', 'type'],
    buckets: ETCD_DURATION_BUCKETS,
    registers: [this.registry],
  });

  constructor(private readonly deps: APIServerMetricsDeps) {
    const resources = () => this.deps.resources();
    const backend = this.deps.backend;
    this.storageObjects = new Gauge({
      name: 'apiserver_storage_objects',
      help: '[STABLE] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
      labelNames: ['resource'],
      registers: [this.registry],
      // read at scrape time, as the storage's object counter is polled in Kubernetes
      async collect() {
        for (const r of resources()) this.set({ resource: r.resource }, await backend.count(r.prefix).catch(() => -1));
      },
    });
  }

  /**
   * monitor counts one request from its start to its end (MonitorRequest): watches and connects
   * count as long-running while open and are left out of the latency histogram, as Kubernetes does.
   */
  monitor(req: IncomingMessage, res: ServerResponse, url: URL, info: RequestInfo): void {
    const started = process.hrtime.bigint();
    const labels = requestLabels(req.method ?? 'GET', url, info, String(req.headers['content-type'] ?? ''));
    const longRunning = labels.verb === 'WATCH' || labels.verb === 'CONNECT';
    // prom-client keeps the label object of a series' first update: each series gets its own.
    const kind = labels.verb === 'GET' || labels.verb === 'LIST' || labels.verb === 'WATCH' ? READ_ONLY : MUTATING;
    const { dry_run: _dryRun, ...lrLabels } = labels;
    if (longRunning) this.longRunning.inc(lrLabels);
    else this.inflight.inc(kind);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (longRunning) this.longRunning.dec(lrLabels);
      else {
        this.inflight.dec(kind);
        this.requestDuration.observe(labels, sinceSeconds(started));
      }
      this.requestTotal.inc({ code: String(res.statusCode), ...labels });
    };
    res.once('finish', finish);
    res.once('close', finish);
  }

  /**
   * serve answers GET /metrics in the text exposition format: the API server's series, then the
   * process registry's (components sharing the process register there, as k3s's do in one binary;
   * the components thread's series are merged in).
   */
  async serve(res: ServerResponse): Promise<void> {
    const body = await gatherText(this.registry, await processRegistry());
    res.writeHead(200, { 'Content-Type': TEXT_CONTENT_TYPE });
    res.end(body);
  }
}

const TIMED = new Set(['create', 'update', 'delete', 'get', 'list', 'count']);

/** STORAGE_OPERATIONS names Backend calls as Kubernetes' storage metrics do. */
const STORAGE_OPERATIONS: Record<string, string> = { create: 'create', update: 'update', delete: 'delete', get: 'get', list: 'listWithCount', count: 'count' };

/**
 * instrumentBackend times every read and write of a Backend into etcd_request_duration_seconds
 * (type = the resource the key belongs to), passing everything else through untouched (the
 * in-process stores' synchronous revision reads included, which the watch cache relies on).
 */
export function instrumentBackend(backend: Backend, metrics: APIServerMetrics, typeOf: (key: string) => string): Backend {
  // One wrapper per method, made once: the store calls these on every request.
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(backend, {
    get(target, prop, receiver) {
      const cached = wrappers.get(prop);
      if (cached) return cached;
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      const wrapped = typeof prop === 'string' && TIMED.has(prop)
        ? async (...args: unknown[]) => {
          const started = process.hrtime.bigint();
          try {
            return await (fn.apply(target, args) as Promise<unknown>);
          } finally {
            metrics.storageDuration.observe({ operation: STORAGE_OPERATIONS[prop], type: typeOf(String(args[0] ?? '')) }, sinceSeconds(started));
          }
        }
        : fn.bind(target);
      wrappers.set(prop, wrapped);
      return wrapped;
    },
  });
}

/**
 * resourceOfKey names the resource a storage key belongs to (pods, deployments.apps) from
 * Kubernetes' key layout, given the prefixes of the served resources.
 */
export function resourceOfKey(prefixes: Map<string, string>): (key: string) => string {
  return (key) => {
    // /registry/<group>/<plural>/… or /registry/<plural>/…: the key up to its third and fourth '/'
    // (found by indexOf: this runs on every storage call)
    const s1 = key.indexOf('/');
    const s2 = s1 < 0 ? -1 : key.indexOf('/', s1 + 1);
    const s3 = s2 < 0 ? -1 : key.indexOf('/', s2 + 1);
    const s4 = s3 < 0 ? -1 : key.indexOf('/', s3 + 1);
    const two = `${s3 < 0 ? key : key.slice(0, s3)}/`;
    const three = `${s4 < 0 ? key : key.slice(0, s4)}/`;
    return prefixes.get(three) ?? prefixes.get(two) ?? two.slice(0, -1);
  };
}
