/**
 * ReplicaCalculator turns pod metrics into a replica count (upstream's replica_calculator.go):
 * desired = ceil(ready pods × usage / target), unless the ratio is within the tolerance; pods
 * without metrics count as using 100% (scale-down) or 0% (scale-up), not-yet-ready pods as 0% on a
 * scale-up, and a correction that would flip the direction of scaling keeps the current count.
 */
import type { LabelSelector } from '../../apimachinery/labels.js';
import { toMilli } from '../../apimachinery/quantity.js';
import type { Clock } from '../../util/clock.js';
import type { MetricsClient, PodMetricsInfo } from './metrics-client.js';
import type { Pod } from './types.js';
import { getMetricUsageRatio, getResourceUtilizationRatio } from './utilization.js';

/** PodSelector is a scale target's selector, as text (for the metrics API) and parsed (for the pod cache). */
export interface PodSelector { text: string; parsed: LabelSelector }

/** ReplicaCalculatorOptions: where metrics and pods come from, and the controller's tuning flags. */
export interface ReplicaCalculatorOptions {
  metricsClient: MetricsClient;
  /** pods of a namespace matching a selector (the pod cache) */
  listPods(namespace: string, selector: LabelSelector): readonly Readonly<Pod>[];
  /** --horizontal-pod-autoscaler-tolerance (0.1) */
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min) */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s) */
  delayOfInitialReadinessStatusMs: number;
  clock: Clock;
}

/** ResourceReplicas is GetResourceReplicas' answer. */
export interface ResourceReplicas { replicaCount: number; utilization: number; rawUtilization: number; timestamp: Date }

/** RawResourceReplicas is GetRawResourceReplicas' answer. */
export interface RawResourceReplicas { replicaCount: number; usage: number; timestamp: Date }

/** PodGroups sorts a target's pods for a calculation (upstream's groupPods). */
export interface PodGroups {
  readyPodCount: number;
  /** pending, or (for cpu) not ready or too recently ready: counted as 0% on a scale-up */
  unreadyPods: Set<string>;
  /** running and ready but without a metric */
  missingPods: Set<string>;
  /** being deleted or failed: left out entirely */
  ignoredPods: Set<string>;
}

function readyCondition(pod: Readonly<Pod>) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/**
 * groupPods classifies pods against their metrics. For cpu, a pod within its initialization
 * period counts only once ready and measured over a full window since it became ready; after it,
 * only a pod that never became ready (unready since its start plus the readiness delay) is left out.
 */
export function groupPods(pods: readonly Readonly<Pod>[], metrics: PodMetricsInfo, resource: string, cpuInitializationPeriodMs: number, delayOfInitialReadinessStatusMs: number, now: Date): PodGroups {
  const g: PodGroups = { readyPodCount: 0, unreadyPods: new Set(), missingPods: new Set(), ignoredPods: new Set() };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') { g.ignoredPods.add(name); continue; }
    if (pod.status?.phase === 'Pending') { g.unreadyPods.add(name); continue; }
    const metric = metrics.get(name);
    if (!metric) { g.missingPods.add(name); continue; }
    if (resource === 'cpu') {
      const cond = readyCondition(pod);
      const startTime = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
      let unready: boolean;
      if (!cond || startTime === undefined) unready = true;
      else {
        const transition = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : 0;
        if (startTime + cpuInitializationPeriodMs > now.getTime()) {
          unready = cond.status === 'False' || metric.timestamp.getTime() < transition + metric.windowMs;
        } else {
          unready = cond.status === 'False' && startTime + delayOfInitialReadinessStatusMs > transition;
        }
      }
      if (unready) { g.unreadyPods.add(name); continue; }
    }
    g.readyPodCount++;
  }
  return g;
}

/**
 * calculatePodRequests sums each pod's requests of resource in milli-units over its containers
 * and sidecars (restartable init containers), or of one container; a container without a request
 * makes utilization undefined.
 */
