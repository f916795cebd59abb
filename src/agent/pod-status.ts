import type { ContainerStatus, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';

/** RestartPolicy is a pod's spec.restartPolicy. */
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** shouldRestart is kubelet's rule for an exited container. */
export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return exitCode !== 0;
  return true;
}

/**
 * podPhase is kubelet's getPhase: Pending while init containers are incomplete or some container
 * waits for its first start; Running while one runs (or will restart); Succeeded when all exited 0
 * and none will restart; Failed when all stopped, one failed, and none will restart. podIsTerminal:
 * the agent stopped the containers for good (a deleted pod's last status).
 */
export function podPhase(policy: RestartPolicy, init: ContainerStatus[], app: ContainerStatus[], initFailedForGood: boolean, podIsTerminal = false, sidecars: ReadonlySet<string> = NO_SIDECARS): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  if (initFailedForGood) return 'Failed';
  const regularInitDone = init.every((s) => sidecars.has(s.name) || s.state?.terminated?.exitCode === 0);
  // A sidecar (restartable init container) is pending until it has started; one that stopped
  // (or waits to restart) does not hold the pod back, and a terminated one is left out.
  const sidecarsPending = init.some((s) => sidecars.has(s.name) && (s.state?.running ? !s.started : !s.state?.terminated && !s.lastState?.terminated));
  if (!regularInitDone || (sidecarsPending && !hasStartedRegularContainer(app))) return 'Pending';
  let running = init.filter((s) => sidecars.has(s.name) && s.state?.running).length;
  let waiting = 0, stopped = 0, succeeded = 0;
  for (const s of app) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    // Containers the agent stopped for good (the pod is being deleted) are not restarted whatever
    // the policy: the pod ends Succeeded or Failed, as getPhase does with podIsTerminal.
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

const NO_SIDECARS: ReadonlySet<string> = new Set();

/** hasStartedRegularContainer is the kubelet's HasAnyRegularContainerStarted: an app container runs or ran. */
function hasStartedRegularContainer(app: ContainerStatus[]): boolean {
  return app.some((s) => s.state?.running || s.state?.terminated);
}

/** PodConditionInput is what the conditions depend on. */
export interface PodConditionInput {
  phase: string;
  sandboxReady: boolean;
  init: ContainerStatus[];
  app: ContainerStatus[];
  previous: PodCondition[];
  now: string;
  /** the names of the restartable init containers (sidecars) */
  sidecars?: ReadonlySet<string>;
  /** spec.readinessGates' condition types: Ready also needs each of them True in the pod's conditions */
  readinessGates?: readonly string[];
}

/** AGENT_CONDITIONS are the pod condition types the node agent owns (podConditions builds them). */
const AGENT_CONDITIONS: ReadonlySet<string> = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady']);

/**
 * statusPatch is the strategic merge patch that writes a pod status the agent built: only the
 * conditions it owns (merged by type, a reason or message they no longer have removed), the order
 * of all of them, and the rest of the status. Conditions others own (PodScheduled, a readiness
 * gate's, DisruptionTarget) are not sent: the agent's copy may be older than what another client
 * just set, which a write of the whole list would undo.
 */
export function statusPatch(status: PodStatus): Record<string, unknown> {
  const { conditions = [], ...rest } = status;
  return {
    ...rest,
    '$setElementOrder/conditions': conditions.map((c) => ({ type: c.type })),
    conditions: conditions.filter((c) => AGENT_CONDITIONS.has(c.type)).map((c) => ({ reason: null, message: null, ...c })),
  };
}

/** unreadyGates says, in the kubelet's words, which readiness gates' conditions are missing or not True. */
function unreadyGates(gates: readonly string[], conditions: ReadonlyMap<string, PodCondition>): string[] {
  return gates.flatMap((type) => {
    const c = conditions.get(type);
    if (!c) return [`corresponding condition of pod readiness gate "${type}" does not exist.`];
    return c.status === 'True' ? [] : [`the status of pod readiness gate "${type}" is not "True", but ${c.status}`];
  });
}

/**
 * podConditions builds PodReadyToStartContainers, Initialized, Ready, ContainersReady (and keeps
 * PodScheduled and any condition the agent does not own) with Kubernetes' reasons and messages;
 * lastTransitionTime moves only when a status flips.
 */
export function podConditions(i: PodConditionInput): PodCondition[] {
  const prev = new Map(i.previous.map((c) => [c.type, c]));
  const make = (type: string, ok: boolean, reason?: string, message?: string): PodCondition => {
    const status = ok ? 'True' : 'False';
    const p = prev.get(type);
    const c: PodCondition = { type, status, lastProbeTime: null as unknown as string, lastTransitionTime: p && p.status === status ? p.lastTransitionTime : i.now };
    if (!ok && reason) { c.reason = reason; c.message = message; }
    return c;
  };
  const terminal = i.phase === 'Succeeded' || i.phase === 'Failed';
  const sidecars = i.sidecars ?? NO_SIDECARS;
  // a sidecar is complete once started; a pod whose app containers started stays Initialized
  const incompleteInit = i.init.filter((s) => (sidecars.has(s.name) ? !s.started : s.state?.terminated?.exitCode !== 0)).map((s) => s.name);
  const initialized = incompleteInit.length === 0 || (terminal && i.phase === 'Succeeded') || hasStartedRegularContainer(i.app);
  // sidecars are among the containers that must be ready (listed first, as the kubelet does)
  const unready = [...i.init.filter((s) => sidecars.has(s.name) && !s.ready), ...i.app.filter((s) => !s.ready)].map((s) => s.name);
  const allReady = unready.length === 0 && i.app.length > 0;
  const out: PodCondition[] = [];
  out.push(make('PodReadyToStartContainers', i.sandboxReady && !terminal));
  const initializedCond = !initialized
    ? make('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: [${incompleteInit.join(' ')}]`)
    : make('Initialized', true);
  // A completed pod is Initialized because it completed (kubelet's GeneratePodInitializedCondition).
  if (initialized && i.phase === 'Succeeded') initializedCond.reason = 'PodCompleted';
  out.push(initializedCond);
  let readyCond: PodCondition;
  let crCond: PodCondition;
  if (terminal && i.phase === 'Succeeded') {
    readyCond = make('Ready', false, 'PodCompleted', '');
    crCond = make('ContainersReady', false, 'PodCompleted', '');
  } else if (!initialized) {
    readyCond = make('Ready', false, 'ContainersNotReady', `containers with unready status: [${i.app.map((s) => s.name).join(' ')}]`);
    crCond = make('ContainersReady', false, 'ContainersNotReady', `containers with unready status: [${i.app.map((s) => s.name).join(' ')}]`);
  } else {
    const msg = `containers with unready status: [${unready.join(' ')}]`;
    const gates = allReady ? unreadyGates(i.readinessGates ?? [], prev) : [];
    readyCond = !allReady ? make('Ready', false, 'ContainersNotReady', msg)
      : gates.length ? make('Ready', false, 'ReadinessGatesNotReady', gates.join(', ')) : make('Ready', true);
    crCond = allReady ? make('ContainersReady', true) : make('ContainersReady', false, 'ContainersNotReady', msg);
  }
  for (const c of [readyCond, crCond]) if (c.message === '') delete c.message;
  out.push(readyCond, crCond);
  const kept = i.previous.filter((c) => !AGENT_CONDITIONS.has(c.type));
  // Kubernetes lists them in this order: PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled
  return [...out, ...kept];
}
