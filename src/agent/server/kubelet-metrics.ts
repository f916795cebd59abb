/**
 * One node agent's own /metrics, as a kubelet's: its node name, the pods and containers its
 * runtime holds (counted at scrape time) and its pods' start durations. Each agent has its own
 * registry, so in `tskube up` a node's /metrics shows that node and not the whole process (the
 * API server's /metrics still shows the process-wide series).
 */
import { Gauge, Histogram, Registry } from 'prom-client';
import type { ContainerPhase, Runtime } from '../../runtime/types.js';
import { POD_START_BUCKETS } from '../metrics.js';
import { gatherText } from '../../util/metrics/legacy-registry.js';

const CONTAINER_STATES: readonly ContainerPhase[] = ['created', 'running', 'exited'];

/** KubeletMetrics is one agent's registry. */
export class KubeletMetrics {
  readonly registry = new Registry();
  /** kubelet_pod_start_duration_seconds of this agent's pods */
  readonly podStartDuration: Histogram;

  constructor(nodeName: string, runtime: Pick<Runtime, 'listPodSandbox' | 'listContainers'>) {
    const registers = [this.registry];
    new Gauge({ name: 'kubelet_node_name', help: "[ALPHA] The node's name. The count is always 1.", labelNames: ['node'], registers }).set({ node: nodeName }, 1);
    this.podStartDuration = new Histogram({
      name: 'kubelet_pod_start_duration_seconds',
      help: '[ALPHA] Duration in seconds from pod creation to all of its containers started, as observed via watch',
      buckets: POD_START_BUCKETS, registers,
    });
    new Gauge({
      name: 'kubelet_running_containers', help: '[ALPHA] Number of containers currently running', labelNames: ['container_state'], registers,
      async collect() {
        const counts = new Map<string, number>(CONTAINER_STATES.map((s) => [s, 0]));
        for (const c of await runtime.listContainers().catch(() => [])) counts.set(c.phase, (counts.get(c.phase) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ container_state: state }, n);
      },
    });
    new Gauge({
      name: 'kubelet_running_pods', help: '[ALPHA] Number of pods that have a running pod sandbox', registers,
      async collect() {
        this.set((await runtime.listPodSandbox().catch(() => [])).filter((s) => s.state === 'SANDBOX_READY').length);
      },
    });
  }

  /** text is the registry in the text format, as client_golang prints it. */
  text(): Promise<string> {
    return gatherText(this.registry);
  }
}
