import os from 'node:os';
import fs from 'node:fs';
import type { ImageRecord } from '../runtime/types.js';
import type { KubeObject } from '../api/resource.js';
import type { PressureCondition } from './eviction.js';

/** KUBELET_VERSION is the Kubernetes version the agent reports. */
export const KUBELET_VERSION = 'v1.32.0';

/** NodeCapacity is what the node offers (Kubernetes quantities). */
export interface NodeCapacity { cpu: string; memory: string; pods: string; 'ephemeral-storage': string }

/** hostCapacity reads the host's CPUs and memory. */
export function hostCapacity(): NodeCapacity {
  return {
    cpu: String(os.cpus().length || 1),
    memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
    pods: '110',
    'ephemeral-storage': diskKi(),
  };
}

function diskKi(): string {
  try {
    const s = fs.statfsSync('/');
    return `${Math.floor((s.blocks * s.bsize) / 1024)}Ki`;
  } catch { return '100Gi'; }
}

/** NodeObjectInput builds a Node. */
export interface NodeObjectInput {
  name: string;
  address: string;
  port: number;
  capacity: NodeCapacity;
  labels?: Record<string, string>;
  runtimeVersion: string;
  scheme: 'https' | 'http';
  now: string;
  ready: boolean;
  previousConditions?: { type: string; status: string; lastTransitionTime?: string }[];
  /** the pressure conditions the eviction thresholds raise now (PressureTracker.observe) */
  pressure?: ReadonlySet<PressureCondition>;
}

/** NODE_STATUS_UPDATE_MS is kubelet's nodeStatusUpdateFrequency: how often status is computed. */
export const NODE_STATUS_UPDATE_MS = 10_000;
/** NODE_STATUS_REPORT_MS is kubelet's nodeStatusReportFrequency: an unchanged status is posted this often. */
export const NODE_STATUS_REPORT_MS = 5 * 60_000;

/**
 * isExtendedResourceName says whether a resource name is an extended resource (Kubernetes'
 * IsExtendedResourceName): a domain-qualified name outside kubernetes.io, not a quota's requests.*.
 */
export function isExtendedResourceName(name: string): boolean {
  return name.includes('/') && !name.includes('kubernetes.io/') && !name.startsWith('requests.');
}

/**
 * resourceLists is the kubelet's MachineInfo setter over the stored Node: the node's own figures
 * are set over the stored capacity (so an extended resource someone advertised there with a PATCH
 * of /status/capacity stays), and every capacity becomes allocatable (the agent reserves nothing);
 * an extended resource gone from capacity leaves allocatable too.
 */
export function resourceLists(own: NodeCapacity, stored: { capacity?: Record<string, string>; allocatable?: Record<string, string> }): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const capacity: Record<string, string> = { ...(stored.capacity ?? {}), ...own };
  const allocatable: Record<string, string> = {};
  for (const [k, v] of Object.entries(stored.allocatable ?? {})) if (k in capacity || !isExtendedResourceName(k)) allocatable[k] = v;
  return { capacity, allocatable: Object.assign(allocatable, capacity) };
}

/** nodeConditionsChanged says whether next differs from stored in anything but heartbeat times. */
export function nodeConditionsChanged(stored: readonly { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[], next: readonly KubeObject[]): boolean {
  if (stored.length !== next.length) return true;
  const byType = new Map(stored.map((c) => [c.type, c]));
  return next.some((n) => {
    const s = byType.get(String(n.type));
    return !s || s.status !== n.status || s.reason !== n.reason || s.message !== n.message || s.lastTransitionTime !== n.lastTransitionTime;
  });
}

/**
 * nodeConditions are kubelet's four conditions with its reasons and messages; the pressure ones are
 * True for the conditions in pressure (kubelet's MemoryPressureCondition, DiskPressureCondition and
 * PIDPressureCondition setters, fed by the eviction manager).
 */
export function nodeConditions(now: string, ready: boolean, previous: NodeObjectInput['previousConditions'] = [], pressure: ReadonlySet<PressureCondition> = new Set()): KubeObject[] {
  const prev = new Map(previous.map((c) => [c.type, c]));
  const c = (type: string, status: string, reason: string, message: string) => ({
    type, status, lastHeartbeatTime: now,
    lastTransitionTime: prev.get(type)?.status === status ? prev.get(type)!.lastTransitionTime ?? now : now,
    reason, message,
  });
  return [
    pressure.has('MemoryPressure')
      ? c('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available')
      : c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    pressure.has('DiskPressure')
      ? c('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure')
      : c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    pressure.has('PIDPressure')
      ? c('PIDPressure', 'True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available')
      : c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready
      ? c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
      : c('Ready', 'False', 'KubeletNotReady', 'container runtime status check may not have completed yet'),
  ];
}

/** NODE_STATUS_MAX_IMAGES and MAX_NAMES_PER_IMAGE are the kubelet's limits on node.status.images. */
export const NODE_STATUS_MAX_IMAGES = 50;
export const MAX_NAMES_PER_IMAGE = 5;

/** NodeImage is one entry of node.status.images. */
export interface NodeImage { names: string[]; sizeBytes: number }

/** nodeImages lists a node's images as the kubelet's images setter does: largest first, digests then tags, at most 50. */
export function nodeImages(records: readonly ImageRecord[]): NodeImage[] {
  return [...records]
    .sort((a, b) => b.size - a.size)
    .slice(0, NODE_STATUS_MAX_IMAGES)
    .map((r) => ({ names: [...r.repoDigests, ...r.repoTags].slice(0, MAX_NAMES_PER_IMAGE), sizeBytes: r.size }))
    .filter((i) => i.names.length > 0);
}

/** nodeObject is the Node the agent registers (labels, addresses, capacity, conditions, nodeInfo). */
export function nodeObject(i: NodeObjectInput): KubeObject {
  const arch = goArch(process.arch);
  const bootId = readFirst('/proc/sys/kernel/random/boot_id') ?? `tskube-${i.name}`;
  const machineId = readFirst('/etc/machine-id') ?? `tskube-${i.name}`;
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name: i.name,
      labels: {
        'beta.kubernetes.io/arch': arch, 'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': arch, 'kubernetes.io/hostname': i.name, 'kubernetes.io/os': 'linux',
        ...(i.labels ?? {}),
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        'tskube.io/agent-scheme': i.scheme,
      },
    },
    spec: {},
    status: {
      capacity: { ...i.capacity }, allocatable: { ...i.capacity },
      conditions: nodeConditions(i.now, i.ready, i.previousConditions, i.pressure),
      addresses: [{ type: 'InternalIP', address: i.address }, { type: 'Hostname', address: i.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: i.port } },
      nodeInfo: {
        machineID: machineId, systemUUID: machineId, bootID: bootId,
        kernelVersion: os.release(), osImage: osImage(), containerRuntimeVersion: i.runtimeVersion,
        kubeletVersion: KUBELET_VERSION, kubeProxyVersion: '', operatingSystem: 'linux', architecture: arch,
      },
    },
  };
}

function goArch(a: string): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[a] ?? a;
}

function readFirst(p: string): string | undefined {
  try { return fs.readFileSync(p, 'utf8').trim() || undefined; } catch { return undefined; }
}

function osImage(): string {
  const txt = readFirst('/etc/os-release') ?? '';
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(txt);
  return m?.[1] ?? 'Linux';
}
