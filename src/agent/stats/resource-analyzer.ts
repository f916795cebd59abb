/**
 * ResourceAnalyzer measures what the node and each running container use, as the kubelet's
 * resource analyzer (cAdvisor underneath) does for /metrics/resource: cumulative CPU seconds and
 * the memory working set, from the container's own cgroup when the runtime gave it one, otherwise
 * from /proc summed over the container's process tree. Simulated runtimes run nothing: their
 * containers use nothing, unless a pod asks for a synthetic load (SIMULATED_USAGE_ANNOTATION).
 */
import { parseQuantity } from '../../apimachinery/quantity.js';
import type { ContainerInfo, Runtime } from '../../runtime/types.js';
import fs from 'node:fs';
import path from 'node:path';
import { cgroupKey, readCgroupMembership, readCgroupMemory, readCgroupProcessCount, readCgroupUsage, type CgroupMembership, type CgroupMemory } from './cgroup.js';
import { childrenIndex, clockTicksPerSecond, parseMeminfoWorkingSet, parseProcStat, processTree, readProcessTable, readRSS, type ProcessStat } from './proc.js';

/**
 * SIMULATED_USAGE_ANNOTATION on a pod gives each of its containers a constant usage on simulated
 * nodes ("cpu=250m,memory=64Mi"), so benchmarks can drive metrics and autoscaling without processes.
 */
export const SIMULATED_USAGE_ANNOTATION = 'tskube.io/simulated-usage';

/** ROOT_KEY matches the cgroup key of a hierarchy's root (everything is accounted there: not a container's own). */
const ROOT_KEY = /^v[12]:\/(\|\/)?$/;

/** Usage is one measurement: cumulative CPU seconds since start, and the working set in bytes. */
export interface Usage {
  cpuSeconds: number;
  workingSetBytes: number;
}

/** ContainerStats is one running container's usage. */
export interface ContainerStats extends Usage {
  namespace: string;
  pod: string;
  container: string;
  startTime: Date;
  /** the runtime's container id, the pod's uid, the image and the log file (for the Summary API and /metrics/cadvisor) */
  id?: string;
  podUid?: string;
  image?: string;
  logPath?: string;
  /** the container's main process (its network namespace is the pod's) */
  pid?: number;
  /** the container's own cgroup (cAdvisor's id), when it has one */
  cgroup?: string;
  /** processes in the container's tree */
  processCount?: number;
  /** usage, rss and page faults when the container has a cgroup of its own; otherwise usage is the resident set */
  memory?: Omit<CgroupMemory, 'pageFaults' | 'majorPageFaults'> & Partial<CgroupMemory>;
}

/** ResourceStats is one collection: the node and its running containers, measured at timestamp. */
export interface ResourceStats {
  timestamp: Date;
  node: Usage & { startTime: Date };
  containers: ContainerStats[];
}

/** ResourceAnalyzerOptions: the runtime to list containers from; the roots are swappable for tests. */
export interface ResourceAnalyzerOptions {
  runtime: Pick<Runtime, 'isolation' | 'listContainers' | 'listPodSandbox'>;
  now(): Date;
  procRoot?: string;
  cgroupRoot?: string;
}

/** parseSimulatedUsage reads "cpu=250m,memory=64Mi" into cores and bytes (missing or bad parts are 0). */
export function parseSimulatedUsage(s: string | undefined): { cpuCores: number; memoryBytes: number } {
  const out = { cpuCores: 0, memoryBytes: 0 };
  for (const part of (s ?? '').split(',')) {
    const [k, v] = part.split('=').map((x) => x?.trim());
    if (!v) continue;
    let n: number;
    try { n = parseQuantity(v); } catch { continue; }
    if (!(n >= 0)) continue;
    if (k === 'cpu') out.cpuCores = n;
    else if (k === 'memory') out.memoryBytes = Math.round(n);
  }
  return out;
}

/** ResourceAnalyzer collects ResourceStats on demand (each scrape is one collection). */
export class ResourceAnalyzer {
  private readonly procRoot: string;
  private readonly cgroupRoot: string;
  private readonly started: Date;
  /** last CPU reading per container id: a container's counter never goes backwards (see collectProcess) */
  private readonly lastCpu = new Map<string, number>();
  /** simulated node: CPU integrated over time from its containers' synthetic rates */
  private simNodeCpu = 0;
  private simLastAt?: number;

  constructor(private readonly o: ResourceAnalyzerOptions) {
    this.procRoot = o.procRoot ?? '/proc';
    this.cgroupRoot = o.cgroupRoot ?? '/sys/fs/cgroup';
    this.started = o.now();
  }

  /** collect measures the node and every running container now. */
  async collect(): Promise<ResourceStats> {
    const running = (await this.o.runtime.listContainers({ phase: 'running' })).filter((c) => c.phase === 'running');
    const stats = this.o.runtime.isolation === 'simulated' ? await this.collectSimulated(running) : this.collectProcess(running);
    const live = new Set(running.map((c) => c.id));
    for (const id of this.lastCpu.keys()) if (!live.has(id)) this.lastCpu.delete(id);
    return stats;
  }

