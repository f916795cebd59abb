/**
 * The node agent's kubelet metrics on the process-wide registry that the API server's /metrics
 * appends: how long pods take to start (creation to all containers running, observed on the
 * watch, as kubelet's pod startup latency tracker measures its SLI) and the pods and containers
 * the runtimes hold, counted at scrape time.
 */
import type { ServerResponse } from 'node:http';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Gauge, Histogram } from 'prom-client';
import type { ContainerPhase, Runtime } from '../runtime/types.js';
import { TEXT_CONTENT_TYPE, gatherText, legacyRegistry, processRegistry } from '../util/metrics/legacy-registry.js';

/** POD_START_BUCKETS are kubelet's pod start duration buckets (seconds). */
export const POD_START_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];

/** podStartDuration is kubelet_pod_start_duration_seconds. */
export const podStartDuration = new Histogram({
  name: 'kubelet_pod_start_duration_seconds',
  help: '[ALPHA] Duration in seconds from pod creation to all of its containers started, as observed via watch',
  buckets: POD_START_BUCKETS,
  registers: [legacyRegistry],
});

// The runtimes of the agents running in this process, with how many agents use each.
const runtimes = new Map<Runtime, number>();

/** runningPods is kubelet_running_pods: pods with a ready sandbox. */
export const runningPods = new Gauge({
  name: 'kubelet_running_pods',
  help: '[ALPHA] Number of pods that have a running pod sandbox',
  registers: [legacyRegistry],
  async collect() {
    let n = 0;
    for (const rt of runtimes.keys()) n += (await rt.listPodSandbox().catch(() => [])).filter((s) => s.state === 'SANDBOX_READY').length;
    this.set(n);
  },
});

const CONTAINER_STATES: readonly ContainerPhase[] = ['created', 'running', 'exited'];

/** runningContainers is kubelet_running_containers{container_state}. */
export const runningContainers = new Gauge({
  name: 'kubelet_running_containers',
  help: '[ALPHA] Number of containers currently running',
  labelNames: ['container_state'],
  registers: [legacyRegistry],
  async collect() {
    const counts = new Map<string, number>(CONTAINER_STATES.map((s) => [s, 0]));
    for (const rt of runtimes.keys()) {
      for (const c of await rt.listContainers().catch(() => [])) counts.set(c.phase, (counts.get(c.phase) ?? 0) + 1);
    }
    for (const [state, n] of counts) this.set({ container_state: state }, n);
  },
});

/** registerRuntimeMetrics counts runtime's pods and containers until the returned function is called. */
export function registerRuntimeMetrics(runtime: Runtime): () => void {
  runtimes.set(runtime, (runtimes.get(runtime) ?? 0) + 1);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const n = (runtimes.get(runtime) ?? 1) - 1;
    if (n > 0) runtimes.set(runtime, n);
    else runtimes.delete(runtime);
  };
}

/** hasPodStarted: every container of the pod reports running with a start time (kubelet's hasPodStartedSLO). */
export function hasPodStarted(pod: Pod): boolean {
  const statuses = pod.status?.containerStatuses ?? [];
  if (!statuses.length || statuses.length < (pod.spec?.containers?.length ?? 0)) return false;
  return statuses.every((cs) => Boolean(cs.state?.running?.startedAt));
}

/**
 * PodStartupLatencyTracker observes kubelet_pod_start_duration_seconds once per pod: the first
 * time the watch shows the pod with all containers started, the time since its creation. As
 * kubelet's tracker, it only follows pods it first saw before they started (a restarted agent
 * does not report the pods it finds running).
 */
export class PodStartupLatencyTracker {
  /** pods by uid: true once observed (or found already started), false while being followed */
  private readonly pods = new Map<string, boolean>();

  constructor(private readonly histogram: { observe(seconds: number): void } = podStartDuration) {}

  /** observedPodOnWatch looks at a pod as the watch delivered it, at `now`. */
  observedPodOnWatch(pod: Pod, now: Date): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const done = this.pods.get(uid);
    if (done) return;
    const started = hasPodStarted(pod);
    this.pods.set(uid, started);
    if (!started || done === undefined) return;
    const created = Date.parse(pod.metadata?.creationTimestamp ?? '');
    if (!Number.isNaN(created)) this.histogram.observe(Math.max(0, (now.getTime() - created) / 1000));
  }

  /** deletePodStartupState forgets a pod that is gone. */
  deletePodStartupState(uid: string): void {
    this.pods.delete(uid);
  }
}

/**
 * serveMetrics answers GET /metrics with the process registry in the text format (an agent server
 * given no registry of its own; agents have one, see server/kubelet-metrics.ts).
 */
export async function serveMetrics(res: ServerResponse): Promise<void> {
  const body = await gatherText(await processRegistry());
  res.writeHead(200, { 'Content-Type': TEXT_CONTENT_TYPE });
  res.end(body);
}
