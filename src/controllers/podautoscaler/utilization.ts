/** Usage ratios of pod metrics against targets (upstream's metrics/utilization.go). */
import type { PodMetricsInfo } from './metrics-client.js';

/**
 * getResourceUtilizationRatio compares the pods' total usage with their total requests: the
 * utilization is a whole percentage (rounded down), the ratio that percentage over the target, and
 * the raw average the mean usage per pod. Metrics of pods without a known request are ignored.
 */
export function getResourceUtilizationRatio(metrics: PodMetricsInfo, requests: ReadonlyMap<string, number>, targetUtilization: number): { ratio: number; utilization: number; rawAverageValue: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [pod, m] of metrics) {
    const request = requests.get(pod);
    if (request === undefined) continue; // missing requests are checked elsewhere: this is an extra metric
    metricsTotal += m.value;
    requestsTotal += request;
    entries++;
  }
  // requests and metrics of disjoint pods would divide by zero
  if (requestsTotal === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverageValue: Math.trunc(metricsTotal / entries) };
}

/** getMetricUsageRatio compares the mean usage per pod (rounded down) with a target value. */
export function getMetricUsageRatio(metrics: PodMetricsInfo, targetUsage: number): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}
