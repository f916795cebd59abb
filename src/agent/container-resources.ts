/**
 * A container's and a pod's cgroup settings from their requests and limits, computed as the
 * kubelet does (kuberuntime's generateLinuxContainerResources, qos's GetContainerOOMScoreAdjust,
 * cm's ResourceConfigForPod): requests.cpu → cpu shares, limits.cpu → CFS quota, limits.memory →
 * memory limit, the QoS class → oom_score_adj.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { podQOSClass } from '../api/core/pod-defaults.js';
import { toMilli, tryParseQuantity } from '../apimachinery/quantity.js';
import type { LinuxContainerResources } from '../runtime/types.js';

/** MIN_SHARES, MAX_SHARES, SHARES_PER_CPU are cgroup v1 cpu.shares bounds and scale (kubelet's cm constants). */
export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
export const SHARES_PER_CPU = 1024;
/** QUOTA_PERIOD is the CFS period the kubelet uses (100 ms, in µs); MIN_QUOTA_PERIOD the smallest quota it writes. */
export const QUOTA_PERIOD = 100000;
export const MIN_QUOTA_PERIOD = 1000;
/** oom_score_adj of the QoS classes (kubelet's qos package); burstable containers fall in between. */
export const GUARANTEED_OOM_SCORE_ADJ = -997;
export const BESTEFFORT_OOM_SCORE_ADJ = 1000;

