/**
 * metrics.k8s.io/v1beta1 as metrics-server serves it: NodeMetrics and PodMetrics (get and list
 * only, no storage), their JSON shapes and their Table columns.
 */
import { defineResource } from '../../api/common/define.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../../api/resource.js';
import { formatNanos, parseQuantityExact } from '../../apimachinery/quantity.js';
import { goDuration } from '../../util/go-duration.js';
import { rfc3339 } from '../../apimachinery/time.js';
import type { NodeUsage, PodUsage } from './storage.js';

/** METRICS_GROUP and METRICS_VERSION name the resource metrics API. */
export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;


/** cpuQuantity is a CPU usage in nanocores as a quantity ("12345678n", "12m", "1"). */
export function cpuQuantity(nanoCores: number): string {
  return formatNanos(BigInt(Math.max(0, Math.floor(nanoCores))), 'DecimalSI');
}

/** memoryQuantity is a working set in bytes as a binary quantity ("5128Ki", "13Mi", "1000"). */
export function memoryQuantity(bytes: number): string {
  return formatNanos(BigInt(Math.max(0, Math.floor(bytes))) * 1_000_000_000n, 'BinarySI');
}

/** Meta is what the metrics objects carry from their node or pod. */
export interface SourceMeta { name: string; namespace?: string; labels?: Record<string, string> }

/** nodeMetricsObject is a NodeMetrics. */
export function nodeMetricsObject(node: SourceMeta, u: NodeUsage, now: Date): KubeObject {
  return {
    kind: 'NodeMetrics', apiVersion: API_VERSION,
    metadata: { name: node.name, creationTimestamp: rfc3339(now), ...(node.labels ? { labels: node.labels } : {}) },
    timestamp: rfc3339(new Date(u.timestamp)),
    window: goDuration(u.windowMs),
    usage: { cpu: cpuQuantity(u.cpuNanoCores), memory: memoryQuantity(u.memoryBytes) },
  };
}

/** podMetricsObject is a PodMetrics. */
export function podMetricsObject(pod: SourceMeta, u: PodUsage, now: Date): KubeObject {
  return {
    kind: 'PodMetrics', apiVersion: API_VERSION,
    metadata: { name: pod.name, namespace: pod.namespace, creationTimestamp: rfc3339(now), ...(pod.labels ? { labels: pod.labels } : {}) },
    timestamp: rfc3339(new Date(u.timestamp)),
    window: goDuration(u.windowMs),
    containers: u.containers.map((c) => ({ name: c.name, usage: { cpu: cpuQuantity(c.cpuNanoCores), memory: memoryQuantity(c.memoryBytes) } })),
  };
}

interface MetricsLike { usage?: { cpu?: string; memory?: string }; containers?: { usage?: { cpu?: string; memory?: string } }[]; window?: string }

function sum(values: (string | undefined)[], format: 'DecimalSI' | 'BinarySI'): string {
  let nanos = 0n;
  for (const v of values) if (v) nanos += parseQuantityExact(v).nanos;
  return formatNanos(nanos, format);
}

/** metricsTable is metrics-server's Table: Name, cpu, memory, Window (a pod's containers summed). */
function metricsTable(): TablePrinter {
  return {
    columns: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
      { name: 'cpu', type: 'string', format: 'quantity', description: '', priority: 0 },
      { name: 'memory', type: 'string', format: 'quantity', description: '', priority: 0 },
      { name: 'Window', type: 'string', format: 'duration', description: '', priority: 0 },
    ],
    cells: (o: KubeObject) => {
      const m = o as MetricsLike;
      const usages = m.usage ? [m.usage] : (m.containers ?? []).map((c) => c.usage ?? {});
      return [o.metadata?.name ?? '', sum(usages.map((u) => u.cpu), 'DecimalSI'), sum(usages.map((u) => u.memory), 'BinarySI'), m.window ?? ''];
    },
  };
}

function metricsDefinition(kind: string, plural: string, namespaced: boolean): ResourceDefinition {
  return defineResource({
    group: METRICS_GROUP, version: METRICS_VERSION, kind, plural, namespaced,
    // metrics-server's storage names no singular, and serves only get and list
    singular: '', verbs: ['get', 'list'], strategy: {}, table: metricsTable(),
  });
}

/** nodeMetricsResource and podMetricsResource are the metrics.k8s.io resources discovery lists. */
export const nodeMetricsResource: ResourceDefinition = metricsDefinition('NodeMetrics', 'nodes', false);
export const podMetricsResource: ResourceDefinition = metricsDefinition('PodMetrics', 'pods', true);
/** metricsResources are both. */
export const metricsResources: ResourceDefinition[] = [nodeMetricsResource, podMetricsResource];