  private collectProcess(running: ContainerInfo[]): ResourceStats {
    const timestamp = this.o.now();
    const hz = clockTicksPerSecond();
    const table = readProcessTable(this.procRoot);
    const children = childrenIndex(table);
    const self = readCgroupMembership('self', this.procRoot);
    const selfKey = self ? cgroupKey(self) : undefined;
    const memberships = new Map<string, CgroupMembership | undefined>();
    const keyCount = new Map<string, number>();
    for (const c of running) {
      const m = c.pid ? this.containerMembership(c.pid, table, children, selfKey) : undefined;
      memberships.set(c.id, m);
      const k = m ? cgroupKey(m) : undefined;
      if (k) keyCount.set(k, (keyCount.get(k) ?? 0) + 1);
    }
    const containers: ContainerStats[] = [];
    for (const c of running) {
      if (!c.pid) continue;
      const m = memberships.get(c.id);
      const k = m ? cgroupKey(m) : undefined;
      // A cgroup is the container's own only if the agent is not in it, it is not a root, and no other container shares it.
      const own = k !== undefined && k !== selfKey && !ROOT_KEY.test(k) && keyCount.get(k) === 1;
      let usage = own ? readCgroupUsage(m!, this.cgroupRoot) : undefined;
      let memory: ContainerStats['memory'] = usage ? readCgroupMemory(m!, this.cgroupRoot) : undefined;
      const pids = processTree(table, c.pid, children);
      if (!usage) {
        if (pids.length === 0) continue; // exited since the runtime listed it
        let ticks = 0;
        let rss = 0;
        for (const pid of pids) {
          ticks += table.get(pid)?.cpuTicks ?? 0;
          rss += readRSS(pid, this.procRoot);
        }
        usage = { cpuSeconds: ticks / hz, workingSetBytes: rss };
        // /proc gives resident sets only: usage is their sum, page faults are not known
        memory = { usageBytes: rss, rssBytes: rss };
      }
      // A process reaped by something outside the tree takes its CPU time with it: hold the counter
      // instead of letting it go down (metrics consumers read a decrease as a broken counter).
      const cpu = Math.max(usage.cpuSeconds, this.lastCpu.get(c.id) ?? 0);
      this.lastCpu.set(c.id, cpu);
      containers.push({
        namespace: c.config.podNamespace, pod: c.config.podName, container: c.config.name,
        startTime: new Date(c.startedAt ?? c.createdAt ?? timestamp.toISOString()),
        cpuSeconds: cpu, workingSetBytes: usage.workingSetBytes,
        id: c.id, podUid: c.config.podUid, image: c.config.image, logPath: c.config.logPath, pid: c.pid, memory,
        // the processes in its cgroup (a launcher the runtime reports may sit outside it), else its process tree
        processCount: (own ? readCgroupProcessCount(m!, this.cgroupRoot) : undefined) ?? pids.length,
        ...(own ? { cgroup: m!.v1.memory ?? m!.unified } : {}),
      });
    }
    return { timestamp, node: this.hostUsage(hz), containers };
  }

  /**
   * containerMembership is the cgroup membership of a container's processes. The process a runtime
   * reports may be a launcher that stays in the agent's cgroup (the process runtime's unshare,
   * whose child joins the container's cgroup): then the first process below it in a cgroup of its
   * own counts.
   */
  private containerMembership(pid: number, table: Map<number, ProcessStat>, children: Map<number, number[]>, selfKey: string | undefined): CgroupMembership | undefined {
    const first = readCgroupMembership(pid, this.procRoot);
    const own = (m: CgroupMembership | undefined) => { const k = m ? cgroupKey(m) : undefined; return k !== undefined && k !== selfKey && !ROOT_KEY.test(k); };
    if (!first || own(first)) return first;
    for (const p of processTree(table, pid, children).slice(1, 9)) {
      const m = readCgroupMembership(p, this.procRoot);
      if (own(m)) return m;
    }
    return first;
  }

  /** hostUsage is the whole host's busy CPU time and working set (an agent owns the machine it runs on). */
  private hostUsage(hz: number): Usage & { startTime: Date } {
    let cpu = { busyTicks: 0, bootTimeSeconds: this.started.getTime() / 1000 };
    let ws = 0;
    try { cpu = parseProcStat(fs.readFileSync(path.join(this.procRoot, 'stat'), 'utf8')) ?? cpu; } catch { /* no /proc */ }
    try { ws = parseMeminfoWorkingSet(fs.readFileSync(path.join(this.procRoot, 'meminfo'), 'utf8')) ?? 0; } catch { /* no /proc */ }
    return { cpuSeconds: cpu.busyTicks / hz, workingSetBytes: ws, startTime: new Date(cpu.bootTimeSeconds * 1000) };
  }

  private async collectSimulated(running: ContainerInfo[]): Promise<ResourceStats> {
    const timestamp = this.o.now();
    const annotations = new Map<string, string | undefined>();
    for (const sb of await this.o.runtime.listPodSandbox()) annotations.set(sb.id, sb.annotations?.[SIMULATED_USAGE_ANNOTATION]);
    const containers: ContainerStats[] = [];
    let rate = 0;
    let memory = 0;
    for (const c of running) {
      const u = parseSimulatedUsage(annotations.get(c.sandboxId));
      const startTime = new Date(c.startedAt ?? c.createdAt ?? timestamp.toISOString());
      const elapsed = Math.max(0, (timestamp.getTime() - startTime.getTime()) / 1000);
      rate += u.cpuCores;
      memory += u.memoryBytes;
      containers.push({
        namespace: c.config.podNamespace, pod: c.config.podName, container: c.config.name, startTime,
        cpuSeconds: u.cpuCores * elapsed, workingSetBytes: u.memoryBytes,
        id: c.id, podUid: c.config.podUid, image: c.config.image, logPath: c.config.logPath,
      });
    }
    const now = timestamp.getTime();
    if (this.simLastAt !== undefined) this.simNodeCpu += rate * Math.max(0, now - this.simLastAt) / 1000;
    this.simLastAt = now;
    return { timestamp, node: { cpuSeconds: this.simNodeCpu, workingSetBytes: memory, startTime: this.started }, containers };
  }
}
