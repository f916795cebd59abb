/**
 * Reading a container's usage from its cgroup, as cAdvisor does for the kubelet: cumulative CPU
 * time (cgroup v2 cpu.stat usage_usec, v1 cpuacct.usage) and the working set (memory usage minus
 * inactive file pages). Used when the runtime gave the container a cgroup of its own.
 */
import fs from 'node:fs';
import path from 'node:path';

/** CgroupMembership is where a process sits: the unified (v2) path and the v1 hierarchies by controller. */
export interface CgroupMembership {
  unified?: string;
  v1: Record<string, string>;
}

/** parseProcCgroup reads /proc/<pid>/cgroup ("0::/path" for v2, "N:cpu,cpuacct:/path" for v1). */
export function parseProcCgroup(text: string): CgroupMembership {
  const out: CgroupMembership = { v1: {} };
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') out.unified = m[3];
    else for (const c of m[2].split(',')) if (c) out.v1[c] = m[3];
  }
  return out;
}

/** readCgroupMembership reads a process's cgroups (undefined if it is gone). */
export function readCgroupMembership(pid: number | 'self', procRoot = '/proc'): CgroupMembership | undefined {
  try { return parseProcCgroup(fs.readFileSync(path.join(procRoot, String(pid), 'cgroup'), 'utf8')); } catch { return undefined; }
}

/** CgroupUsage is one reading of a cgroup. */
export interface CgroupUsage {
  /** cumulative CPU time in seconds */
  cpuSeconds: number;
  /** working set in bytes */
  workingSetBytes: number;
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch { return undefined; }
}

function statField(file: string, key: string): number | undefined {
  try {
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(fs.readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch { return undefined; }
}

/**
 * cgroupKey names the cgroup that accounts a membership's CPU and memory (v2 path, else the v1
 * cpuacct and memory paths): two processes with the same key are accounted together.
 */
export function cgroupKey(m: CgroupMembership): string | undefined {
  // On a hybrid host CPU and memory are accounted in the v1 hierarchies, the unified one only tracks processes.
  const cpu = m.v1.cpuacct;
  const mem = m.v1.memory;
  if (cpu !== undefined && mem !== undefined) return `v1:${cpu}|${mem}`;
  return m.unified !== undefined ? `v2:${m.unified}` : undefined;
}

/**
 * readCgroupUsage reads the CPU time and working set of the cgroup a membership names, under the
 * cgroup filesystem root (/sys/fs/cgroup); undefined when its files are not there.
 */
export function readCgroupUsage(m: CgroupMembership, root = '/sys/fs/cgroup'): CgroupUsage | undefined {
  const key = cgroupKey(m);
  if (!key) return undefined;
  if (key.startsWith('v2:')) {
    // A hybrid host mounts the unified hierarchy at root/unified, a pure v2 host at root itself.
    const base = fs.existsSync(path.join(root, 'cgroup.controllers')) ? root : path.join(root, 'unified');
    const dir = path.join(base, m.unified!);
    const usec = statField(path.join(dir, 'cpu.stat'), 'usage_usec');
    const current = readNumber(path.join(dir, 'memory.current'));
    if (usec === undefined || current === undefined) return undefined;
    const inactive = statField(path.join(dir, 'memory.stat'), 'inactive_file') ?? 0;
    return { cpuSeconds: usec / 1e6, workingSetBytes: Math.max(0, current - inactive) };
  }
  const ns = readNumber(path.join(root, 'cpuacct', m.v1.cpuacct, 'cpuacct.usage'));
  const usage = readNumber(path.join(root, 'memory', m.v1.memory, 'memory.usage_in_bytes'));
  if (ns === undefined || usage === undefined) return undefined;
  const inactive = statField(path.join(root, 'memory', m.v1.memory, 'memory.stat'), 'total_inactive_file') ?? 0;
  return { cpuSeconds: ns / 1e9, workingSetBytes: Math.max(0, usage - inactive) };
}

/** CgroupMemory is the rest of a cgroup's memory accounting, as cAdvisor reports it to the Summary API. */
export interface CgroupMemory {
  /** everything charged to the cgroup, page cache included */
  usageBytes: number;
  /** anonymous memory and swap cache (cAdvisor's rss) */
  rssBytes: number;
  pageFaults: number;
  majorPageFaults: number;
}

/** readCgroupMemory reads usage, rss and page faults of the cgroup a membership names; undefined when its files are not there. */
export function readCgroupMemory(m: CgroupMembership, root = '/sys/fs/cgroup'): CgroupMemory | undefined {
  const key = cgroupKey(m);
  if (!key) return undefined;
  if (key.startsWith('v2:')) {
    const base = fs.existsSync(path.join(root, 'cgroup.controllers')) ? root : path.join(root, 'unified');
    const dir = path.join(base, m.unified!);
    const usage = readNumber(path.join(dir, 'memory.current'));
    if (usage === undefined) return undefined;
    const stat = path.join(dir, 'memory.stat');
    return { usageBytes: usage, rssBytes: statField(stat, 'anon') ?? 0, pageFaults: statField(stat, 'pgfault') ?? 0, majorPageFaults: statField(stat, 'pgmajfault') ?? 0 };
  }
  const dir = path.join(root, 'memory', m.v1.memory);
  const usage = readNumber(path.join(dir, 'memory.usage_in_bytes'));
  if (usage === undefined) return undefined;
  const stat = path.join(dir, 'memory.stat');
  return { usageBytes: usage, rssBytes: statField(stat, 'total_rss') ?? 0, pageFaults: statField(stat, 'total_pgfault') ?? 0, majorPageFaults: statField(stat, 'total_pgmajfault') ?? 0 };
}

/** readCgroupProcessCount is the number of processes in the cgroup a membership names (its cgroup.procs); undefined when it is not there. */
export function readCgroupProcessCount(m: CgroupMembership, root = '/sys/fs/cgroup'): number | undefined {
  const key = cgroupKey(m);
  if (!key) return undefined;
  const dir = key.startsWith('v2:')
    ? path.join(fs.existsSync(path.join(root, 'cgroup.controllers')) ? root : path.join(root, 'unified'), m.unified!)
    : path.join(root, 'memory', m.v1.memory);
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter((l) => l.trim()).length;
  } catch { return undefined; }
}
