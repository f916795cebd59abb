import { randomBytes } from 'node:crypto';
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { rfc3339 } from '../../apimachinery/time.js';
import type { Backoff } from '../../util/backoff.js';
import { podConditions, podPhase, shouldRestart, type RestartPolicy } from '../pod-status.js';
import { fullImageName } from '../pod-worker.js';
import { SIMULATED_EXIT_AFTER, SIMULATED_EXIT_CODE, parseSimulatedDuration } from '../../runtime/simulated/simulated-runtime.js';

/** SIMULATED_CONTAINER_SCHEME is the containerID scheme of simulated containers (the SimulatedRuntime's). */
export const SIMULATED_CONTAINER_SCHEME = 'tskube';
/** simulatedImageID is the imageID a simulated container reports (the SimulatedRuntime's resolveImage). */
export const simulatedImageID = (image: string) => `tskube-simulated://${image}`;

type Terminated = NonNullable<ContainerState['terminated']>;

/** one run of a container */
interface Instance { id: string; startedAt: number; imageID: string; exitAt?: number; exitCode: number; exited?: { exitCode: number; reason: string; finishedAt: number } }

/** what the simulation keeps of one container (the PodWorker's CState, without processes) */
interface SimContainer {
  name: string;
  init: boolean;
  restartCount: number;
  current?: Instance;
  lastTerminated?: Terminated;
  waiting?: { reason: string; message?: string };
}

/** Advance is what one step of the simulation asks for: when to look at the pod again. */
export interface Advance { wakeInMs?: number; changed: boolean }

/**
 * SimulatedPod runs one pod's containers on a simulated node, as the PodWorker does over the
 * SimulatedRuntime but without a runtime: containers run at once and keep running; with the
 * tskube.io/simulated-exit-after annotation they exit after that long with tskube.io/simulated-exit-code
 * (then restartPolicy applies, with the kubelet's crash-loop back-off); init containers without it
 * complete at once (exit 0), as KWOK's default stages do; activeDeadlineSeconds fails the pod;
 * deletion stops the containers (exit 0, as a well-behaved process). Time comes in as `now` (ms), so
 * the engine decides when to advance it and tests can drive it.
 */
export class SimulatedPod {
  private readonly containers = new Map<string, SimContainer>();
  private startTime?: number;
  private initialized = false;
  private initFailed = false;
  private terminal?: 'Succeeded' | 'Failed';
  private terminalReason?: { reason: string; message: string };
  /** the pod's addresses (the node's address for host-network pods or before the node has a podCIDR) */
  podIPs: string[] = [];
  /** the conditions last written: their transition times carry over (the informer's copy may lag behind our write) */
  lastConditions?: PodCondition[];
  /** the status last written, as JSON (a third of an object's size): one transition is one write */
  lastWrittenJson = '';
  /** the pod's addresses went back to its node (it finished or is being deleted) */
  ipsReleased = false;

  /** uid, namespace/name key and node of the pod; backoff is the engine's crash-loop back-off. */
  constructor(readonly uid: string, readonly key: string, readonly nodeName: string, private readonly backoff: Backoff) {}

  /** isTerminal: the pod Succeeded or Failed (its containers will not run again). */
  get isTerminal(): boolean { return this.terminal !== undefined; }

  /** started: the pod's sandbox was set up (it has a startTime and addresses). */
  get started(): boolean { return this.startTime !== undefined; }

  /** start gives the pod its addresses and startTime (the kubelet's sandbox creation). */
  start(now: number, podIPs: string[]): void {
    this.startTime = now;
    this.podIPs = podIPs;
  }

