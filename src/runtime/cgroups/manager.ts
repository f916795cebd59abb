/**
 * CgroupManager makes, limits and removes cgroups the way runc's cgroupfs manager does: a cgroup
 * path is made in every hierarchy tskube uses (v1: cpu, cpuacct, memory, pids, cpuset; v2: one
 * directory with +cpu +memory +pids delegated down to it), limits are written to each
 * controller's files, processes are moved in through cgroup.procs, and removal waits for
 * processes to drain (an rmdir of a cgroup with tasks fails with EBUSY).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { cgroupDirs, detectCgroupLayout, uniqueDirs, type CgroupLayout } from './layout.js';

/** CgroupResources are the limits a cgroup gets (the CRI's LinuxContainerResources plus a pids limit). */
export interface CgroupResources {
  /** relative CPU weight, cgroup v1 units (2..262144) */
  cpuShares?: number;
  /** CFS quota in microseconds per period; 0 or absent: unlimited */
  cpuQuota?: number;
  /** CFS period in microseconds */
  cpuPeriod?: number;
  /** bytes; 0 or absent: unlimited */
  memoryLimitInBytes?: number;
  /** processes; 0 or absent: unlimited */
  pidsLimit?: number;
  /**
   * cgroup v2's memory.oom.group: an OOM kill takes every process of the cgroup, as the kubelet
   * asks for each container on v2 (so a container whose worker is killed dies with 137). No v1 counterpart.
   */
  oomGroup?: boolean;
}

/** CgroupError is a write the kernel refused (a limit below current usage, a vanished cgroup). */
export class CgroupError extends Error {}

/**
 * cpuSharesToWeight converts v1 cpu.shares [2, 262144] to v2 cpu.weight [1, 10000], linearly, as
 * runc (ConvertCPUSharesToCgroupV2Value) does; 0 stays 0 (unset).
 */
