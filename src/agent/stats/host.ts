/**
 * Host readings the Summary API needs beyond CPU and working set: a filesystem's size and inodes
 * (statfs), network interface counters (/proc/<pid>/net/dev, the namespace of that process), the
 * node's memory accounting (/proc/meminfo, /proc/vmstat), its process limits, and disk use of a
 * directory tree (as the kubelet's du-based volume metrics).
 */
import fs from 'node:fs';
import path from 'node:path';

/** FsInfo is a filesystem's size and inodes, in the Summary API's units (bytes, counts). */
export interface FsInfo {
  capacityBytes: number;
  availableBytes: number;
  usedBytes: number;
  inodes: number;
  inodesFree: number;
  inodesUsed: number;
}

/** statFs reads the filesystem holding dir (undefined if dir is not there). */
export function statFs(dir: string): FsInfo | undefined {
  try {
    const s = fs.statfsSync(dir);
    return {
      capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize, usedBytes: (s.blocks - s.bfree) * s.bsize,
      inodes: s.files, inodesFree: s.ffree, inodesUsed: s.files - s.ffree,
    };
  } catch { return undefined; }
}

/** InterfaceCounters is one interface's line of /proc/net/dev. */
export interface InterfaceCounters { name: string; rxBytes: number; rxErrors: number; txBytes: number; txErrors: number }

/** the interfaces cAdvisor leaves out of network stats: loopback, containers' veth ends, docker's and nerdctl's bridges */
const IGNORED_INTERFACES = /^(lo|veth|docker|nerdctl)/;

/** parseNetDev reads /proc/net/dev: every interface but the ignored ones, in the file's order. */
export function parseNetDev(text: string): InterfaceCounters[] {
  const out: InterfaceCounters[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs …
    if (IGNORED_INTERFACES.test(name) || f.length < 11 || f.some((n) => !Number.isFinite(n))) continue;
    out.push({ name, rxBytes: f[0], rxErrors: f[2], txBytes: f[8], txErrors: f[10] });
  }
  return out;
}

/** readNetDev reads the interfaces of pid's network namespace ('self': the agent's, the node's). */
export function readNetDev(pid: number | 'self', procRoot = '/proc'): InterfaceCounters[] | undefined {
  try { return parseNetDev(fs.readFileSync(path.join(procRoot, String(pid), 'net', 'dev'), 'utf8')); } catch { return undefined; }
}

/** NodeMemory is the node's memory accounting, from /proc/meminfo and /proc/vmstat. */
export interface NodeMemory { availableBytes: number; usageBytes: number; workingSetBytes: number; rssBytes?: number; pageFaults?: number; majorPageFaults?: number }

/**
 * parseNodeMemory: working set MemTotal − MemAvailable (as the analyzer's node working set),
 * usage MemTotal − MemFree (page cache included, as the root cgroup's usage), rss the anonymous
 * pages, page faults from vmstat.
 */
export function parseNodeMemory(meminfo: string, vmstat = ''): NodeMemory | undefined {
  const kb = (k: string) => { const m = new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(meminfo); return m ? Number(m[1]) * 1024 : undefined; };
  const count = (k: string) => { const m = new RegExp(`^${k} (\\d+)$`, 'm').exec(vmstat); return m ? Number(m[1]) : undefined; };
  const total = kb('MemTotal');
  const free = kb('MemFree');
  const avail = kb('MemAvailable') ?? free;
  if (total === undefined || free === undefined || avail === undefined) return undefined;
  const ws = Math.max(0, total - avail);
  const out: NodeMemory = { availableBytes: total - ws, usageBytes: Math.max(0, total - free), workingSetBytes: ws };
  const anon = kb('AnonPages');
  if (anon !== undefined) out.rssBytes = anon;
  const pf = count('pgfault');
  const mpf = count('pgmajfault');
  if (pf !== undefined) out.pageFaults = pf;
  if (mpf !== undefined) out.majorPageFaults = mpf;
  return out;
}

/** readNodeMemory reads parseNodeMemory's files. */
export function readNodeMemory(procRoot = '/proc'): NodeMemory | undefined {
  let vmstat = '';
  try { vmstat = fs.readFileSync(path.join(procRoot, 'vmstat'), 'utf8'); } catch { /* no page fault counts */ }
  try { return parseNodeMemory(fs.readFileSync(path.join(procRoot, 'meminfo'), 'utf8'), vmstat); } catch { return undefined; }
}

/** Rlimit is the node's process limit and the tasks running now (the kubelet's rlimit stats). */
export interface Rlimit { maxpid: number; curproc: number }

/** readRlimit reads kernel.pid_max and the task count of /proc/loadavg ("0.1 0.2 0.3 2/345 678"). */
export function readRlimit(procRoot = '/proc'): Rlimit | undefined {
  try {
    const maxpid = Number(fs.readFileSync(path.join(procRoot, 'sys', 'kernel', 'pid_max'), 'utf8').trim());
    const m = /\s\d+\/(\d+)\s/.exec(fs.readFileSync(path.join(procRoot, 'loadavg'), 'utf8'));
    if (!Number.isFinite(maxpid) || !m) return undefined;
    return { maxpid, curproc: Number(m[1]) };
  } catch { return undefined; }
}

/** DiskUsage is a tree's allocated bytes (blocks × 512, as du counts) and its inodes (files and directories). */
export interface DiskUsage { bytes: number; inodes: number }

/**
 * diskUsage walks dir without following symlinks or crossing into other filesystems' mounts' roots
 * twice (hard links are counted once); `limit` bounds the entries visited, so a huge volume cannot
 * stall a scrape (what is past it is not counted).
 */
export function diskUsage(dir: string, limit = 50_000): DiskUsage | undefined {
  let root: fs.Stats;
  try { root = fs.lstatSync(dir); } catch { return undefined; }
  const seen = new Set<string>();
  const out: DiskUsage = { bytes: 0, inodes: 0 };
  const stack: [string, fs.Stats][] = [[dir, root]];
  let visited = 0;
  while (stack.length && visited < limit) {
    const [p, st] = stack.pop()!;
    visited++;
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.inodes++;
    out.bytes += st.blocks * 512;
    if (!st.isDirectory()) continue;
    let names: string[];
    try { names = fs.readdirSync(p); } catch { continue; }
    for (const n of names) {
      const child = path.join(p, n);
      try { stack.push([child, fs.lstatSync(child)]); } catch { /* gone meanwhile */ }
    }
  }
  return out;
}
