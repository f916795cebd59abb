/** Test helpers for the HPA controller: a fake metrics source and pod builders. */
import type { Clock } from '../../util/clock.js';
import type { MetricsClient, PodMetricsInfo } from './metrics-client.js';
import type { Pod } from './types.js';

/**
 * FakeMetricsClient answers getResourceMetric from a table of per-pod usage (milli-units per
 * resource, or per container), measured now over a 60 s window; `error` makes every call fail.
 */
export class FakeMetricsClient implements MetricsClient {
  /** pod name → resource → milli-value */
  readonly usage = new Map<string, Record<string, number>>();
  /** pod name → container → resource → milli-value (for container metrics) */
  readonly containerUsage = new Map<string, Record<string, Record<string, number>>>();
  error?: Error;
  windowMs = 60_000;
  /** calls made: resource, namespace, selector, container */
  readonly calls: string[] = [];

  constructor(private readonly clock: Clock) {}

  async getResourceMetric(resource: string, namespace: string, selector: string, container: string): Promise<{ metrics: PodMetricsInfo; timestamp: Date }> {
    this.calls.push([resource, namespace, selector, container].join(' '));
    if (this.error) throw this.error;
    const timestamp = this.clock.now();
    const metrics: PodMetricsInfo = new Map();
    if (container) {
      for (const [pod, byContainer] of this.containerUsage) {
        const v = byContainer[container]?.[resource];
        if (v !== undefined) metrics.set(pod, { timestamp, windowMs: this.windowMs, value: v });
      }
    } else {
      for (const [pod, r] of this.usage) if (r[resource] !== undefined) metrics.set(pod, { timestamp, windowMs: this.windowMs, value: r[resource] });
    }
    if (metrics.size === 0) throw new Error('no metrics returned from resource metrics API');
    return { metrics, timestamp };
  }
}

/** PodOptions shape a test pod. */
export interface PodOptions {
  labels?: Record<string, string>;
  requests?: Record<string, string>;
  phase?: string;
  ready?: boolean;
  /** when the pod started (default 10 min before now) */
  startTime?: Date;
  /** when Ready last changed (default = startTime) */
  readySince?: Date;
  deleting?: boolean;
  containers?: { name: string; requests?: Record<string, string> }[];
}

/** testPod builds a Running, Ready pod with one container requesting 1 cpu unless told otherwise. */
export function testPod(name: string, now: Date, o: PodOptions = {}): Pod {
  const start = o.startTime ?? new Date(now.getTime() - 10 * 60_000);
  const iso = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');
  const containers = o.containers ?? [{ name: 'c', requests: o.requests ?? { cpu: '1' } }];
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', labels: o.labels ?? { app: 'web' }, ...(o.deleting ? { deletionTimestamp: iso(now) } : {}) },
    spec: { containers: containers.map((c) => ({ name: c.name, image: 'busybox', resources: c.requests ? { requests: c.requests } : {} })) },
    status: {
      phase: o.phase ?? 'Running',
      startTime: iso(start),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: iso(o.readySince ?? start) }],
    },
  };
}
