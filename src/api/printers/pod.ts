import type { KubeObject, TablePrinter } from '../resource.js';
import { AGE, NAME, col, get } from './columns.js';
import { ageOf, humanDuration } from './duration.js';

interface ContainerStatus {
  name: string; ready?: boolean; restartCount?: number; started?: boolean;
  state?: { waiting?: { reason?: string }; running?: object; terminated?: { exitCode?: number; signal?: number; reason?: string; finishedAt?: string } };
  lastState?: { terminated?: { finishedAt?: string } };
}

/** podStatusCells computes READY, STATUS and RESTARTS as kubectl's pod printer does. */
export function podStatusCells(pod: KubeObject, now: Date): { ready: string; reason: string; restarts: string } {
  const spec = get(pod, 'spec') ?? {};
  const status = get(pod, 'status') ?? {};
  let readyContainers = 0;
  let restarts = 0;
  let lastRestart = 0;
  let reason: string = status.reason || status.phase || '';
  const conditions: { type: string; status: string; reason?: string }[] = status.conditions ?? [];
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';
  const noteRestart = (c: ContainerStatus) => {
    const f = c.lastState?.terminated?.finishedAt;
    if (f) lastRestart = Math.max(lastRestart, new Date(f).getTime());
  };
  const initStatuses: ContainerStatus[] = status.initContainerStatuses ?? [];
  const initCount = (spec.initContainers ?? []).length;
  // Sidecars (restartable init containers) count among the pod's containers, and once started
  // they are not "initializing": their readiness and restarts show as the app containers' do.
  const sidecars = new Set<string>(((spec.initContainers ?? []) as { name: string; restartPolicy?: string }[]).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const totalContainers = (spec.containers ?? []).length + sidecars.size;
  let sidecarRestarts = 0;
  let sidecarLastRestart = 0;
  let initializing = false;
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount ?? 0;
    noteRestart(c);
    if (sidecars.has(c.name)) {
      sidecarRestarts += c.restartCount ?? 0;
      const f = c.lastState?.terminated?.finishedAt;
      if (f) sidecarLastRestart = Math.max(sidecarLastRestart, new Date(f).getTime());
      if (c.started) {
        if (c.ready) readyContainers++;
        continue;
      }
    }
    const t = c.state?.terminated;
    const w = c.state?.waiting;
    if (t && t.exitCode === 0) continue;
    if (t) {
      reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    } else if (w?.reason && w.reason !== 'PodInitializing') {
      reason = `Init:${w.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }
  const initializedTrue = conditions.some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = sidecarRestarts;
    lastRestart = sidecarLastRestart;
    let hasRunning = false;
    const statuses: ContainerStatus[] = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      noteRestart(c);
      const w = c.state?.waiting;
      const t = c.state?.terminated;
      if (w?.reason) reason = w.reason;
      else if (t?.reason) reason = t.reason;
      else if (t) reason = t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
      else if (c.ready && c.state?.running) { hasRunning = true; readyContainers++; }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  const deleting = !!get(pod, 'metadata', 'deletionTimestamp');
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart) restartsCell = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  return { ready: `${readyContainers}/${totalContainers}`, reason, restarts: restartsCell };
}

/** podPrinter: NAME READY STATUS RESTARTS AGE; wide: IP NODE NOMINATED NODE READINESS GATES. */
export const podPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    col('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    col('Node', 'NodeName is a request to schedule this pod onto a specific node.', 1),
    col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  cells(pod, now) {
    const s = podStatusCells(pod, now);
    const status = get(pod, 'status') ?? {};
    const gates: { conditionType: string }[] = get(pod, 'spec', 'readinessGates') ?? [];
    let gatesCell = '<none>';
    if (gates.length) {
      const conds: { type: string; status: string }[] = status.conditions ?? [];
      const ok = gates.filter((g) => conds.find((c) => c.type === g.conditionType)?.status === 'True').length;
      gatesCell = `${ok}/${gates.length}`;
    }
    return [
      get(pod, 'metadata', 'name'), s.ready, s.reason, s.restarts, ageOf(get(pod, 'metadata', 'creationTimestamp'), now),
      status.podIPs?.[0]?.ip || status.podIP || '<none>',
      get(pod, 'spec', 'nodeName') || '<none>',
      status.nominatedNodeName || '<none>',
      gatesCell,
    ];
  },
};
