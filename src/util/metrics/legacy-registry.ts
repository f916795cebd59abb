/**
 * The process-wide metrics registry, Kubernetes' legacyregistry: components that share the
 * process (scheduler, controllers, node agents in `tskube up`, as k3s runs them in one binary)
 * register their series here and the API server's /metrics appends it to its own. The metrics
 * themselves are prom-client's Counter, Gauge and Histogram.
 */
import { AggregatorRegistry, Registry, register } from 'prom-client';

/** legacyRegistry is prom-client's global registry, where metrics go unless told otherwise. */
export const legacyRegistry: Registry = register;

/** MetricsJSON is a registry's series as getMetricsAsJSON gives them (what crosses a thread boundary). */
export type MetricsJSON = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** the series of the process's other threads (the components thread of `tskube up`) */
const threadSources = new Set<() => Promise<MetricsJSON>>();

/** addThreadMetrics adds another thread's series to processRegistry; the function returned removes them. */
export function addThreadMetrics(source: () => Promise<MetricsJSON>): () => void {
  threadSources.add(source);
  return () => { threadSources.delete(source); };
}

/**
 * processRegistry is the legacy registry with the series of the process's other threads merged in
 * (prom-client's aggregation, as its cluster mode merges workers: the same series summed).
 */
export async function processRegistry(): Promise<Registry> {
  if (threadSources.size === 0) return legacyRegistry;
  const others = await Promise.all([...threadSources].map((s) => s().catch((): MetricsJSON => [])));
  return AggregatorRegistry.aggregate([await legacyRegistry.getMetricsAsJSON(), ...others]);
}

/** TEXT_CONTENT_TYPE is the Content-Type of the text exposition format 0.0.4. */
export const TEXT_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** a histogram bucket line as prom-client prints it: `le` first */
const BUCKET_LINE = /^([a-zA-Z_:][\w:]*_bucket)\{le="([^"]*)",?(.*)\}( \S+)$/gm;

/**
 * gatherText renders registries one after another in the text format (each metric name once per
 * registry, as prom-client guarantees), shaped as client_golang prints it: no blank line between
 * families and a bucket's `le` label last (prom-client puts it first). Label order is otherwise
 * the order of the keys in the label objects a metric was updated with, so callers build those in
 * alphabetical order. The reshaping costs a scrape, never a request.
 */
export async function gatherText(...registries: Registry[]): Promise<string> {
  let out = '';
  for (const r of registries) {
    if (r.getMetricsAsArray().length) out += await r.metrics();
  }
  return out
    .replace(/\n\n/g, '\n')
    .replace(BUCKET_LINE, (_m, name: string, le: string, rest: string, value: string) => `${name}{${rest ? `${rest},` : ''}le="${le}"}${value}`);
}

/** sinceSeconds is the time since `startedNs` (process.hrtime.bigint()) in seconds. */
export function sinceSeconds(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs) / 1e9;
}
