/**
 * Nominator remembers which pods preemption nominated to which node (the pods' nominatedNodeName),
 * so other pods' filters count them there (RunFilterPluginsWithNominatedPods).
 */
import type { Lister } from '../../client/informer-types.js';
import type { PodNominator } from '../framework/interface.js';
import type { Pod } from '../framework/api.js';
import { podKey } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import type { NominatingInfo } from '../framework/types.js';

const NONE: readonly PodInfo[] = Object.freeze([]);

/** Nominator is a PodNominator fed by the queue and the failure handler. */
export class Nominator implements PodNominator {
  private readonly byNode = new Map<string, PodInfo[]>();
  private readonly podToNode = new Map<string, string>();

  constructor(private readonly podLister?: Lister) {}

  /**
   * addNominatedPod nominates a pod: to the node in nominatingInfo (Override) or to its own
   * status.nominatedNodeName (Noop / none). Pods already bound or gone are not nominated.
   */
  addNominatedPod(pi: PodInfo, nominatingInfo?: NominatingInfo): void {
    this.deleteNominatedPodIfExists(pi.pod);
    const nodeName = nominatingInfo?.mode === 'Override' ? nominatingInfo.nominatedNodeName : (pi.pod.status?.nominatedNodeName ?? '');
    if (!nodeName) return;
    if (this.podLister) {
      const cur = this.podLister.get(pi.namespace, pi.name) as Readonly<Pod> | undefined;
      if (!cur || cur.spec?.nodeName) return;
    }
    this.podToNode.set(pi.uid, nodeName);
    const list = this.byNode.get(nodeName) ?? [];
    if (list.some((p) => p.uid === pi.uid)) return;
    list.push(pi);
    this.byNode.set(nodeName, list);
  }

  /** deleteNominatedPodIfExists drops a pod's nomination. */
  deleteNominatedPodIfExists(pod: Readonly<Pod>): void {
    const uid = podKey(pod);
    const node = this.podToNode.get(uid);
    if (node === undefined) return;
    const list = (this.byNode.get(node) ?? []).filter((p) => p.uid !== uid);
    if (list.length) this.byNode.set(node, list);
    else this.byNode.delete(node);
    this.podToNode.delete(uid);
  }

  /**
   * updateNominatedPod keeps a nomination across an update: a pod whose status lost its
   * nominatedNodeName but that the scheduler nominated keeps it until the next attempt decides.
   */
  updateNominatedPod(oldPod: Readonly<Pod> | undefined, newInfo: PodInfo): void {
    let info: NominatingInfo | undefined;
    if (oldPod && !newInfo.pod.status?.nominatedNodeName) {
      const nnn = this.podToNode.get(podKey(oldPod));
      if (nnn) info = { nominatedNodeName: nnn, mode: 'Override' };
    }
    if (oldPod) this.deleteNominatedPodIfExists(oldPod);
    this.addNominatedPod(newInfo, info);
  }

  /** hasNominatedPods is false when no pod is nominated to any node. */
  hasNominatedPods(): boolean {
    return this.podToNode.size > 0;
  }

  /** nominatedPodsForNode lists the pods nominated to a node. */
  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.byNode.get(nodeName) ?? NONE;
  }
}
