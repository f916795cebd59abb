/**
 * The node-pressure part of kubelet's eviction manager: what the node has left (eviction signals),
 * the hard thresholds that say when that is too little, and the node conditions they raise
 * (MemoryPressure, DiskPressure, PIDPressure). Evicting pods is not done here; the conditions are
 * reported on the Node, where the node lifecycle controller taints the node and the scheduler stops
 * placing pods on it.
 */
import fs from 'node:fs';
import { parseQuantity } from '../apimachinery/quantity.js';
import type { Clock } from '../util/clock.js';
import { parseMeminfoWorkingSet } from './stats/proc.js';

/** EvictionSignal is one resource kubelet watches (its names, as in --eviction-hard). */
export type EvictionSignal = 'memory.available' | 'nodefs.available' | 'nodefs.inodesFree' | 'imagefs.available' | 'imagefs.inodesFree' | 'pid.available';

/** PressureCondition is a node condition a met threshold raises. */
export type PressureCondition = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';

/** SIGNAL_TO_NODE_CONDITION maps each signal to the condition it raises (kubelet's signalToNodeCondition). */
export const SIGNAL_TO_NODE_CONDITION: Record<EvictionSignal, PressureCondition> = {
  'memory.available': 'MemoryPressure',
  'nodefs.available': 'DiskPressure',
  'nodefs.inodesFree': 'DiskPressure',
  'imagefs.available': 'DiskPressure',
  'imagefs.inodesFree': 'DiskPressure',
  'pid.available': 'PIDPressure',
};

/** Observation is what is left of a resource and how much there is in all (bytes, inodes or PIDs). */
export interface Observation { available: number; capacity: number }

/** Observations are the signals read at one moment; a signal that could not be read is absent. */
export type Observations = Partial<Record<EvictionSignal, Observation>>;

/** Threshold is one eviction threshold: met when available < quantity, or < percentage × capacity. */
export interface Threshold { signal: EvictionSignal; quantity?: number; percentage?: number }

/** DEFAULT_EVICTION_HARD is kubelet's --eviction-hard default on Linux (1.32); no PID threshold by default. */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = {
  'memory.available': '100Mi',
  'nodefs.available': '10%',
  'nodefs.inodesFree': '5%',
  'imagefs.available': '15%',
  'imagefs.inodesFree': '5%',
};

/** DEFAULT_PRESSURE_TRANSITION_PERIOD_MS is --eviction-pressure-transition-period (5 minutes). */
export const DEFAULT_PRESSURE_TRANSITION_PERIOD_MS = 5 * 60_000;

/**
 * parseThresholds reads an --eviction-hard map (`memory.available: 100Mi`, `nodefs.available: 10%`)
 * as kubelet's parseThresholdStatements does; an unknown signal or a bad value throws.
 */
export function parseThresholds(spec: Readonly<Record<string, string>>): Threshold[] {
  const out: Threshold[] = [];
  for (const [signal, value] of Object.entries(spec)) {
    if (!(signal in SIGNAL_TO_NODE_CONDITION)) throw new Error(`unsupported eviction signal ${signal}`);
    const s = signal as EvictionSignal;
    if (value.endsWith('%')) {
      const pct = Number(value.slice(0, -1));
      if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw new Error(`invalid percentage ${value} for ${signal}`);
      // 0% is "no threshold", as kubelet drops it
      if (pct > 0) out.push({ signal: s, percentage: pct / 100 });
    } else {
      const q = parseQuantity(value);
      if (q < 0) throw new Error(`eviction threshold ${signal} must be positive: ${value}`);
      if (q > 0) out.push({ signal: s, quantity: q });
    }
  }
  return out;
}

/** thresholdQuantity is the amount below which a threshold is met, for this observation's capacity. */
export function thresholdQuantity(t: Threshold, capacity: number): number {
  return t.quantity ?? Math.ceil((t.percentage ?? 0) * capacity);
}

/** thresholdsMet returns the thresholds whose signal is observed below them (kubelet's thresholdsMet). */
export function thresholdsMet(thresholds: Threshold[], observations: Observations): Threshold[] {
  return thresholds.filter((t) => {
    const o = observations[t.signal];
    return o !== undefined && o.available < thresholdQuantity(t, o.capacity);
  });
}