  /**
   * adopt rebuilds the simulation from a status an earlier engine wrote (tskube up restarted on the
   * same data directory): its containers keep running with their IDs, nothing is written again.
   * False when the status does not describe started containers.
   */
  adopt(pod: Pod): boolean {
    const st = pod.status;
    if (!st?.startTime || !st.containerStatuses?.length) return false;
    const all = [...(st.initContainerStatuses ?? []).map((s) => ({ s, init: true })), ...st.containerStatuses.map((s) => ({ s, init: false }))];
    if (!all.every(({ s }) => s.containerID && (s.state?.running || s.state?.terminated))) return false;
    this.startTime = Date.parse(st.startTime);
    this.podIPs = (st.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip);
    const exit = exitOf(pod);
    for (const { s, init } of all) {
      const c = this.container(s.name, init);
      c.restartCount = s.restartCount ?? 0;
      if (s.lastState?.terminated) c.lastTerminated = s.lastState.terminated;
      const id = (s.containerID ?? '').replace(/^[^:]*:\/\//, '');
      const running = s.state?.running;
      const term = s.state?.terminated;
      const startedAt = Date.parse(running?.startedAt ?? term?.startedAt ?? st.startTime);
      c.current = { id, startedAt, imageID: s.imageID ?? '', exitCode: exit?.code ?? 0, ...(exit && running ? { exitAt: startedAt + exit.afterMs } : {}) };
      if (term) c.current.exited = { exitCode: term.exitCode, reason: term.reason ?? (term.exitCode === 0 ? 'Completed' : 'Error'), finishedAt: Date.parse(term.finishedAt ?? st.startTime) };
    }
    this.initialized = (st.initContainerStatuses ?? []).every((s) => s.state?.terminated?.exitCode === 0);
    if (st.phase === 'Succeeded' || st.phase === 'Failed') this.terminal = st.phase;
    this.lastConditions = st.conditions;
    return true;
  }

  /**
   * advance runs the pod's containers up to now (the PodWorker's sync without a runtime) and says
   * when something will happen next (an exit, the end of a back-off, the active deadline).
   */
  advance(pod: Pod, now: number, onBackOff: (container: string, message: string) => void): Advance {
    let changed = false;
    const wake: number[] = [];
    if (this.terminal) return { changed };
    const spec = pod.spec!;
    const policy = (spec.restartPolicy ?? 'Always') as RestartPolicy;
    const exit = exitOf(pod);
    // Exits due by now happen first (the runtime's timers, in order).
    for (const c of this.containers.values()) {
      const cur = c.current;
      if (cur && !cur.exited && cur.exitAt !== undefined && cur.exitAt <= now) {
        cur.exited = { exitCode: cur.exitCode, reason: cur.exitCode === 0 ? 'Completed' : 'Error', finishedAt: cur.exitAt };
        changed = true;
      }
    }
    const ads = spec.activeDeadlineSeconds;
    if (ads && this.startTime !== undefined) {
      const due = this.startTime + ads * 1000;
      if (now >= due) {
        this.terminal = 'Failed';
        this.terminalReason = { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' };
        this.stopAll(now);
        return { changed: true };
      }
      wake.push(due);
    }
    const run = (c: Container, s: SimContainer): void => {
      // restartWithBackoff: the first restart is at once, later ones wait out the doubling back-off.
      if (s.current?.exited) {
        const key = `${this.uid}/${c.name}`;
        const finished = new Date(s.current.exited.finishedAt);
        if (this.backoff.inBackOffSince(key, finished)) {
          const delay = this.backoff.get(key);
          const podName = `${pod.metadata!.name}_${pod.metadata!.namespace}(${this.uid})`;
          const was = s.waiting?.reason;
          s.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${formatDelay(delay)} restarting failed container=${c.name} pod=${podName}` };
          if (was !== 'CrashLoopBackOff') { changed = true; onBackOff(c.name, `Back-off restarting failed container ${c.name} in pod ${podName}`); }
          wake.push(now + this.backoff.remainingMs(key, finished) + 1);
          return;
        }
        this.backoff.next(key);
        s.lastTerminated = terminatedOf(s.current);
        s.restartCount++;
      }
      s.waiting = undefined;
      const inst: Instance = { id: randomBytes(32).toString('hex'), startedAt: now, imageID: simulatedImageID(c.image ?? ''), exitCode: exit?.code ?? 0 };
      // An init container without an exit time completes at once (KWOK's stages): it has nothing to do.
      if (exit) inst.exitAt = now + exit.afterMs;
      else if (s.init) inst.exited = { exitCode: 0, reason: 'Completed', finishedAt: now };
      s.current = inst;
      changed = true;
    };
    if (!this.initialized) {
      let allDone = true;
      for (const c of spec.initContainers ?? []) {
        const s = this.container(c.name, true);
        if (s.current && !s.current.exited) { allDone = false; break; }
        if (s.current?.exited?.exitCode === 0) continue;
        if (s.current?.exited && policy === 'Never') { this.initFailed = true; this.terminal = 'Failed'; allDone = false; break; }
        run(c, s);
        if (!s.current?.exited || s.current.exited.exitCode !== 0) { allDone = false; break; }
      }
      if (allDone) { this.initialized = true; changed = true; }
    }
    if (this.initialized && !this.terminal) {
      for (const c of spec.containers) {
        const s = this.container(c.name, false);
        if (s.current && !s.current.exited) continue;
        if (s.current?.exited && !shouldRestart(policy, s.current.exited.exitCode)) { s.waiting = undefined; continue; }
        run(c, s);
      }
    }
    for (const c of this.containers.values()) if (c.current && !c.current.exited && c.current.exitAt !== undefined) wake.push(c.current.exitAt);
    if (!this.terminal) {
      const phase = this.phase(pod);
      if (phase === 'Succeeded' || phase === 'Failed') this.terminal = phase;
    }
    const next = wake.length ? Math.min(...wake) : undefined;
    return { changed, ...(next !== undefined && !this.terminal ? { wakeInMs: Math.max(0, next - now) } : {}) };
  }

  /** stopAll stops every running container (deletion, deadline): they exit 0, as the SimulatedRuntime's do. */
  stopAll(now: number): void {
    for (const c of this.containers.values()) {
      if (c.current && !c.current.exited) c.current.exited = { exitCode: 0, reason: 'Completed', finishedAt: now };
      c.waiting = undefined;
    }
  }

  /** status is the pod's status as the kubelet reports it (the PodWorker's buildStatus). */
  status(pod: Pod, now: number, hostIP: string, sandboxReady: boolean): PodStatus {
    const spec = pod.spec!;
    const hasInit = !!spec.initContainers?.length;
    const init = (spec.initContainers ?? []).map((c) => this.containerStatus(c, true, hasInit));
    const app = spec.containers.map((c) => this.containerStatus(c, false, hasInit));
    const phase = this.terminal ?? podPhase((spec.restartPolicy ?? 'Always') as RestartPolicy, init, app, this.initFailed);
    const previous = (this.lastConditions ?? pod.status?.conditions ?? []) as PodCondition[];
    // PodScheduled is the scheduler's: keep the one the API has when ours predates it.
    const scheduled = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
    const prev = scheduled && !previous.some((c) => c.type === 'PodScheduled') ? [...previous, scheduled] : previous;
    const conditions = podConditions({ phase, sandboxReady: sandboxReady && this.started && !this.terminal, init, app, previous: prev, now: rfc3339(new Date(now)) });
    const status: PodStatus = {
      phase, conditions,
      hostIP, hostIPs: [{ ip: hostIP }],
      ...(this.podIPs.length ? { podIP: this.podIPs[0], podIPs: this.podIPs.map((ip) => ({ ip })) } : {}),
      ...(this.startTime !== undefined ? { startTime: rfc3339(new Date(this.startTime)) } : {}),
      ...(init.length ? { initContainerStatuses: init } : {}),
      containerStatuses: app,
    };
    if (pod.status?.qosClass) status.qosClass = pod.status.qosClass;
    if (this.terminalReason) { status.reason = this.terminalReason.reason; status.message = this.terminalReason.message; }
    return status;
  }

  /** forget drops the pod's back-off entries (the pod is gone). */
  forget(): void {
    for (const c of this.containers.values()) this.backoff.forget(`${this.uid}/${c.name}`);
  }

  private phase(pod: Pod): PodStatus['phase'] {
    const spec = pod.spec!;
    const hasInit = !!spec.initContainers?.length;
    const init = (spec.initContainers ?? []).map((c) => this.containerStatus(c, true, hasInit));
    const app = spec.containers.map((c) => this.containerStatus(c, false, hasInit));
    return podPhase((spec.restartPolicy ?? 'Always') as RestartPolicy, init, app, this.initFailed);
  }

  private container(name: string, init: boolean): SimContainer {
    const key = `${init ? 'init' : 'app'}/${name}`;
    let c = this.containers.get(key);
    if (!c) { c = { name, init, restartCount: 0 }; this.containers.set(key, c); }
    return c;
  }

  private containerStatus(c: Container, init: boolean, hasInit: boolean): ContainerStatus {
    const s = this.container(c.name, init);
    const cur = s.current;
    const cs: ContainerStatus = {
      name: c.name, image: fullImageName(c.image ?? ''), imageID: cur?.imageID ?? '',
      ready: false, restartCount: s.restartCount, started: false, state: {}, lastState: {},
    };
    if (s.lastTerminated) cs.lastState = { terminated: s.lastTerminated };
    if (cur) cs.containerID = `${SIMULATED_CONTAINER_SCHEME}://${cur.id}`;
    if (s.waiting && (!cur || cur.exited)) {
      cs.state = { waiting: { reason: s.waiting.reason, ...(s.waiting.message ? { message: s.waiting.message } : {}) } };
      if (cur?.exited) cs.lastState = { terminated: terminatedOf(cur) };
    } else if (cur && !cur.exited) {
      cs.state = { running: { startedAt: rfc3339(new Date(cur.startedAt)) } };
      cs.started = true;
      if (!init) cs.ready = true;
    } else if (cur?.exited) {
      cs.state = { terminated: terminatedOf(cur) };
    } else {
      const reason = init || this.initialized || !hasInit ? 'ContainerCreating' : 'PodInitializing';
      cs.state = { waiting: { reason: init ? 'PodInitializing' : reason } };
    }
    if (init && cur?.exited?.exitCode === 0) cs.ready = true;
    return cs;
  }
}

/** exitOf reads the pod's simulated exit (tskube.io/simulated-exit-after and -code); undefined: its containers run until stopped. */
function exitOf(pod: Pod): { afterMs: number; code: number } | undefined {
  const a = pod.metadata?.annotations ?? {};
  const afterMs = parseSimulatedDuration(a[SIMULATED_EXIT_AFTER]);
  return afterMs === undefined ? undefined : { afterMs, code: Number(a[SIMULATED_EXIT_CODE] ?? 0) || 0 };
}

function terminatedOf(inst: Instance): Terminated {
  const e = inst.exited!;
  return {
    exitCode: e.exitCode, reason: e.reason,
    startedAt: rfc3339(new Date(inst.startedAt)), finishedAt: rfc3339(new Date(e.finishedAt)),
    containerID: `${SIMULATED_CONTAINER_SCHEME}://${inst.id}`,
  };
}

/** formatDelay writes a back-off as the kubelet's CrashLoopBackOff message does (10s, 2m40s, 5m0s). */
function formatDelay(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m}m${s % 60}s` : `${m}m0s`;
}
