/**
 * The kubelet's Summary API (GET /stats/summary, stats/v1alpha1): the node's and each pod's CPU,
 * memory, network and filesystem use, shaped and named as the kubelet's JSON. Built from one
 * ResourceAnalyzer collection plus host readings; what tskube cannot measure (a container's
 * writable layer, accelerators, swap) is left out rather than invented.
 */
import type { InterfaceCounters, FsInfo, NodeMemory, Rlimit, DiskUsage } from './host.js';
import type { ContainerStats, ResourceStats } from './resource-analyzer.js';

/** The JSON types, as stats/v1alpha1 names them (optional fields are omitted when unknown). */
export interface CPUStats { time: string; usageNanoCores?: number; usageCoreNanoSeconds: number }
export interface MemoryStats { time: string; availableBytes?: number; usageBytes?: number; workingSetBytes: number; rssBytes?: number; pageFaults?: number; majorPageFaults?: number }
export interface FsStats { time: string; availableBytes?: number; capacityBytes?: number; usedBytes?: number; inodesFree?: number; inodes?: number; inodesUsed?: number }
export interface NetworkStats { time: string; name?: string; rxBytes?: number; rxErrors?: number; txBytes?: number; txErrors?: number; interfaces?: InterfaceCounters[] }
export interface SummaryContainerStats { name: string; startTime: string; cpu?: CPUStats; memory?: MemoryStats; rootfs?: FsStats; logs?: FsStats }
export interface VolumeStats extends FsStats { name: string; pvcRef?: { name: string; namespace: string } }
export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: SummaryContainerStats[];
  cpu?: CPUStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  volume?: VolumeStats[];
  'ephemeral-storage'?: FsStats;
  process_stats?: { process_count: number };
}
export interface NodeStats {
  nodeName: string;
  systemContainers?: SummaryContainerStats[];
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  fs?: FsStats;
  runtime?: { imageFs?: FsStats; containerFs?: FsStats };
  rlimit?: { time: string; maxpid: number; curproc: number };
}
export interface Summary { node: NodeStats; pods: PodStats[] }

/** the interface the kubelet reports at the top of a NetworkStats (cAdvisor's default) */
export const DEFAULT_INTERFACE = 'eth0';

/** PodVolume is one volume of a pod with its disk use and the filesystem it is on. */
export interface PodVolume { name: string; pvcRef?: { name: string; namespace: string }; usage: DiskUsage; fs?: FsInfo; ephemeral: boolean }

/** SummaryPod is what the agent knows of one of its pods. */
export interface SummaryPod {
  name: string;
  namespace: string;
  uid: string;
  /** status.startTime (when the kubelet accepted the pod) */
  startTime?: Date;
  /** limits.memory per container name, in bytes (a container's availableBytes is its limit minus its working set) */
  memoryLimits?: Record<string, number>;
  volumes?: PodVolume[];
}

/** SummaryInput is one collection's readings. */
export interface SummaryInput {
  nodeName: string;
  stats: ResourceStats;
  pods: SummaryPod[];
  nodeMemory?: NodeMemory;
  nodeNetwork?: InterfaceCounters[];
  nodeFs?: FsInfo;
  imageFs?: { capacityBytes: number; availableBytes: number; usedBytes: number };
  rlimit?: Rlimit;
  /** the agent itself (the "kubelet" system container) */
  agent?: { startTime: Date; cpuSeconds: number; rssBytes: number };
  /** network counters of a pod, by uid (read in the namespace of one of its containers) */
  podNetwork?: Map<string, InterfaceCounters[]>;
  /** disk use of a container's log files, by container id */
  containerLogs?: Map<string, DiskUsage>;
  /** the filesystem the logs are on */
  logFs?: FsInfo;
}

/** metaTime is a metav1.Time: RFC 3339, whole seconds. */
export function metaTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * CpuRates turns cumulative CPU readings into usageNanoCores: the rate since the previous reading
 * of the same key, as the kubelet computes it from its cached previous sample; none on a first reading.
 */
export class CpuRates {
  private readonly last = new Map<string, { cpu: number; at: number }>();
  private seen = new Set<string>();

