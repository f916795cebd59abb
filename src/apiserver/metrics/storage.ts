/**
 * The resource metrics store, as metrics-server keeps it: for every node and container the points
 * of the last two scrapes, from which usage is computed — CPU as the rate of the cumulative counter
 * between the two points (the window), memory as the last working set.
 */

/** MetricsPoint is one measurement of a node or a container (times in ms since the epoch). */
export interface MetricsPoint {
  /** when the node or container started: its cumulative CPU was 0 then */
  startTime: number;
  /** when the point was measured */
  timestamp: number;
  /** cumulative CPU time in core-seconds since startTime */
  cpuSeconds: number;
  /** working set in bytes */
  memoryBytes: number;
}

/** MetricsBatch is one scrape of every node: node points by node name, container points by "namespace/pod" then container name. */
export interface MetricsBatch {
  nodes: Map<string, MetricsPoint>;
  pods: Map<string, Map<string, MetricsPoint>>;
}

/** Usage is what the API reports for a node or container: nanocores over the window, bytes at its end. */
export interface Usage {
  cpuNanoCores: number;
  memoryBytes: number;
  /** the last point's time and the span since the previous one (ms) */
  timestamp: number;
  windowMs: number;
}

/**
 * FRESH_CONTAINER_MIN_RESOLUTION_MS: a container younger than one scrape period but at least this
 * old is measured from its start (its counter was 0 then) instead of waiting for a second scrape;
 * younger than this the rate would be too noisy (metrics-server's freshContainerMinMetricsResolution).
 */
export const FRESH_CONTAINER_MIN_RESOLUTION_MS = 10_000;

/** resourceUsage is the usage between two points of one node or container; an error when the counter went backwards. */
export function resourceUsage(last: MetricsPoint, prev: MetricsPoint): Usage | Error {
  if (last.startTime < prev.startTime) return new Error('unexpected decrease in startTime of node/container');
  if (last.cpuSeconds < prev.cpuSeconds) return new Error('unexpected decrease in cumulative CPU usage value');
  const windowMs = last.timestamp - prev.timestamp;
  if (windowMs <= 0) return new Error('metric points have the same timestamp');
  return {
    cpuNanoCores: Math.floor(((last.cpuSeconds - prev.cpuSeconds) * 1e9) / (windowMs / 1000)),
    memoryBytes: Math.max(0, Math.floor(last.memoryBytes)),
    timestamp: last.timestamp,
    windowMs,
  };
}

/** NodeUsage is a node's usage, named. */
export interface NodeUsage extends Usage { node: string }

/** PodUsage is a pod's containers' usage; its timestamp and window are those of its earliest container point. */
export interface PodUsage {
  namespace: string;
  name: string;
  timestamp: number;
  windowMs: number;
  containers: { name: string; cpuNanoCores: number; memoryBytes: number }[];
}

/** MetricsStorage keeps the last two batches and answers usage queries (metrics-server's nodeStorage and podStorage). */
export class MetricsStorage {
  private lastNodes = new Map<string, MetricsPoint>();
  private prevNodes = new Map<string, MetricsPoint>();
  private lastPods = new Map<string, Map<string, MetricsPoint>>();
  private prevPods = new Map<string, Map<string, MetricsPoint>>();

  /** resolutionMs is the scrape period: containers younger than it get a synthetic first point at their start. */
  constructor(private readonly resolutionMs: number) {}

  /** store takes a new batch: points newer than the stored last one push it to prev; restarted containers start over. */
  store(batch: MetricsBatch): void {
    const lastNodes = new Map<string, MetricsPoint>();
    const prevNodes = new Map<string, MetricsPoint>();
    for (const [node, point] of batch.nodes) {
      lastNodes.set(node, point);
      const last = this.lastNodes.get(node);
      if (!last) continue;
      if (point.timestamp > last.timestamp) prevNodes.set(node, last);
      else {
        const prev = this.prevNodes.get(node);
        if (prev && prev.timestamp < point.timestamp) prevNodes.set(node, prev);
      }
    }
    this.lastNodes = lastNodes;
    this.prevNodes = prevNodes;

    const lastPods = new Map<string, Map<string, MetricsPoint>>();
    const prevPods = new Map<string, Map<string, MetricsPoint>>();
    for (const [pod, containers] of batch.pods) {
      const newLast = new Map<string, MetricsPoint>();
      const newPrev = new Map<string, MetricsPoint>();
      for (const [name, point] of containers) {
        newLast.set(name, point);
        const age = point.timestamp - point.startTime;
        if (age > 0 && age < this.resolutionMs && age >= FRESH_CONTAINER_MIN_RESOLUTION_MS) {
          newPrev.set(name, { ...point, timestamp: point.startTime, cpuSeconds: 0 });
          continue;
        }
        const last = this.lastPods.get(pod)?.get(name);
        // A container that started after the stored point was measured restarted: its counter began again.
        if (!last || !(point.startTime < last.timestamp)) continue;
        if (point.timestamp > last.timestamp) newPrev.set(name, last);
        else {
          const prev = this.prevPods.get(pod)?.get(name);
          if (prev && prev.timestamp < point.timestamp) newPrev.set(name, prev);
        }
      }
      if (newPrev.size > 0) prevPods.set(pod, newPrev);
      lastPods.set(pod, newLast);
    }
    this.lastPods = lastPods;
    this.prevPods = prevPods;
  }

  /** nodeUsage is a node's usage, or undefined while it has fewer than two usable points. */
  nodeUsage(node: string): NodeUsage | undefined {
    const last = this.lastNodes.get(node);
    const prev = this.prevNodes.get(node);
    if (!last || !prev) return undefined;
    const u = resourceUsage(last, prev);
    return u instanceof Error ? undefined : { node, ...u };
  }

  /**
   * podUsage is a pod's usage, or undefined unless every container it was last seen with has two
   * usable points (a half-measured pod would look idle to an autoscaler).
   */
  podUsage(namespace: string, name: string): PodUsage | undefined {
    const key = `${namespace}/${name}`;
    const last = this.lastPods.get(key);
    const prev = this.prevPods.get(key);
    if (!last || !prev) return undefined;
    const containers: PodUsage['containers'] = [];
    let earliest: Usage | undefined;
    for (const [cname, point] of last) {
      const p = prev.get(cname);
      if (!p) return undefined;
      const u = resourceUsage(point, p);
      if (u instanceof Error) continue; // a broken counter skips the container, as metrics-server does
      containers.push({ name: cname, cpuNanoCores: u.cpuNanoCores, memoryBytes: u.memoryBytes });
      if (!earliest || u.timestamp < earliest.timestamp) earliest = u;
    }
    containers.sort((a, b) => a.name.localeCompare(b.name));
    return { namespace, name, timestamp: earliest?.timestamp ?? last.values().next().value!.timestamp, windowMs: earliest?.windowMs ?? 0, containers };
  }
}
