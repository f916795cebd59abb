/**
 * The resource metrics API built into the API server — what metrics-server adds to a Kubernetes
 * cluster: every resolution period it scrapes each node agent's /metrics/resource, keeps the last
 * two points per node and container, and serves metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics
 * (get and list, label and field selectors) for `kubectl top` and the horizontal pod autoscaler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/resource.js';
import { StatusError, badRequest, methodNotSupported, notFound } from '../../apimachinery/errors.js';
import { matchesFields, parseFieldSelector, type FieldSelector } from '../../apimachinery/fields.js';
import type { RegistryStore } from '../../registry/store.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { negotiateOutput } from '../negotiate.js';
import { agentEndpoint } from '../node-proxy.js';
import type { ResourceRequestInfo } from '../request-info.js';
import { renderList } from '../resource-handler.js';
import { writeObject } from '../response.js';
import { httpFetchMetrics, scrapeNodes, type FetchMetrics } from './scraper.js';
import { MetricsStorage } from './storage.js';
import { METRICS_GROUP, nodeMetricsObject, nodeMetricsResource, podMetricsObject, podMetricsResource } from './types.js';

/** DEFAULT_METRIC_RESOLUTION_MS is metrics-server's --metric-resolution: how often nodes are scraped. */
export const DEFAULT_METRIC_RESOLUTION_MS = 15_000;

/** MAX_SCRAPE_TIMEOUT_MS bounds one node's scrape (metrics-server's --kubelet-request-timeout). */
const MAX_SCRAPE_TIMEOUT_MS = 10_000;

/** MetricsAPIOptions: where nodes and pods are read from, how agents are reached, and when. */
export interface MetricsAPIOptions {
  nodes: () => RegistryStore;
  pods: () => RegistryStore;
  clock: Clock;
  /** the token agents accept (the API server's agent token) */
  agentToken?: string;
  /** scrape period (default 15 s) */
  resolutionMs?: number;
  /** how an agent is fetched (tests replace it) */
  fetchMetrics?: FetchMetrics;
}

const logger = log.child({ component: 'metrics-server' });

/** MetricsAPI scrapes the agents and serves metrics.k8s.io. */
export class MetricsAPI {
  readonly storage: MetricsStorage;
  private readonly resolutionMs: number;
  private readonly fetchMetrics: FetchMetrics;
  private cancel?: () => void;
  private stopped = false;
  private readonly failing = new Set<string>();

  constructor(private readonly o: MetricsAPIOptions) {
    this.resolutionMs = o.resolutionMs ?? DEFAULT_METRIC_RESOLUTION_MS;
    this.storage = new MetricsStorage(this.resolutionMs);
    this.fetchMetrics = o.fetchMetrics ?? httpFetchMetrics(o.agentToken);
  }

