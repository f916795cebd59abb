/**
 * Snapshot is the scheduling cycle's view of the cluster (internal/cache/snapshot.go): NodeInfo
 * copies that the cache refreshes in place, only for nodes that changed since the last cycle.
 */
import type { NodeInfoLister } from '../framework/interface.js';
import { NodeInfo } from '../framework/node-info.js';
import type { Node, Pod } from '../framework/api.js';
import { PodInfo } from '../framework/pod-info.js';

/** Snapshot is one cycle's node list. */
export class Snapshot implements NodeInfoLister {
  nodeInfoMap = new Map<string, NodeInfo>();
  /** nodes in the node tree's order (zones interleaved) */
  nodeInfoList: NodeInfo[] = [];
  havePodsWithAffinityNodeInfoList: NodeInfo[] = [];
  havePodsWithRequiredAntiAffinityNodeInfoList: NodeInfo[] = [];
  /** the latest NodeInfo generation copied in */
  generation = 0;
  /** images on any node (normalized name → size and node count), shared with the cache */
  imageStates: ReadonlyMap<string, { size: number; numNodes: number }> = new Map();

  /** fromNodes builds a snapshot from nodes and pods (tests, preemption dry runs). */
  static fromNodes(nodes: readonly Readonly<Node>[], pods: readonly Readonly<Pod>[] = []): Snapshot {
    const s = new Snapshot();
    for (const n of nodes) {
      const ni = new NodeInfo();
      ni.setNode(n);
      s.nodeInfoMap.set(n.metadata?.name ?? '', ni);
    }
    for (const p of pods) s.nodeInfoMap.get(p.spec?.nodeName ?? '')?.addPodInfo(new PodInfo(p));
    s.nodeInfoList = [...s.nodeInfoMap.values()];
    s.refreshAffinityLists();
    return s;
  }

  /** refreshAffinityLists recomputes the lists of nodes with pods that have affinity. */
  refreshAffinityLists(): void {
    this.havePodsWithAffinityNodeInfoList = this.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0);
    this.havePodsWithRequiredAntiAffinityNodeInfoList = this.nodeInfoList.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
  }

  list(): readonly NodeInfo[] { return this.nodeInfoList; }
  havePodsWithAffinityList(): readonly NodeInfo[] { return this.havePodsWithAffinityNodeInfoList; }
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] { return this.havePodsWithRequiredAntiAffinityNodeInfoList; }
  get(nodeName: string): NodeInfo | undefined { return this.nodeInfoMap.get(nodeName); }
  numNodes(): number { return this.nodeInfoList.length; }
}
