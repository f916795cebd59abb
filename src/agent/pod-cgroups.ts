/**
 * The pod container manager (the kubelet's podContainerManager with the cgroupfs driver): every
 * pod gets a cgroup under its QoS class's — kubepods/pod<uid> (Guaranteed),
 * kubepods/burstable/pod<uid>, kubepods/besteffort/pod<uid> — made with the pod-level limits before
 * its sandbox, handed to the runtime as the sandbox's cgroupParent (containers go below it), and
 * removed once the pod's containers are gone.
 */
import os from 'node:os';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { cgroupsOf, type CgroupManager } from '../runtime/cgroups/index.js';
import type { LinuxContainerResources } from '../runtime/types.js';
import { log } from '../util/log.js';
import { containerResources, podResources, qosClassOf } from './container-resources.js';

const logger = log.child({ component: 'pod-cgroups' });

/** KUBEPODS is the root of the pods' cgroups (the kubelet's default with --cgroups-per-qos). */
export const KUBEPODS = 'kubepods';

/** podCgroupName is the pod's cgroup as the kubelet's cgroupfs driver names it. */
export function podCgroupName(pod: Pod): string {
  const uid = pod.metadata?.uid ?? '';
  switch (qosClassOf(pod)) {
    case 'Guaranteed': return `${KUBEPODS}/pod${uid}`;
    case 'Burstable': return `${KUBEPODS}/burstable/pod${uid}`;
    default: return `${KUBEPODS}/besteffort/pod${uid}`;
  }
}

/** PodContainerManagerOptions: the node's memory (for burstable oom_score_adj) and the pod pids limit (kubelet --pod-max-pids; none by default). */
export interface PodContainerManagerOptions {
  nodeMemoryCapacity?: number;
  podPidsLimit?: number;
}

/** PodContainerManager makes and removes pod cgroups and computes what the runtime is handed. */
export class PodContainerManager {
  readonly nodeMemoryCapacity: number;

  constructor(readonly cgroups: CgroupManager, private readonly o: PodContainerManagerOptions = {}) {
    this.nodeMemoryCapacity = o.nodeMemoryCapacity ?? os.totalmem();
  }

  /** ensure makes (or updates) the pod's cgroup with its pod-level limits and returns its name (the sandbox's cgroupParent). */
  async ensure(pod: Pod): Promise<string> {
    const name = podCgroupName(pod);
    const r = podResources(pod);
    // The QoS-level cgroups (kubepods, kubepods/burstable…) come first, without limits of their own here.
    await this.cgroups.create(name, { ...r, pidsLimit: this.o.podPidsLimit });
    return name;
  }

  /** containerResources is what the runtime gets for one of the pod's containers (oom_score_adj clamped at 0: MACHINE-NOTES). */
  containerResources(pod: Pod, c: Container): LinuxContainerResources {
    return containerResources(pod, c, this.nodeMemoryCapacity, 0);
  }

  /** remove deletes the pod's cgroup (what still runs there is killed after a grace moment); never throws. */
  async remove(pod: Pod): Promise<void> {
    const name = podCgroupName(pod);
    try {
      await this.cgroups.remove(name);
    } catch (e) {
      logger.error(e, 'Failed to remove pod cgroup', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, cgroup: name });
    }
  }
}

const managers = new WeakMap<object, PodContainerManager | null>();

/**
 * podContainerManagerFor is the pod container manager of a runtime that uses cgroups (one per
 * runtime, made on first use); undefined for one that does not (simulated, not root, no usable
 * hierarchy), which then runs pods without resource limits.
 */
export function podContainerManagerFor(runtime: object): PodContainerManager | undefined {
  let m = managers.get(runtime);
  if (m === undefined) {
    const cg = cgroupsOf(runtime);
    m = cg ? new PodContainerManager(cg) : null;
    managers.set(runtime, m);
  }
  return m ?? undefined;
}