  /** start scrapes now and then every resolution period until stop(). */
  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.scrape();
      } catch (e) {
        logger.error(e, 'Failed to scrape node metrics');
      }
      if (!this.stopped) this.cancel = this.o.clock.setTimeout(() => void tick(), this.resolutionMs);
    };
    void tick();
  }

  /** stop ends the scrape loop. */
  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  /** scrape takes one round of every node's metrics into the storage. */
  async scrape(): Promise<void> {
    const { items } = await this.o.nodes().list(undefined);
    const timeout = Math.min(MAX_SCRAPE_TIMEOUT_MS, Math.max(1000, Math.floor(this.resolutionMs * 0.9)));
    const { batch, errors } = await scrapeNodes(items.map((node) => ({ node, endpoint: agentEndpoint(node) })), this.fetchMetrics, timeout, () => this.o.clock.now());
    // stopped meanwhile (the cluster is stopping): its failures say nothing
    if (this.stopped) return;
    for (const node of items) {
      const name = node.metadata?.name ?? '';
      const err = errors.get(name);
      // Say so when a node starts or stops failing, not every round.
      // A node without an agent endpoint (simulated, or not yet registered) is not an error worth a line per node.
      if (err && !this.failing.has(name)) {
        if (/has no agent endpoint/.test(String((err as Error)?.message ?? err))) logger.v(2).info('Not scraping node without an agent endpoint', { node: name });
        else logger.error(err, 'Failed to scrape node', { node: name });
      }
      if (!err && this.failing.has(name)) logger.info('Scraping node again', { node: name });
      if (err) this.failing.add(name); else this.failing.delete(name);
    }
    this.storage.store(batch);
  }

  /** handle serves one metrics.k8s.io request (get or list of nodes or pods). */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, info: ResourceRequestInfo): Promise<void> {
    const def = info.resource === 'nodes' ? nodeMetricsResource : info.resource === 'pods' ? podMetricsResource : undefined;
    if (!def || info.version !== def.version || info.subresource || (!def.namespaced && info.namespace)) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
    }
    const gr = { group: METRICS_GROUP, resource: def.plural };
    const method = req.method ?? 'GET';
    const watching = ['1', 't', 'T', 'true', 'True', 'TRUE'].includes(url.searchParams.get('watch') ?? '');
    if (method !== 'GET' || watching) throw methodNotSupported(gr, verbOf(method, !!info.name, watching));
    const output = negotiateOutput(req.headers.accept);
    const now = this.o.clock.now();
    if (info.name) {
      const obj = def === nodeMetricsResource ? await this.getNode(info.name, now) : await this.getPod(info.namespace ?? '', info.name, now);
      if (output === 'table') return writeObject(res, 200, renderList(def, [obj], {}, output, url, now, true));
      if (output === 'metadata') return writeObject(res, 200, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata });
      return writeObject(res, 200, obj, output === 'yaml' ? 'yaml' : 'json');
    }
    const labelSelector = url.searchParams.get('labelSelector') ?? undefined;
    const fields = parseFields(url.searchParams.get('fieldSelector'));
    const items = def === nodeMetricsResource
      ? await this.listNodes(labelSelector, fields, now)
      : await this.listPods(info.namespace, labelSelector, fields, now);
    // List items go without kind and apiVersion, as metrics-server's do.
    const bare = items.map(({ kind: _k, apiVersion: _v, ...rest }) => rest as KubeObject);
    writeObject(res, 200, renderList(def, bare, {}, output, url, now), output === 'yaml' ? 'yaml' : 'json');
  }

  private async getNode(name: string, now: Date): Promise<KubeObject> {
    const node = await this.o.nodes().get(undefined, name);
    const u = this.storage.nodeUsage(name);
    if (!u) throw notFound({ group: METRICS_GROUP, resource: 'nodemetrics' }, name);
    return nodeMetricsObject({ name, labels: node.metadata?.labels }, u, now);
  }

  private async getPod(namespace: string, name: string, now: Date): Promise<KubeObject> {
    const pod = await this.o.pods().get(namespace, name);
    const u = this.storage.podUsage(namespace, name);
    if (!u) throw notFound({ group: METRICS_GROUP, resource: 'podmetrics' }, `${namespace}/${name}`);
    return podMetricsObject({ name, namespace, labels: pod.metadata?.labels }, u, now);
  }

  private async listNodes(labelSelector: string | undefined, fields: FieldSelector | undefined, now: Date): Promise<KubeObject[]> {
    const { items } = await this.o.nodes().list(undefined, { labelSelector });
    const out: KubeObject[] = [];
    for (const node of items.filter((n) => metaMatches(fields, n)).sort(byName)) {
      const u = this.storage.nodeUsage(node.metadata?.name ?? '');
      if (u) out.push(nodeMetricsObject({ name: node.metadata!.name!, labels: node.metadata?.labels }, u, now));
    }
    return out;
  }

  private async listPods(namespace: string | undefined, labelSelector: string | undefined, fields: FieldSelector | undefined, now: Date): Promise<KubeObject[]> {
    const { items } = await this.o.pods().list(namespace, { labelSelector });
    const out: KubeObject[] = [];
    for (const pod of items.filter((p) => metaMatches(fields, p)).sort(byName)) {
      const ns = pod.metadata?.namespace ?? '';
      const u = this.storage.podUsage(ns, pod.metadata?.name ?? '');
      if (u) out.push(podMetricsObject({ name: pod.metadata!.name!, namespace: ns, labels: pod.metadata?.labels }, u, now));
    }
    return out;
  }
}

function verbOf(method: string, named: boolean, watching: boolean): string {
  if (watching) return 'watch';
  switch (method) {
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return named ? 'delete' : 'deletecollection';
    default: return method.toLowerCase();
  }
}

/** parseFields reads a field selector; metrics-server matches only metadata.name and metadata.namespace (other fields are empty). */
function parseFields(s: string | null): FieldSelector | undefined {
  if (!s) return undefined;
  try {
    return parseFieldSelector(s);
  } catch (e) {
    throw badRequest((e as Error).message);
  }
}

function metaMatches(fields: FieldSelector | undefined, obj: KubeObject): boolean {
  if (!fields) return true;
  return matchesFields(fields, (f) => (f === 'metadata.name' ? obj.metadata?.name ?? '' : f === 'metadata.namespace' ? obj.metadata?.namespace ?? '' : ''));
}

function byName(a: KubeObject, b: KubeObject): number {
  return (a.metadata?.namespace ?? '').localeCompare(b.metadata?.namespace ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}
