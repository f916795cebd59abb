/**
 * Reading resource usage from /proc, for containers the runtime runs as plain process trees (no
 * cgroup of their own): a container's CPU time is the sum over its processes, its working set the
 * sum of their resident sets; the node's comes from /proc/stat and /proc/meminfo.
 */
import fs from 'node:fs';
import path from 'node:path';

/** ProcessStat is what one /proc/<pid>/stat says about a process. */
export interface ProcessStat {
  pid: number;
  ppid: number;
  pgrp: number;
  /** utime+stime of the process plus cutime+cstime of the children it has reaped, in clock ticks */
  cpuTicks: number;
  /** start time since boot, in clock ticks */
  startTicks: number;
}

/**
 * parseProcessStat reads one /proc/<pid>/stat line. The command name may hold spaces and
 * parentheses, so fields are counted from the last ')'. Returns undefined for a malformed line.
 */
export function parseProcessStat(line: string): ProcessStat | undefined {
  const close = line.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number(line.slice(0, line.indexOf(' ')));
  // After ") " come: state(3) ppid(4) pgrp(5) session(6) tty(7) tpgid(8) flags(9) minflt..cmajflt(10-13)
  // utime(14) stime(15) cutime(16) cstime(17) priority(18) nice(19) threads(20) itreal(21) starttime(22).
  const f = line.slice(close + 2).trim().split(/\s+/);
  if (f.length < 20) return undefined;
  const n = (i: number) => Number(f[i]);
  const st: ProcessStat = { pid, ppid: n(1), pgrp: n(2), cpuTicks: n(11) + n(12) + n(13) + n(14), startTicks: n(19) };
  return Object.values(st).every(Number.isFinite) ? st : undefined;
}

/** readProcessTable reads every process's stat (processes that exit meanwhile are skipped). */
export function readProcessTable(procRoot = '/proc'): Map<number, ProcessStat> {
  const out = new Map<number, ProcessStat>();
  let names: string[];
  try { names = fs.readdirSync(procRoot); } catch { return out; }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const st = parseProcessStat(fs.readFileSync(path.join(procRoot, name, 'stat'), 'utf8'));
      if (st) out.set(st.pid, st);
    } catch { /* gone between readdir and read */ }
  }
  return out;
}

/** childrenIndex maps each pid to its children's pids (build it once per table, for many processTree calls). */
export function childrenIndex(table: ReadonlyMap<number, ProcessStat>): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const p of table.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid); else children.set(p.ppid, [p.pid]);
  }
  return children;
}

/**
 * processTree returns the pids of root and all its descendants, plus every process of root's
 * process group: a runtime that starts a container detached makes it a group leader, so children
 * that were re-parented to init still count.
 */
export function processTree(table: ReadonlyMap<number, ProcessStat>, root: number, children = childrenIndex(table)): number[] {
  if (!table.has(root)) return [];
  const seen = new Set<number>([root]);
  const stack = [root];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      if (!seen.has(c)) { seen.add(c); stack.push(c); }
    }
  }
  for (const p of table.values()) if (p.pgrp === root) seen.add(p.pid);
  return [...seen];
}

/** parseVmRSS reads VmRSS from /proc/<pid>/status in bytes (0 for kernel threads and zombies, which have none). */
export function parseVmRSS(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s*kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** readRSS is a process's resident set in bytes (0 if it is gone). */
export function readRSS(pid: number, procRoot = '/proc'): number {
  try { return parseVmRSS(fs.readFileSync(path.join(procRoot, String(pid), 'status'), 'utf8')); } catch { return 0; }
}

/** HostCPU is the first line of /proc/stat: busy ticks since boot, and the boot time. */
export interface HostCPU { busyTicks: number; bootTimeSeconds: number }

/** parseProcStat reads busy CPU ticks (everything but idle and iowait) and btime from /proc/stat. */
export function parseProcStat(text: string): HostCPU | undefined {
  const cpu = /^cpu\s+(.*)$/m.exec(text);
  if (!cpu) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already part of user)
  const v = cpu[1].trim().split(/\s+/).map(Number);
  const busy = (v[0] ?? 0) + (v[1] ?? 0) + (v[2] ?? 0) + (v[5] ?? 0) + (v[6] ?? 0) + (v[7] ?? 0);
  const btime = /^btime\s+(\d+)/m.exec(text);
  return { busyTicks: busy, bootTimeSeconds: btime ? Number(btime[1]) : 0 };
}

/**
 * parseMeminfoWorkingSet is the node's working set from /proc/meminfo: MemTotal − MemAvailable
 * (memory in use that the kernel could not simply reclaim, as the root cgroup's usage minus
 * inactive file pages is on a kubelet's node).
 */
export function parseMeminfoWorkingSet(text: string): number | undefined {
  const kb = (k: string) => { const m = new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text); return m ? Number(m[1]) * 1024 : undefined; };
  const total = kb('MemTotal');
  const avail = kb('MemAvailable') ?? kb('MemFree');
  return total === undefined || avail === undefined ? undefined : Math.max(0, total - avail);
}

/**
 * clockTicksPerSecond is the kernel's USER_HZ, the unit of /proc's CPU times: 100 on every Linux
 * ABI tskube runs on (x86, arm: the kernel's HZ may differ, what /proc shows is scaled to USER_HZ).
 * A constant, not `getconf CLK_TCK`: that was a synchronous fork of the agent's process on its
 * first stats scrape, a hundred milliseconds of its event loop on a busy node.
 */
export function clockTicksPerSecond(): number {
  return 100;
}
