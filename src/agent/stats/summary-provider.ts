/**
 * SummaryProvider gathers one Summary: a ResourceAnalyzer collection, the agent's pods (their
 * volumes under ROOT/pods/UID/volumes, their memory limits), the host's filesystems, network and
 * memory, and the agent process itself.
 */
import path from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../apimachinery/quantity.js';
import type { ImageService } from '../../runtime/types.js';
import { diskUsage, readNetDev, readNodeMemory, readRlimit, statFs, type DiskUsage, type InterfaceCounters } from './host.js';
import type { ResourceAnalyzer, ResourceStats } from './resource-analyzer.js';
import { buildSummary, CpuRates, type PodVolume, type Summary, type SummaryPod } from './summary.js';

export interface SummaryProviderOptions {
  nodeName: string;
  /** the agent's state directory (its filesystem is the node's, pods' volumes are under it) */
  rootDir: string;
  analyzer: Pick<ResourceAnalyzer, 'collect'>;
  /** the pods the agent runs */
  pods(): Pod[];
  images?: Pick<ImageService, 'imageFsInfo'>;
  /** simulated nodes measure nothing of the host: only their pods' synthetic usage */
  simulated?: boolean;
  procRoot?: string;
  /** when the agent started (the kubelet system container's start time) */
  started: Date;
}

/** podVolumes lists the volumes a pod's stats report (hostPath has no metrics in the kubelet either). */
export function podVolumes(pod: Pod, rootDir: string): PodVolume[] {
  const out: PodVolume[] = [];
  const uid = pod.metadata?.uid ?? '';
  for (const v of pod.spec?.volumes ?? []) {
    if (v.hostPath) continue;
    const dir = path.join(rootDir, 'pods', uid, 'volumes', v.name);
    const usage = diskUsage(dir);
    if (!usage) continue;
    const claim = v.persistentVolumeClaim?.claimName ?? (v.ephemeral ? `${pod.metadata?.name}-${v.name}` : undefined);
    out.push({
      name: v.name, usage, fs: statFs(dir), ephemeral: !claim,
      ...(claim ? { pvcRef: { name: claim, namespace: pod.metadata?.namespace ?? '' } } : {}),
    });
  }
  return out;
}

/** memoryLimits is limits.memory by container name, in bytes. */
export function memoryLimits(pod: Pod): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of pod.spec?.containers ?? []) {
    const q = c.resources?.limits?.memory;
    if (q === undefined) continue;
    try { out[c.name] = parseQuantity(String(q)); } catch { /* validated by the API server; ignore */ }
  }
  return out;
}

export class SummaryProvider {
  private readonly rates = new CpuRates();

  constructor(private readonly o: SummaryProviderOptions) {}

  /** get measures now and shapes the Summary (only CPU and memory when asked). */
  async get(onlyCpuAndMemory = false): Promise<Summary> {
    const stats = await this.o.analyzer.collect();
    const pods = this.o.pods();
    const summaryPods: SummaryPod[] = pods.map((p) => {
      const started = Date.parse(p.status?.startTime ?? '');
      return {
        name: p.metadata?.name ?? '', namespace: p.metadata?.namespace ?? '', uid: p.metadata?.uid ?? '',
        ...(Number.isNaN(started) ? {} : { startTime: new Date(started) }),
        memoryLimits: memoryLimits(p),
        ...(onlyCpuAndMemory || this.o.simulated ? {} : { volumes: podVolumes(p, this.o.rootDir) }),
      };
    });
    if (this.o.simulated) return buildSummary({ nodeName: this.o.nodeName, stats, pods: summaryPods }, this.rates, onlyCpuAndMemory);
    const cpu = process.cpuUsage();
    const input = {
      nodeName: this.o.nodeName, stats, pods: summaryPods,
      nodeMemory: readNodeMemory(this.o.procRoot),
      agent: { startTime: this.o.started, cpuSeconds: (cpu.user + cpu.system) / 1e6, rssBytes: process.memoryUsage.rss() },
      ...(onlyCpuAndMemory ? {} : await this.filesystems(stats)),
    };
    return buildSummary(input, this.rates, onlyCpuAndMemory);
  }

  private async filesystems(stats: ResourceStats) {
    const podNetwork = new Map<string, InterfaceCounters[]>();
    const containerLogs = new Map<string, DiskUsage>();
    for (const c of stats.containers) {
      if (c.podUid && c.pid && !podNetwork.has(c.podUid)) {
        const net = readNetDev(c.pid, this.o.procRoot);
        if (net) podNetwork.set(c.podUid, net);
      }
      // a container's logs: every attempt's file in its log directory
      const logs = c.id && c.logPath ? diskUsage(path.dirname(c.logPath)) : undefined;
      if (logs && c.id) containerLogs.set(c.id, { bytes: logs.bytes, inodes: Math.max(0, logs.inodes - 1) });
    }
    const nodeFs = statFs(this.o.rootDir);
    const imageFs = this.o.images ? await this.o.images.imageFsInfo().catch(() => undefined) : undefined;
    return {
      nodeNetwork: readNetDev('self', this.o.procRoot), nodeFs, imageFs, rlimit: readRlimit(this.o.procRoot),
      podNetwork, containerLogs, logFs: nodeFs,
    };
  }
}
