/**
 * One node agent's own /metrics, as a kubelet's: its node name, the pods and containers its
 * runtime holds (counted at scrape time) and its pods' start durations. Each agent has its own
 * registry, so in `tskube up` a node's /metrics shows that node and not the whole process (the
 * API server's /metrics still shows the process-wide series). /metrics/probes is a registry of its
 * own, as the kubelet's: prober_probe_total of the probes run on this node's containers.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ContainerInfo, ContainerPhase, Runtime } from '../../runtime/types.js';
import { onProbeAttempt, type ProbeAttempt } from '../prober/worker.js';
import { POD_START_BUCKETS } from '../metrics.js';
import { gatherText } from '../../util/metrics/legacy-registry.js';

const CONTAINER_STATES: readonly ContainerPhase[] = ['created', 'running', 'exited'];

/** the kubelet's probe_type label values */
const PROBE_TYPES: Record<ProbeAttempt['kind'], string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/** KubeletMetrics is one agent's registry. */
export class KubeletMetrics {
  readonly registry = new Registry();
  /** kubelet_pod_start_duration_seconds of this agent's pods */
  readonly podStartDuration: Histogram;
  /** /metrics/probes */
  readonly probes = new Registry();
  private readonly probeTotal: Counter;
  /** the pod of each container a probe ran on (undefined: not this agent's runtime's) */
  private readonly containers = new Map<string, Promise<ContainerInfo['config'] | undefined>>();
  private readonly stopProbes: () => void;

  constructor(nodeName: string, private readonly runtime: Pick<Runtime, 'listPodSandbox' | 'listContainers'>) {
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
    this.probeTotal = new Counter({
      name: 'prober_probe_total', help: '[BETA] Cumulative number of a liveness, readiness or startup probe for a container by result.',
      labelNames: ['container', 'namespace', 'pod', 'pod_uid', 'probe_type', 'result'], registers: [this.probes],
    });
    this.stopProbes = onProbeAttempt((a) => { void this.countProbe(a); });
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

  /** probesText is /metrics/probes. */
  probesText(): Promise<string> {
    return gatherText(this.probes);
  }

  /** close stops counting probe runs. */
  close(): void {
    this.stopProbes();
  }

  /** countProbe counts a run if it was on one of this agent's containers (every agent of the process hears every run). */
  private async countProbe(a: ProbeAttempt): Promise<void> {
    let pod = this.containers.get(a.containerId);
    if (!pod) {
      pod = this.runtime.listContainers({ id: a.containerId }).then((cs) => cs.find((c) => c.id === a.containerId)?.config, () => undefined);
      this.containers.set(a.containerId, pod);
      // forget containers that are gone, so the map does not grow with every restart
      if (this.containers.size > 4096) this.containers.delete(this.containers.keys().next().value!);
    }
    const c = await pod;
    if (!c) return;
    // label keys in alphabetical order, as client_golang prints them
    this.probeTotal.inc({ container: c.name, namespace: c.podNamespace, pod: c.podName, pod_uid: c.podUid, probe_type: PROBE_TYPES[a.kind], result: a.result });
  }
}
