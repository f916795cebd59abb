/**
 * The HPA controller's view of the resource metrics API (upstream's metrics.MetricsClient): per pod,
 * the usage of one resource as a milli-value, with the timestamp and window it was measured over.
 */
import { toMilli } from '../../apimachinery/quantity.js';
import type { Client } from '../../client/types.js';
import { podMetricsResource, type PodMetrics } from './types.js';

/** PodMetric is one pod's usage of a resource (milli-units: millicores, milli-bytes). */
export interface PodMetric {
  timestamp: Date;
  windowMs: number;
  value: number;
}

/** PodMetricsInfo maps pod names to their usage. */
export type PodMetricsInfo = Map<string, PodMetric>;

/** MetricsClient fetches resource metrics for the pods a selector matches. */
export interface MetricsClient {
  /**
   * getResourceMetric returns each pod's usage of resource (summed over its containers, or of one
   * container when container is set) and the timestamp of the first item.
   */
  getResourceMetric(resource: string, namespace: string, selector: string, container: string): Promise<{ metrics: PodMetricsInfo; timestamp: Date }>;
}

/** parseWindow reads a Go duration as metrics.k8s.io writes windows ("15.011s", "1m0s", "500ms"). */
export function parseWindow(s: string | undefined): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  for (const m of (s ?? '').matchAll(re)) total += Number(m[1]) * units[m[2]];
  return Math.round(total);
}

/** podMetricsInfo extracts one resource from PodMetrics items as upstream's getPodMetrics/getContainerMetrics do. */
export function podMetricsInfo(items: readonly PodMetrics[], resource: string, container: string): PodMetricsInfo {
  const res: PodMetricsInfo = new Map();
  for (const m of items) {
    const name = m.metadata?.name ?? '';
    const timestamp = new Date(m.timestamp);
    const windowMs = parseWindow(m.window);
    const containers = m.containers ?? [];
    if (container) {
      const c = containers.find((x) => x.name === container);
      if (!c) throw new Error(`container ${container} not present in metrics for pod ${m.metadata?.namespace}/${name}`);
      const v = c.usage?.[resource];
      if (v !== undefined) res.set(name, { timestamp, windowMs, value: toMilli(v) });
      continue;
    }
    // A pod with no containers, or one missing the resource, has no usable metric.
    if (containers.length === 0) continue;
    let sum = 0;
    let missing = false;
    for (const c of containers) {
      const v = c.usage?.[resource];
      if (v === undefined) { missing = true; break; }
      sum += toMilli(v);
    }
    if (!missing) res.set(name, { timestamp, windowMs, value: sum });
  }
  return res;
}

/** RestMetricsClient reads metrics.k8s.io/v1beta1 PodMetrics through the API. */
export class RestMetricsClient implements MetricsClient {
  constructor(private readonly client: Client) {}

  async getResourceMetric(resource: string, namespace: string, selector: string, container: string): Promise<{ metrics: PodMetricsInfo; timestamp: Date }> {
    let items: PodMetrics[];
    try {
      items = (await this.client.list<PodMetrics>(podMetricsResource, namespace, { labelSelector: selector || undefined })).items;
    } catch (e) {
      throw new Error(`unable to fetch metrics from resource metrics API: ${(e as Error).message}`);
    }
    if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
    let metrics: PodMetricsInfo;
    try {
      metrics = podMetricsInfo(items, resource, container);
    } catch (e) {
      throw new Error(`failed to get container metrics: ${(e as Error).message}`);
    }
    return { metrics, timestamp: new Date(items[0].timestamp) };
  }
}