export function cpuSharesToWeight(shares: number): number {
  if (!shares) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** readOomKillCount reads how many processes the kernel's OOM killer killed in a cgroup directory (v1 memory.oom_control, v2 memory.events). */
export function readOomKillCountIn(memoryDir: string): number {
  for (const f of ['memory.events', 'memory.oom_control']) {
    let text: string;
    try { text = fs.readFileSync(path.join(memoryDir, f), 'utf8'); } catch { continue; }
    const m = /^oom_kill (\d+)$/m.exec(text);
    return m ? Number(m[1]) : 0;
  }
  return 0;
}

/**
 * write writes one cgroup file. Asynchronous, as every cgroupfs call on a pod's way to Running: a
 * cgroup v1 mkdir or limit write takes the kernel's cgroup lock and costs a millisecond or more
 * on a busy node (tens per pod: a pod cgroup and a container cgroup in five hierarchies), which
 * on the event loop delayed everything else the process serves (in `tskube up`, the API server).
 * libuv's thread pool runs them meanwhile.
 */
async function write(dir: string, file: string, value: string | number): Promise<void> {
  try {
    await fsp.writeFile(path.join(dir, file), String(value));
  } catch (e) {
    throw new CgroupError(`failed to write ${JSON.stringify(String(value))} to ${path.join(dir, file)}: ${(e as Error).message}`);
  }
}

/** writeSync is write for the few cpuset values copied down once per new QoS level. */
function writeSync(dir: string, file: string, value: string): void {
  try {
    fs.writeFileSync(path.join(dir, file), value);
  } catch (e) {
    throw new CgroupError(`failed to write ${JSON.stringify(value)} to ${path.join(dir, file)}: ${(e as Error).message}`);
  }
}

/**
 * beyondDefaults keeps the resources a new cgroup does not already have: one starts with no CPU
 * quota (period 100 ms), no memory or pids limit; cpu.shares is always written (the kernel's
 * default, 1024, is a Guaranteed pod's weight only by chance).
 */
export function beyondDefaults(r: CgroupResources): CgroupResources {
  const out: CgroupResources = {};
  if (r.cpuShares) out.cpuShares = r.cpuShares;
  if ((r.cpuQuota ?? 0) > 0 || (r.cpuPeriod !== undefined && r.cpuPeriod !== 100000)) { out.cpuQuota = r.cpuQuota; out.cpuPeriod = r.cpuPeriod; }
  if ((r.memoryLimitInBytes ?? 0) > 0) out.memoryLimitInBytes = r.memoryLimitInBytes;
  if ((r.pidsLimit ?? 0) > 0) out.pidsLimit = r.pidsLimit;
  // memory.oom.group is 0 in a new cgroup
  if (r.oomGroup) out.oomGroup = true;
  return out;
}

/** exists tells whether a cgroup file or directory is there (off the event loop, as write). */
async function exists(dir: string, file = ''): Promise<boolean> {
  return fsp.access(file ? path.join(dir, file) : dir).then(() => true, () => false);
}

/** mkdirIfMissing makes one cgroup directory; one made meanwhile (another pod's ancestor) is fine. */
async function mkdirIfMissing(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CgroupManager operates on cgroup paths in one machine's hierarchies. */
export class CgroupManager {
  constructor(readonly layout: CgroupLayout) {}

  /**
   * detect gives a manager for this machine's hierarchies when cgroups can be used: root (moving
   * processes and writing limits needs it) and a v1 or v2 layout tskube knows. Undefined otherwise,
   * with the reason in `why`.
   */
  static detect(root = '/sys/fs/cgroup'): { manager?: CgroupManager; why?: string } {
    if (process.getuid?.() !== 0) return { why: 'the node agent does not run as root' };
    const layout = detectCgroupLayout(root);
    if (!layout) return { why: `no cgroup v2 hierarchy at ${root} and not every v1 controller (cpu, cpuacct, memory, pids, cpuset) mounted under it` };
    try {
      for (const d of uniqueDirs(layout, '/')) fs.accessSync(path.join(d, 'cgroup.procs'), fs.constants.W_OK);
    } catch (e) {
      return { why: `the cgroup filesystem is not writable: ${(e as Error).message}` };
    }
    return { manager: new CgroupManager(layout) };
  }

  /** dirs are the cgroup's directories by controller ('unified' on v2). */
  dirs(cgroupPath: string): Map<string, string> { return cgroupDirs(this.layout, cgroupPath); }

  /** memoryDir is the directory with the cgroup's memory files. */
  memoryDir(cgroupPath: string): string { return this.dirs(cgroupPath).get(this.layout.version === 2 ? 'unified' : 'memory')!; }

  /** exists tells whether the cgroup has been made. */
  exists(cgroupPath: string): boolean { return fs.existsSync(this.memoryDir(cgroupPath)); }

  /**
   * create makes the cgroup (and missing ancestors) in every hierarchy, then applies resources. A
   * cgroup made now starts unlimited, so only the limits beyond the kernel's defaults are written
   * (a BestEffort pod's cgroup gets its cpu.shares and nothing else): each cgroupfs call can wait on
   * the kernel's cgroup lock while a burst of containers moves into their cgroups.
   */
  async create(cgroupPath: string, resources: CgroupResources = {}): Promise<void> {
    let fresh = false;
    // Another agent of this process may be removing an unused ancestor (removeIfUnused) meanwhile.
    for (let attempt = 1; ; attempt++) {
      try { fresh = await this.mkdirs(cgroupPath); break; } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw e;
      }
    }
    await this.update(cgroupPath, fresh ? beyondDefaults(resources) : resources);
  }

  /** mkdirs makes the cgroup's directory in each hierarchy, the hierarchies at once (they are independent); true when every one is new. */
  private async mkdirs(cgroupPath: string): Promise<boolean> {
    if (this.layout.version === 2) { await this.createV2(this.dirs(cgroupPath).get('unified')!); return false; }
    const made = await Promise.all([...this.dirs(cgroupPath)].map(([controller, dir]) => (controller === 'cpuset' ? this.createCpuset(dir) : this.createDirs(dir))));
    return made.every(Boolean);
  }

  /**
   * createDirs makes dir and its missing ancestors, each with one mkdir: the parent is made first
   * only when the kernel says it is missing (a pod's QoS cgroups exist after its first pod). True
   * when dir is new.
   */
  private async createDirs(dir: string): Promise<boolean> {
    try {
      await fsp.mkdir(dir);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'ENOENT' || path.dirname(dir) === dir) throw e;
      await this.createDirs(path.dirname(dir));
      try {
        await fsp.mkdir(dir);
        return true;
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e2;
      }
    }
  }

  /**
   * cpuset: a new v1 cpuset cgroup has empty cpus and mems (no task may join it) unless its parent
   * has cgroup.clone_children set. The first level made below a parent without it gets its
   * parent's values copied and clone_children set, so every level below (pods, containers) gets
   * them from the kernel at its mkdir; each new level is still checked and filled if empty (another
   * pod's start may have made its parent a moment ago and not filled it yet).
   */
  private async createCpuset(dir: string): Promise<boolean> {
    const made = await this.createDirs(dir);
    this.fillCpuset(dir);
    return made;
  }

  /** fillCpuset copies cpus and mems into dir (and first into its ancestors) where they are empty; reads are synchronous (kernfs, no cgroup lock). */
  private fillCpuset(dir: string): void {
    const root = this.layout.version === 1 ? this.layout.mounts.cpuset : this.layout.root;
    if (dir === root || !dir.startsWith(root)) return;
    const read = (d: string, f: string) => { try { return fs.readFileSync(path.join(d, f), 'utf8').trim(); } catch { return undefined; } };
    if (read(dir, 'cpuset.cpus') !== '' && read(dir, 'cpuset.mems') !== '') return;
    const parent = path.dirname(dir);
    this.fillCpuset(parent);
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if (read(dir, f) !== '') continue;
      const v = read(parent, f);
      if (v) writeSync(dir, f, v);
    }
    // Levels made from now on below this one and its parent (its siblings: the next pods) get the values from the kernel.
    for (const d of [parent, dir]) {
      if (d === root) continue;
      try { fs.writeFileSync(path.join(d, 'cgroup.clone_children'), '1'); } catch { /* only a shortcut */ }
    }
  }

  /** v2: each ancestor delegates cpu, memory and pids to its children before the child is made. */
  private async createV2(dir: string): Promise<void> {
    const root = this.layout.root;
    const rel = path.relative(root, dir).split(path.sep).filter(Boolean);
    let cur = root;
    for (const part of rel) {
      const available = (await fsp.readFile(path.join(cur, 'cgroup.controllers'), 'utf8')).trim().split(/\s+/);
      const want = ['cpu', 'memory', 'pids'].filter((c) => available.includes(c));
      const have = (await fsp.readFile(path.join(cur, 'cgroup.subtree_control'), 'utf8')).trim().split(/\s+/);
      const missing = want.filter((c) => !have.includes(c));
      if (missing.length) await write(cur, 'cgroup.subtree_control', missing.map((c) => `+${c}`).join(' '));
      cur = path.join(cur, part);
      await mkdirIfMissing(cur);
    }
  }

  /** update writes the resources that are given (absent fields are left as they are; 0 limits mean unlimited). */
  async update(cgroupPath: string, r: CgroupResources): Promise<void> {
    const dirs = this.dirs(cgroupPath);
    if (this.layout.version === 2) {
      const d = dirs.get('unified')!;
      if (r.cpuShares && await exists(d, 'cpu.weight')) await write(d, 'cpu.weight', cpuSharesToWeight(r.cpuShares));
      if ((r.cpuQuota !== undefined || r.cpuPeriod !== undefined) && await exists(d, 'cpu.max')) {
        await write(d, 'cpu.max', `${r.cpuQuota && r.cpuQuota > 0 ? r.cpuQuota : 'max'} ${r.cpuPeriod || 100000}`);
      }
      if (r.memoryLimitInBytes !== undefined && await exists(d, 'memory.max')) {
        await write(d, 'memory.max', r.memoryLimitInBytes > 0 ? r.memoryLimitInBytes : 'max');
        // As runc: no swap beyond the limit when a limit is set.
        if (await exists(d, 'memory.swap.max')) await write(d, 'memory.swap.max', r.memoryLimitInBytes > 0 ? 0 : 'max');
      }
      if (r.pidsLimit !== undefined && await exists(d, 'pids.max')) await write(d, 'pids.max', r.pidsLimit > 0 ? r.pidsLimit : 'max');
      if (r.oomGroup !== undefined && await exists(d, 'memory.oom.group')) await write(d, 'memory.oom.group', r.oomGroup ? 1 : 0);
      return;
    }
    // The hierarchies are independent: their writes go at once; within one, in order.
    const cpu = dirs.get('cpu')!;
    await Promise.all([
      (async () => {
        if (r.cpuShares) await write(cpu, 'cpu.shares', r.cpuShares);
        // The period first: a quota is checked against the period in force.
        if (r.cpuPeriod) await write(cpu, 'cpu.cfs_period_us', r.cpuPeriod);
        if (r.cpuQuota !== undefined || r.cpuPeriod !== undefined) await write(cpu, 'cpu.cfs_quota_us', r.cpuQuota && r.cpuQuota > 0 ? r.cpuQuota : -1);
      })(),
      r.memoryLimitInBytes !== undefined ? this.setMemoryV1(dirs.get('memory')!, r.memoryLimitInBytes > 0 ? r.memoryLimitInBytes : -1) : undefined,
      r.pidsLimit !== undefined ? write(dirs.get('pids')!, 'pids.max', r.pidsLimit > 0 ? r.pidsLimit : 'max') : undefined,
    ]);
  }

  /**
   * setMemoryV1 sets memory.limit_in_bytes and, where swap is accounted, memory.memsw.limit_in_bytes
   * to the same value (no swap beyond the limit, as containerd asks runc). The kernel wants
   * memsw >= memory at every step, so the order depends on whether the limit goes up or down.
   */
  private async setMemoryV1(dir: string, limit: number): Promise<void> {
    if (!(await exists(dir, 'memory.memsw.limit_in_bytes'))) { await write(dir, 'memory.limit_in_bytes', limit); return; }
    try {
      await write(dir, 'memory.limit_in_bytes', limit);
      await write(dir, 'memory.memsw.limit_in_bytes', limit);
    } catch {
      await write(dir, 'memory.memsw.limit_in_bytes', limit);
      await write(dir, 'memory.limit_in_bytes', limit);
    }
  }

  /** procsFiles are the cgroup.procs files a process is written into to join the cgroup in every hierarchy. */
  procsFiles(cgroupPath: string): string[] {
    return uniqueDirs(this.layout, cgroupPath).map((d) => path.join(d, 'cgroup.procs'));
  }

  /** addProcess moves a process (its threads with it) into the cgroup; its later children are born there. */
  addProcess(cgroupPath: string, pid: number): void {
    for (const f of this.procsFiles(cgroupPath)) {
      try {
        fs.writeFileSync(f, String(pid));
      } catch (e) {
        throw new CgroupError(`failed to write ${JSON.stringify(String(pid))} to ${f}: ${(e as Error).message}`);
      }
    }
  }

  /** pids are the processes in the cgroup and its descendants (from the memory hierarchy). */
  pids(cgroupPath: string): number[] {
    const out: number[] = [];
    const walk = (dir: string) => {
      let entries: fs.Dirent[];
      try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
      try {
        for (const l of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (l.trim()) out.push(Number(l));
      } catch { /* gone */ }
      for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
    };
    walk(this.memoryDir(cgroupPath));
    return out;
  }

  /** oomKillCount is how many processes the OOM killer killed in the cgroup (0 when it is gone). */
  oomKillCount(cgroupPath: string): number { return readOomKillCountIn(this.memoryDir(cgroupPath)); }

  /**
   * removeIfUnused removes the cgroup if nothing is in it (no process, no child cgroup), then each
   * ancestor up to the first path component that has become unused too. Never waits or kills;
   * true when the cgroup itself is gone.
   */
  removeIfUnused(cgroupPath: string): boolean {
    const parts = cgroupPath.split('/').filter(Boolean);
    let gone = false;
    for (let n = parts.length; n >= 1; n--) {
      const p = (cgroupPath.startsWith('/') ? '/' : '') + parts.slice(0, n).join('/');
      let all = true;
      for (const d of uniqueDirs(this.layout, p)) {
        try { fs.rmdirSync(d); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') all = false; }
      }
      if (!all) break;
      if (n === parts.length) gone = true;
    }
    return gone;
  }

  /**
   * pruneUnused removes every unused cgroup at or below a path, deepest first (leftovers of agents
   * that were killed: `kubepods` after a test run); cgroups with processes stay. Returns how many went.
   */
  pruneUnused(cgroupPath: string): number {
    let n = 0;
    const prune = (dir: string): void => {
      let entries: fs.Dirent[];
      try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
      for (const e of entries) if (e.isDirectory()) prune(path.join(dir, e.name));
      try { fs.rmdirSync(dir); n++; } catch { /* in use */ }
    };
    for (const d of uniqueDirs(this.layout, cgroupPath)) prune(d);
    return n;
  }

  /**
   * remove deletes the cgroup and its descendants from every hierarchy. Processes still in it get
   * until timeoutMs to leave (exiting processes linger a moment); then what is left is killed, as
   * the kubelet kills a pod cgroup's stragglers before removing it. Idempotent.
   */
  async remove(cgroupPath: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let killed = false;
    for (;;) {
      const left = uniqueDirs(this.layout, cgroupPath).filter((d) => !rmdirTree(d));
      if (left.length === 0) return;
      if (Date.now() > deadline) {
        if (killed) throw new CgroupError(`failed to remove cgroup ${left.join(', ')}: still busy`);
        for (const pid of this.pids(cgroupPath)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
        killed = true;
      }
      await sleep(50);
    }
  }
}

/** rmdirTree removes a cgroup directory, children first; true once it is gone. */
function rmdirTree(dir: string): boolean {
  let entries: fs.Dirent[];
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return true; }
  for (const e of entries) if (e.isDirectory()) rmdirTree(path.join(dir, e.name));
  try { fs.rmdirSync(dir); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'ENOENT'; }
}

let detected: { manager?: CgroupManager; why?: string } | undefined;

/** defaultCgroupManager is this machine's manager (detected once), or undefined with the reason. */
export function defaultCgroupManager(): { manager?: CgroupManager; why?: string } {
  detected ??= CgroupManager.detect();
  return detected;
}

/** readOomKillCount reads a cgroup path's OOM-kill count on this machine (for runtimes that learn of OOMs after the fact); 0 without cgroups. */
export function readOomKillCount(cgroupPath: string): number {
  return defaultCgroupManager().manager?.oomKillCount(cgroupPath) ?? 0;
}