export function calculatePodRequests(pods: readonly Readonly<Pod>[], container: string, resource: string): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
    let sum = 0;
    for (const c of containers) {
      if (container && container !== c.name) continue;
      const q = c.resources?.requests?.[resource];
      if (q === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name ?? ''}`);
      sum += toMilli(q);
    }
    requests.set(pod.metadata?.name ?? '', sum);
  }
  return requests;
}

function removeMetricsForPods(metrics: PodMetricsInfo, pods: Set<string>): void {
  for (const p of pods) metrics.delete(p);
}

/** ReplicaCalculator computes replica counts from resource metrics. */
export class ReplicaCalculator {
  constructor(private readonly o: ReplicaCalculatorOptions) {}

  /** getResourceReplicas is the replica count for a target utilization (percent of requests). */
  async getResourceReplicas(currentReplicas: number, targetUtilization: number, resource: string, namespace: string, selector: PodSelector, container: string): Promise<ResourceReplicas> {
    let fetched: { metrics: PodMetricsInfo; timestamp: Date };
    try {
      fetched = await this.o.metricsClient.getResourceMetric(resource, namespace, selector.text, container);
    } catch (e) {
      throw new Error(`unable to get metrics for resource ${resource}: ${(e as Error).message}`);
    }
    const { metrics, timestamp } = fetched;
    const pods = this.o.listPods(namespace, selector.parsed);
    if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');

    const g = groupPods(pods, metrics, resource, this.o.cpuInitializationPeriodMs, this.o.delayOfInitialReadinessStatusMs, this.o.clock.now());
    removeMetricsForPods(metrics, g.ignoredPods);
    removeMetricsForPods(metrics, g.unreadyPods);
    if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');

    const requests = calculatePodRequests(pods, container, resource);
    const { ratio: usageRatio, utilization, rawAverageValue } = getResourceUtilizationRatio(metrics, requests, targetUtilization);
    const result = (replicaCount: number): ResourceReplicas => ({ replicaCount, utilization, rawUtilization: rawAverageValue, timestamp });

    const scaleUpWithUnready = g.unreadyPods.size > 0 && usageRatio > 1.0;
    if (!scaleUpWithUnready && g.missingPods.size === 0) {
      if (Math.abs(1.0 - usageRatio) <= this.o.tolerance) return result(currentReplicas);
      return result(Math.ceil(usageRatio * g.readyPodCount));
    }

    if (g.missingPods.size > 0) {
      if (usageRatio < 1.0) {
        // On a scale-down a pod without metrics counts as using all it requested (or the target, above 100%).
        const fallback = Math.max(100, targetUtilization);
        for (const p of g.missingPods) metrics.set(p, { timestamp, windowMs: 0, value: Math.trunc((requests.get(p) ?? 0) * fallback / 100) });
      } else if (usageRatio > 1.0) {
        // On a scale-up it counts as using nothing.
        for (const p of g.missingPods) metrics.set(p, { timestamp, windowMs: 0, value: 0 });
      }
    }
    if (scaleUpWithUnready) for (const p of g.unreadyPods) metrics.set(p, { timestamp, windowMs: 0, value: 0 });

    const newUsageRatio = getResourceUtilizationRatio(metrics, requests, targetUtilization).ratio;
    if (Math.abs(1.0 - newUsageRatio) <= this.o.tolerance || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0)) {
      return result(currentReplicas);
    }
    const newReplicas = Math.ceil(newUsageRatio * metrics.size);
    if ((newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas)) {
      return result(currentReplicas);
    }
    return result(newReplicas);
  }

  /** getRawResourceReplicas is the replica count for a target average usage per pod (a milli-value). */
  async getRawResourceReplicas(currentReplicas: number, targetUsage: number, resource: string, namespace: string, selector: PodSelector, container: string): Promise<RawResourceReplicas> {
    let fetched: { metrics: PodMetricsInfo; timestamp: Date };
    try {
      fetched = await this.o.metricsClient.getResourceMetric(resource, namespace, selector.text, container);
    } catch (e) {
      throw new Error(`unable to get metrics for resource ${resource}: ${(e as Error).message}`);
    }
    const { replicaCount, usage } = this.calcPlainMetricReplicas(fetched.metrics, currentReplicas, targetUsage, namespace, selector, resource);
    return { replicaCount, usage, timestamp: fetched.timestamp };
  }

  /** calcPlainMetricReplicas is the replica count for an average-value target. */
  private calcPlainMetricReplicas(metrics: PodMetricsInfo, currentReplicas: number, targetUsage: number, namespace: string, selector: PodSelector, resource: string): { replicaCount: number; usage: number } {
    const pods = this.o.listPods(namespace, selector.parsed);
    if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
    const g = groupPods(pods, metrics, resource, this.o.cpuInitializationPeriodMs, this.o.delayOfInitialReadinessStatusMs, this.o.clock.now());
    removeMetricsForPods(metrics, g.ignoredPods);
    removeMetricsForPods(metrics, g.unreadyPods);
    if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');

    const { ratio: usageRatio, usage } = getMetricUsageRatio(metrics, targetUsage);
    const scaleUpWithUnready = g.unreadyPods.size > 0 && usageRatio > 1.0;
    if (!scaleUpWithUnready && g.missingPods.size === 0) {
      if (Math.abs(1.0 - usageRatio) <= this.o.tolerance) return { replicaCount: currentReplicas, usage };
      return { replicaCount: Math.ceil(usageRatio * g.readyPodCount), usage };
    }
    const now = this.o.clock.now();
    if (g.missingPods.size > 0) {
      // On a scale-down a pod without metrics counts as using exactly the target; on a scale-up as nothing.
      if (usageRatio < 1.0) for (const p of g.missingPods) metrics.set(p, { timestamp: now, windowMs: 0, value: targetUsage });
      else if (usageRatio > 1.0) for (const p of g.missingPods) metrics.set(p, { timestamp: now, windowMs: 0, value: 0 });
    }
    if (scaleUpWithUnready) for (const p of g.unreadyPods) metrics.set(p, { timestamp: now, windowMs: 0, value: 0 });

    const newUsageRatio = getMetricUsageRatio(metrics, targetUsage).ratio;
    if (Math.abs(1.0 - newUsageRatio) <= this.o.tolerance || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0)) {
      return { replicaCount: currentReplicas, usage };
    }
    const newReplicas = Math.ceil(newUsageRatio * metrics.size);
    if ((newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas)) {
      return { replicaCount: currentReplicas, usage };
    }
    return { replicaCount: newReplicas, usage };
  }
}