/** PressureTrackerOptions: the thresholds (default DEFAULT_EVICTION_HARD) and the transition period. */
export interface PressureTrackerOptions {
  thresholds?: Threshold[];
  transitionPeriodMs?: number;
}

/**
 * PressureTracker turns observations into the node's pressure conditions. A condition, once raised,
 * stays for the transition period after its threshold was last met (kubelet's
 * nodeConditionsObservedSince), so a node hovering around a threshold does not flap.
 */
export class PressureTracker {
  private readonly thresholds: Threshold[];
  private readonly transitionPeriodMs: number;
  private readonly lastObservedAt = new Map<PressureCondition, number>();

  constructor(private readonly clock: Clock, o: PressureTrackerOptions = {}) {
    this.thresholds = o.thresholds ?? parseThresholds(DEFAULT_EVICTION_HARD);
    this.transitionPeriodMs = o.transitionPeriodMs ?? DEFAULT_PRESSURE_TRANSITION_PERIOD_MS;
  }

  /** observe records one set of observations and returns the conditions the node is under now. */
  observe(observations: Observations): Set<PressureCondition> {
    const now = this.clock.now().getTime();
    for (const t of thresholdsMet(this.thresholds, observations)) this.lastObservedAt.set(SIGNAL_TO_NODE_CONDITION[t.signal], now);
    const out = new Set<PressureCondition>();
    for (const [cond, at] of this.lastObservedAt) {
      if (now - at < this.transitionPeriodMs) out.add(cond);
      else this.lastObservedAt.delete(cond);
    }
    return out;
  }
}

/** HostSources are where observeHost reads; tests point them at files of their own. */
export interface HostSources {
  meminfo?: string;
  pidMax?: string;
  threadsMax?: string;
  loadavg?: string;
}

/**
 * observeHost reads the signals of the machine the agent runs on: memory.available is MemTotal
 * minus the working set (/proc/meminfo); nodefs and imagefs are the filesystem of the agent's root
 * dir (tskube keeps images and containers there too); pid.available is the PID limit (pid_max or
 * threads-max, the smaller) minus the tasks running (/proc/loadavg). What cannot be read is left out.
 */
export function observeHost(rootDir: string, src: HostSources = {}): Observations {
  const out: Observations = {};
  const meminfo = readText(src.meminfo ?? '/proc/meminfo');
  if (meminfo !== undefined) {
    const total = /^MemTotal:\s+(\d+)/m.exec(meminfo);
    const workingSet = parseMeminfoWorkingSet(meminfo);
    if (total && workingSet !== undefined) {
      const capacity = Number(total[1]) * 1024;
      out['memory.available'] = { available: Math.max(0, capacity - workingSet), capacity };
    }
  }
  try {
    const s = fs.statfsSync(rootDir);
    const bytes = { available: s.bavail * s.bsize, capacity: s.blocks * s.bsize };
    out['nodefs.available'] = bytes;
    out['imagefs.available'] = bytes;
    // Filesystems without inode accounting (btrfs, some overlays) report 0 inodes: no signal.
    if (s.files > 0) {
      const inodes = { available: s.ffree, capacity: s.files };
      out['nodefs.inodesFree'] = inodes;
      out['imagefs.inodesFree'] = inodes;
    }
  } catch { /* root dir not there yet */ }
  const limits = [readText(src.pidMax ?? '/proc/sys/kernel/pid_max'), readText(src.threadsMax ?? '/proc/sys/kernel/threads-max')]
    .map((t) => Number(t?.trim())).filter((n) => Number.isFinite(n) && n > 0);
  const running = /^\S+\s+\S+\s+\S+\s+\d+\/(\d+)/.exec(readText(src.loadavg ?? '/proc/loadavg') ?? '');
  if (limits.length && running) {
    const capacity = Math.min(...limits);
    out['pid.available'] = { available: Math.max(0, capacity - Number(running[1])), capacity };
  }
  return out;
}

function readText(p: string): string | undefined {
  try { return fs.readFileSync(p, 'utf8'); } catch { return undefined; }
}