/** QOSClass is a pod's status.qosClass. */
export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** milliCPUToShares converts CPU in millicores to cpu.shares (1 core = 1024), within [2, 262144]. */
export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU === 0) return MIN_SHARES;
  const shares = Math.floor((milliCPU * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** milliCPUToQuota converts a CPU limit in millicores to a CFS quota for the period (0: none; at least 1000 µs). */
export function milliCPUToQuota(milliCPU: number, period = QUOTA_PERIOD): number {
  if (milliCPU === 0) return 0;
  return Math.max(MIN_QUOTA_PERIOD, Math.floor((milliCPU * period) / 1000));
}

type ResourceList = Record<string, string | number> | undefined;

/** milli is a resource list's entry in millis (0 when absent or invalid, as the kubelet reads a zero quantity). */
function milli(list: ResourceList, name: string): number {
  const v = list?.[name];
  if (v === undefined || tryParseQuantity(v) === undefined) return 0;
  return toMilli(v);
}

/** value is a resource list's entry in base units rounded up, as Quantity.Value() (0 when absent or invalid). */
function value(list: ResourceList, name: string): number {
  const n = tryParseQuantity(list?.[name]);
  return n === undefined ? 0 : Math.ceil(n);
}

/** qosClassOf is the pod's QoS class: status.qosClass as the API set it, else computed from its spec. */
export function qosClassOf(pod: Pod): QOSClass {
  const q = pod.status?.qosClass;
  if (q === 'Guaranteed' || q === 'Burstable' || q === 'BestEffort') return q;
  return podQOSClass((pod.spec ?? {}) as Record<string, unknown> as never);
}

/**
 * containerOOMScoreAdj is the kubelet's GetContainerOOMScoreAdjust: Guaranteed −997, BestEffort
 * 1000, Burstable 1000 − 1000×memoryRequest/nodeMemoryCapacity kept within [3, 999] (above what a
 * guaranteed container using all memory would score, below best effort). Node-critical pods are
 * treated as Guaranteed. `floor` clamps the result for machines that refuse negative values
 * (MACHINE-NOTES: root lacks CAP_SYS_RESOURCE here).
 */
export function containerOOMScoreAdj(pod: Pod, container: Container, nodeMemoryCapacity: number, floor = 0): number {
  return Math.max(floor, rawOOMScoreAdj(pod, container, nodeMemoryCapacity));
}

function rawOOMScoreAdj(pod: Pod, container: Container, capacity: number): number {
  if (isNodeCritical(pod)) return GUARANTEED_OOM_SCORE_ADJ;
  const qos = qosClassOf(pod);
  if (qos === 'Guaranteed') return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === 'BestEffort') return BESTEFFORT_OOM_SCORE_ADJ;
  const request = value(container.resources?.requests, 'memory');
  if (!(capacity > 0)) return BESTEFFORT_OOM_SCORE_ADJ - 1;
  const adj = 1000 - Math.floor((1000 * request) / capacity);
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (adj === BESTEFFORT_OOM_SCORE_ADJ) return adj - 1;
  return adj;
}

/** isNodeCritical: a static (file-sourced) pod, or one at system-node-critical priority (2000001000), is never the first to go. */
function isNodeCritical(pod: Pod): boolean {
  return (pod.spec?.priority ?? 0) >= 2000001000 || pod.metadata?.annotations?.['kubernetes.io/config.source'] === 'file';
}

/**
 * containerResources is the kubelet's generateLinuxContainerResources for one container: shares
 * from requests.cpu (from limits.cpu when only a limit is set), quota and period only with a CPU
 * limit, the memory limit, and the oom_score_adj of its QoS (clamped at `oomFloor`).
 */
export function containerResources(pod: Pod, container: Container, nodeMemoryCapacity: number, oomFloor = 0): LinuxContainerResources {
  const cpuRequest = milli(container.resources?.requests, 'cpu');
  const cpuLimit = milli(container.resources?.limits, 'cpu');
  const memoryLimit = value(container.resources?.limits, 'memory');
  const out: LinuxContainerResources = {
    cpuShares: milliCPUToShares(cpuRequest === 0 && cpuLimit !== 0 ? cpuLimit : cpuRequest),
    oomScoreAdj: containerOOMScoreAdj(pod, container, nodeMemoryCapacity, oomFloor),
  };
  if (memoryLimit !== 0) out.memoryLimitInBytes = memoryLimit;
  if (cpuLimit !== 0) {
    out.cpuPeriod = QUOTA_PERIOD;
    out.cpuQuota = milliCPUToQuota(cpuLimit, QUOTA_PERIOD);
  }
  return out;
}

/** PodTotals are a pod's effective requests or limits of one resource, and whether every container declared it. */
interface PodTotal { total: number; declaredByAll: boolean }

/**
 * podTotal adds one resource over the pod as resourcehelper's PodRequests/PodLimits do: the sum of
 * the containers (and of restartable init containers, the sidecars, which run alongside them),
 * or the largest one-time init container (plus the sidecars started before it) if larger, plus
 * the pod's overhead.
 */
function podTotal(pod: Pod, kind: 'requests' | 'limits', read: (l: ResourceList) => number): PodTotal {
  let declaredByAll = true;
  const of = (c: Container) => {
    const v = read(c.resources?.[kind] as ResourceList);
    if (v === 0) declaredByAll = false;
    return v;
  };
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) sum += of(c);
  let sidecars = 0;
  let maxInit = 0;
  for (const c of pod.spec?.initContainers ?? []) {
    const v = of(c);
    if (c.restartPolicy === 'Always') { sidecars += v; maxInit = Math.max(maxInit, sidecars); } else maxInit = Math.max(maxInit, sidecars + v);
  }
  const total = Math.max(sum + sidecars, maxInit) + read(pod.spec?.overhead as ResourceList);
  return { total, declaredByAll };
}

/**
 * podResources is the kubelet's ResourceConfigForPod: the pod cgroup's settings. Guaranteed: shares
 * from the summed CPU requests, quota from the summed CPU limits, memory limit from the summed
 * memory limits. Burstable: shares, and a quota (memory limit) only when every container has a
 * CPU (memory) limit. BestEffort: the minimum shares only.
 */
export function podResources(pod: Pod): LinuxContainerResources {
  const qos = qosClassOf(pod);
  if (qos === 'BestEffort') return { cpuShares: MIN_SHARES };
  const cpuRequests = podTotal(pod, 'requests', (l) => milli(l, 'cpu')).total;
  const cpuLimits = podTotal(pod, 'limits', (l) => milli(l, 'cpu'));
  const memLimits = podTotal(pod, 'limits', (l) => value(l, 'memory'));
  const out: LinuxContainerResources = { cpuShares: milliCPUToShares(cpuRequests) };
  if (qos === 'Guaranteed' || cpuLimits.declaredByAll) {
    out.cpuPeriod = QUOTA_PERIOD;
    out.cpuQuota = milliCPUToQuota(cpuLimits.total, QUOTA_PERIOD);
  }
  if (qos === 'Guaranteed' || memLimits.declaredByAll) out.memoryLimitInBytes = memLimits.total;
  return out;
}
