import type { ContainerPhase, PodSandboxState, Runtime } from '../runtime/types.js';
import type { Clock } from '../util/clock.js';
import { log } from '../util/log.js';

/** RELIST_PERIOD_MS is the kubelet's genericPlegRelistPeriod. */
export const RELIST_PERIOD_MS = 1000;

/** PodLifecycleEventType is what changed for one container (or sandbox) of a pod, in the kubelet's words. */
export type PodLifecycleEventType = 'ContainerStarted' | 'ContainerDied' | 'ContainerRemoved' | 'ContainerChanged';

/** PodLifecycleEvent is one PLEG event: the pod, what happened, and to which container or sandbox. */
export interface PodLifecycleEvent {
  podUid: string;
  type: PodLifecycleEventType;
  /** container id, or sandbox id when sandbox is true */
  id: string;
  sandbox: boolean;
}

/** PlegState is the kubelet's plegContainerState: created counts as unknown, as upstream converts it. */
export type PlegState = 'running' | 'exited' | 'unknown' | 'non-existent';

/** Snapshot is one relist: per pod, the state of each of its containers and sandboxes by id. */
export type Snapshot = Map<string, Map<string, { state: PlegState; sandbox: boolean }>>;

/** containerPlegState maps a runtime container phase to the PLEG's state. */
export function containerPlegState(phase: ContainerPhase): PlegState {
  return phase === 'running' ? 'running' : phase === 'exited' ? 'exited' : 'unknown';
}

/** sandboxPlegState: a ready sandbox counts as running, a not-ready one as exited (the kubelet treats sandboxes as containers here). */
export function sandboxPlegState(state: PodSandboxState): PlegState {
  return state === 'SANDBOX_READY' ? 'running' : 'exited';
}

/** generateEvents is the kubelet's generateEvents: the events that take one id from oldState to newState. */
export function generateEvents(podUid: string, id: string, sandbox: boolean, oldState: PlegState, newState: PlegState): PodLifecycleEvent[] {
  if (newState === oldState) return [];
  const ev = (type: PodLifecycleEventType): PodLifecycleEvent => ({ podUid, type, id, sandbox });
  switch (newState) {
    case 'running': return [ev('ContainerStarted')];
    case 'exited': return [ev('ContainerDied')];
    case 'unknown': return [ev('ContainerChanged')];
    case 'non-existent':
      // An exit already reported needs only the removal; one never seen exiting gets both.
      return oldState === 'exited' ? [ev('ContainerRemoved')] : [ev('ContainerDied'), ev('ContainerRemoved')];
  }
}

/** diffSnapshots compares two relists and returns the events, pod by pod. */
export function diffSnapshots(old: Snapshot, cur: Snapshot): PodLifecycleEvent[] {
  const out: PodLifecycleEvent[] = [];
  for (const uid of new Set([...old.keys(), ...cur.keys()])) {
    const o = old.get(uid) ?? new Map();
    const c = cur.get(uid) ?? new Map();
    for (const id of new Set([...o.keys(), ...c.keys()])) {
      const before = o.get(id);
      const after = c.get(id);
      out.push(...generateEvents(uid, id, (after ?? before)!.sandbox, before?.state ?? 'non-existent', after?.state ?? 'non-existent'));
    }
  }
  return out;
}

/** PLEGOptions configure the generic PLEG. */
export interface PLEGOptions {
  runtime: Runtime;
  clock: Clock;
  /** relist period (default 1 s) */
  relistPeriodMs?: number;
  onEvent(e: PodLifecycleEvent): void;
}

/**
 * GenericPLEG is the kubelet's pod lifecycle event generator: it relists the runtime's containers
 * and sandboxes every relistPeriodMs and turns the differences into events (a container started,
 * died, was removed; a sandbox died). It is level-triggered, so it works for any runtime, in this
 * process or another; when the runtime offers an event stream (the CRI's GetContainerEvents), an
 * event only makes the next relist happen now, as the evented PLEG falls back on relisting.
 */
export class GenericPLEG {
  private snapshot: Snapshot = new Map();
  private relisting?: Promise<void>;
  private again = false;
  private lastRelist?: Date;
  private readonly logger = log.child({ component: 'pleg' });

  constructor(private readonly o: PLEGOptions) {}

  /** relist lists the runtime once and emits the events; concurrent calls coalesce into one more relist. */
  relist(): Promise<void> {
    if (this.relisting) { this.again = true; return this.relisting; }
    this.relisting = (async () => {
      try {
        do {
          this.again = false;
          await this.relistOnce();
        } while (this.again);
      } finally {
        this.relisting = undefined;
      }
    })();
    return this.relisting;
  }

  /** healthy: a relist completed within the last 3 minutes (the kubelet's relistThreshold). */
  healthy(): boolean {
    return !!this.lastRelist && this.o.clock.now().getTime() - this.lastRelist.getTime() < 3 * 60_000;
  }

  /** run relists every period until signal aborts; runtime events make a relist happen at once. */
  async run(signal: AbortSignal): Promise<void> {
    // A pod's start is several runtime events (sandbox, container created, started): the ones of
    // one turn of the event loop make one relist, not one scheduled callback each.
    let scheduled = false;
    const off = this.o.runtime.getContainerEvents?.(() => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        if (!signal.aborted) void this.relist().catch(() => undefined);
      });
    });
    try {
      while (!signal.aborted) {
        await this.relist().catch((e: unknown) => this.logger.error(e, 'GenericPLEG: Unable to retrieve pods'));
        await this.o.clock.sleep(this.o.relistPeriodMs ?? RELIST_PERIOD_MS, signal).catch(() => undefined);
      }
    } finally {
      off?.();
    }
  }

  private async relistOnce(): Promise<void> {
    const [containers, sandboxes] = await Promise.all([this.o.runtime.listContainers(), this.o.runtime.listPodSandbox()]);
    const cur: Snapshot = new Map();
    const put = (uid: string, id: string, state: PlegState, sandbox: boolean) => {
      let m = cur.get(uid);
      if (!m) { m = new Map(); cur.set(uid, m); }
      m.set(id, { state, sandbox });
    };
    for (const s of sandboxes) put(s.metadata.uid, s.id, sandboxPlegState(s.state), true);
    for (const c of containers) put(c.config.podUid, c.id, containerPlegState(c.phase), false);
    const events = diffSnapshots(this.snapshot, cur);
    this.snapshot = cur;
    this.lastRelist = this.o.clock.now();
    for (const e of events) {
      try { this.o.onEvent(e); } catch (err) { this.logger.error(err, 'PLEG event handler failed', { pod: e.podUid, event: e.type }); }
    }
  }
}