  rate(key: string, cpuSeconds: number, at: Date): number | undefined {
    this.seen.add(key);
    const prev = this.last.get(key);
    this.last.set(key, { cpu: cpuSeconds, at: at.getTime() });
    if (!prev || at.getTime() <= prev.at || cpuSeconds < prev.cpu) return undefined;
    return Math.round(((cpuSeconds - prev.cpu) * 1e9) / ((at.getTime() - prev.at) / 1000));
  }

  /** forget drops the keys not read since the last forget (gone containers and pods). */
  forget(): void {
    for (const k of this.last.keys()) if (!this.seen.has(k)) this.last.delete(k);
    this.seen = new Set();
  }
}

function cpuStats(time: string, cpuSeconds: number, nanoCores: number | undefined): CPUStats {
  return { time, ...(nanoCores !== undefined ? { usageNanoCores: nanoCores } : {}), usageCoreNanoSeconds: Math.round(cpuSeconds * 1e9) };
}

function fsStats(time: string, fs: FsInfo | undefined, used?: DiskUsage): FsStats {
  return compact({
    time, availableBytes: fs?.availableBytes, capacityBytes: fs?.capacityBytes, usedBytes: used ? used.bytes : fs?.usedBytes,
    inodesFree: fs?.inodesFree, inodes: fs?.inodes, inodesUsed: used ? used.inodes : fs?.inodesUsed,
  });
}

function networkStats(time: string, ifaces: InterfaceCounters[]): NetworkStats {
  const main = ifaces.find((i) => i.name === DEFAULT_INTERFACE);
  return { time, ...(main ?? {}), interfaces: ifaces.map((i) => ({ ...i })) };
}

/** compact drops the undefined fields (Go's omitempty), keeping the others' order. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function sumMemory(time: string, parts: MemoryStats[]): MemoryStats {
  // a sum is known only when every part knows it
  const sum = (k: 'usageBytes' | 'rssBytes' | 'pageFaults' | 'majorPageFaults') => parts.every((p) => p[k] !== undefined) ? parts.reduce((n, p) => n + p[k]!, 0) : undefined;
  return compact({
    time, usageBytes: sum('usageBytes'), workingSetBytes: parts.reduce((n, p) => n + p.workingSetBytes, 0),
    rssBytes: sum('rssBytes'), pageFaults: sum('pageFaults'), majorPageFaults: sum('majorPageFaults'),
  });
}

function containerMemory(time: string, c: ContainerStats, limit: number | undefined): MemoryStats {
  return compact({
    time, availableBytes: limit !== undefined ? Math.max(0, limit - c.workingSetBytes) : undefined,
    usageBytes: c.memory?.usageBytes, workingSetBytes: c.workingSetBytes, rssBytes: c.memory?.rssBytes,
    pageFaults: c.memory?.pageFaults, majorPageFaults: c.memory?.majorPageFaults,
  });
}

/**
 * buildSummary shapes one collection as the kubelet's Summary. With onlyCpuAndMemory it is
 * what ?only_cpu_and_memory=true answers: names, start times, CPU and memory only.
 */
export function buildSummary(i: SummaryInput, rates: CpuRates, onlyCpuAndMemory = false): Summary {
  const at = i.stats.timestamp;
  const time = metaTime(at);
  const byPod = new Map<string, ContainerStats[]>();
  for (const c of i.stats.containers) {
    const key = c.podUid ?? `${c.namespace}/${c.pod}`;
    byPod.set(key, [...(byPod.get(key) ?? []), c]);
  }
  const pods: PodStats[] = [];
  let podsCpu = 0;
  const podsMemory: MemoryStats[] = [];
  for (const p of [...i.pods].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))) {
    const cs = byPod.get(p.uid) ?? [];
    if (!cs.length) continue; // the kubelet lists the pods whose containers the runtime reports
    cs.sort((a, b) => a.container.localeCompare(b.container));
    const containers: SummaryContainerStats[] = [];
    const memories: MemoryStats[] = [];
    let cpu = 0;
    let logs: DiskUsage = { bytes: 0, inodes: 0 };
    // status.startTime, else the earliest container start
    let start = p.startTime;
    if (!start) for (const c of cs) if (!start || c.startTime < start) start = c.startTime;
    for (const c of cs) {
      const memory = containerMemory(time, c, p.memoryLimits?.[c.container]);
      memories.push(memory);
      cpu += c.cpuSeconds;
      const sc: SummaryContainerStats = {
        name: c.container, startTime: metaTime(c.startTime),
        cpu: cpuStats(time, c.cpuSeconds, rates.rate(`c/${c.id ?? `${p.uid}/${c.container}`}`, c.cpuSeconds, at)), memory,
      };
      const log = c.id ? i.containerLogs?.get(c.id) : undefined;
      if (log && !onlyCpuAndMemory) {
        sc.logs = fsStats(time, i.logFs, log);
        logs = { bytes: logs.bytes + log.bytes, inodes: logs.inodes + log.inodes };
      }
      containers.push(sc);
    }
    const podMemory = sumMemory(time, memories);
    podsCpu += cpu;
    podsMemory.push(podMemory);
    const ps: PodStats = {
      podRef: { name: p.name, namespace: p.namespace, uid: p.uid },
      startTime: metaTime(start ?? at),
      containers,
      cpu: cpuStats(time, cpu, rates.rate(`p/${p.uid}`, cpu, at)),
      memory: podMemory,
    };
    if (!onlyCpuAndMemory) {
      const net = i.podNetwork?.get(p.uid);
      if (net) ps.network = networkStats(time, net);
      const volumes = p.volumes ?? [];
      if (volumes.length) {
        ps.volume = volumes.map((v) => ({ ...fsStats(time, v.fs, v.usage), name: v.name, ...(v.pvcRef ? { pvcRef: v.pvcRef } : {}) }));
      }
      // Ephemeral storage: the container logs and the pod's local volumes (emptyDir, configMap, …);
      // the process runtime gives containers no writable layer of their own to add.
      const local = volumes.filter((v) => v.ephemeral).reduce((n, v) => ({ bytes: n.bytes + v.usage.bytes, inodes: n.inodes + v.usage.inodes }), logs);
      ps['ephemeral-storage'] = fsStats(time, i.nodeFs, local);
      const procs = cs.reduce((n, c) => n + (c.processCount ?? 0), 0);
      if (cs.some((c) => c.processCount !== undefined)) ps.process_stats = { process_count: procs };
    }
    pods.push(ps);
  }

  const node: NodeStats = { nodeName: i.nodeName, systemContainers: [], startTime: metaTime(i.stats.node.startTime) };
  if (i.agent) {
    node.systemContainers!.push({
      name: 'kubelet', startTime: metaTime(i.agent.startTime),
      cpu: cpuStats(time, i.agent.cpuSeconds, rates.rate('sys/kubelet', i.agent.cpuSeconds, at)),
      // a process's resident set is its working set (it has no cgroup of its own to read page cache from)
      memory: { time, workingSetBytes: i.agent.rssBytes, rssBytes: i.agent.rssBytes },
    });
  }
  node.systemContainers!.push({
    name: 'pods', startTime: metaTime(i.agent?.startTime ?? i.stats.node.startTime),
    cpu: cpuStats(time, podsCpu, rates.rate('sys/pods', podsCpu, at)),
    memory: sumMemory(time, podsMemory),
  });
  node.cpu = cpuStats(time, i.stats.node.cpuSeconds, rates.rate('node', i.stats.node.cpuSeconds, at));
  const nm = i.nodeMemory;
  node.memory = compact({
    time, availableBytes: nm?.availableBytes, usageBytes: nm?.usageBytes, workingSetBytes: nm?.workingSetBytes ?? i.stats.node.workingSetBytes,
    rssBytes: nm?.rssBytes, pageFaults: nm?.pageFaults, majorPageFaults: nm?.majorPageFaults,
  });
  if (!onlyCpuAndMemory) {
    if (i.nodeNetwork) node.network = networkStats(time, i.nodeNetwork);
    if (i.nodeFs) node.fs = fsStats(time, i.nodeFs);
    if (i.imageFs) node.runtime = { imageFs: { time, availableBytes: i.imageFs.availableBytes, capacityBytes: i.imageFs.capacityBytes, usedBytes: i.imageFs.usedBytes } };
    if (i.rlimit) node.rlimit = { time, ...i.rlimit };
  }
  rates.forget();
  return { node, pods };
}
