/**
 * Cache is the scheduler's incremental picture of the cluster (internal/cache/cache.go): one
 * NodeInfo per node, updated from pod and node informer events, plus assumed pods — pods the
 * scheduler placed whose binding the API has not confirmed yet, so the next pods see their
 * resources taken. An assumed pod is confirmed by the informer's add, forgotten when binding
 * fails, or expires ttl after binding finished if the informer never shows it.
 *
 * NodeInfos form a list ordered by last change; updateSnapshot copies only the ones changed since
 * the snapshot's generation, so a cycle costs O(changes), not O(nodes).
 */
import type { Clock } from '../../util/clock.js';
import type { Node, Pod } from '../framework/api.js';
import { NodeInfo, podKey, type ImageStateSummary } from '../framework/node-info.js';
import { normalizedImageName, PodInfo } from '../framework/pod-info.js';
import { NodeTree } from './node-tree.js';
import type { Snapshot } from './snapshot.js';

/** DEFAULT_ASSUMED_POD_TTL_MS: an assumed pod the informer never confirms is dropped 30 s after its binding finished. */
export const DEFAULT_ASSUMED_POD_TTL_MS = 30_000;

interface ListItem { info: NodeInfo; next?: ListItem; prev?: ListItem }
interface PodState { pod: Readonly<Pod>; deadline?: number; bindingFinished: boolean }

/** CacheError is a cache inconsistency (logged by the caller). */
export class CacheError extends Error {}

/** Cache holds NodeInfos and assumed pods. */
export class Cache {
  private readonly nodes = new Map<string, ListItem>();
  private head: ListItem | undefined;
  private readonly nodeTree = new NodeTree();
  private readonly podStates = new Map<string, PodState>();
  private readonly assumedPods = new Set<string>();
  private readonly imageStates = new Map<string, { summary: ImageStateSummary; nodes: Set<string> }>();
  /** the summaries by image, as the snapshot shows them */
  private readonly imageSummaries = new Map<string, ImageStateSummary>();

  constructor(private readonly clock: Clock, private readonly ttlMs = DEFAULT_ASSUMED_POD_TTL_MS) {}

  private item(nodeName: string): ListItem {
    let it = this.nodes.get(nodeName);
    if (!it) {
      it = { info: new NodeInfo() };
      this.nodes.set(nodeName, it);
    }
    return it;
  }

  private moveToHead(nodeName: string): void {
    const it = this.nodes.get(nodeName);
    if (!it || it === this.head) return;
    if (it.prev) it.prev.next = it.next;
    if (it.next) it.next.prev = it.prev;
    it.prev = undefined;
    it.next = this.head;
    if (this.head) this.head.prev = it;
    this.head = it;
  }

  private removeFromList(nodeName: string): void {
    const it = this.nodes.get(nodeName);
    if (!it) return;
    if (it.prev) it.prev.next = it.next;
    if (it.next) it.next.prev = it.prev;
    if (it === this.head) this.head = it.next;
    this.nodes.delete(nodeName);
  }

  private addPodInternal(pod: Readonly<Pod>, assumed: boolean, podInfo?: PodInfo): void {
    const key = podKey(pod);
    const nodeName = pod.spec?.nodeName ?? '';
    const pi = podInfo && podInfo.pod === pod ? podInfo : new PodInfo(pod);
    this.item(nodeName).info.addPodInfo(pi);
    this.moveToHead(nodeName);
    this.podStates.set(key, { pod, bindingFinished: false });
    if (assumed) this.assumedPods.add(key);
  }

  private removePodInternal(pod: Readonly<Pod>): void {
    const key = podKey(pod);
    const nodeName = pod.spec?.nodeName ?? '';
    const it = this.nodes.get(nodeName);
    if (it) {
      it.info.removePod(pod);
      if (!it.info.pods.length && !it.info.node) this.removeFromList(nodeName);
      else this.moveToHead(nodeName);
    }
    this.podStates.delete(key);
    this.assumedPods.delete(key);
  }

  /** assumePod counts a pod (with spec.nodeName set to the chosen node) before its binding is confirmed. */
  assumePod(podInfo: PodInfo): void {
    const key = podKey(podInfo.pod);
    if (this.podStates.has(key)) throw new CacheError(`pod ${podInfo.namespace}/${podInfo.name}(${key}) is in the cache, so can't be assumed`);
    this.addPodInternal(podInfo.pod, true, podInfo);
  }

  /** finishBinding starts the assumed pod's expiry clock. */
  finishBinding(pod: Readonly<Pod>): void {
    const key = podKey(pod);
    const ps = this.podStates.get(key);
    if (ps && this.assumedPods.has(key)) {
      ps.deadline = this.ttlMs > 0 ? this.clock.now().getTime() + this.ttlMs : undefined;
      ps.bindingFinished = true;
    }
  }

  /** forgetPod drops an assumed pod (its binding failed). */
  forgetPod(pod: Readonly<Pod>): void {
    const key = podKey(pod);
    const ps = this.podStates.get(key);
    if (ps && ps.pod.spec?.nodeName !== pod.spec?.nodeName) throw new CacheError(`pod ${pod.metadata?.namespace}/${pod.metadata?.name} was assumed on ${pod.spec?.nodeName} but assigned to ${ps.pod.spec?.nodeName}`);
    if (ps && this.assumedPods.has(key)) this.removePodInternal(ps.pod);
  }

  /** addPod records a bound pod from the informer (confirming it when it was assumed). */
  addPod(pod: Readonly<Pod>): void {
    const key = podKey(pod);
    const cur = this.podStates.get(key);
    if (cur && this.assumedPods.has(key)) {
      // Confirmed: replace the assumed copy by the informer's object.
      this.removePodInternal(cur.pod);
      this.addPodInternal(pod, false);
      return;
    }
    if (!cur) { this.addPodInternal(pod, false); return; }
    throw new CacheError(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}(${key}) was already in added state`);
  }

  /** updatePod replaces a bound pod's object. */
  updatePod(oldPod: Readonly<Pod>, newPod: Readonly<Pod>): void {
    const key = podKey(oldPod);
    const cur = this.podStates.get(key);
    if (!cur) throw new CacheError(`pod ${oldPod.metadata?.namespace}/${oldPod.metadata?.name}(${key}) is not added to scheduler cache, so cannot be updated`);
    if (this.assumedPods.has(key)) throw new CacheError(`assumed pod ${oldPod.metadata?.namespace}/${oldPod.metadata?.name}(${key}) should not be updated`);
    this.removePodInternal(cur.pod);
    this.addPodInternal(newPod, false);
  }

  /** removePod forgets a deleted (or terminated) pod. */
  removePod(pod: Readonly<Pod>): void {
    const key = podKey(pod);
    const cur = this.podStates.get(key);
    if (!cur) throw new CacheError(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}(${key}) is not found in scheduler cache, so cannot be removed from it`);
    this.removePodInternal(cur.pod);
  }

  /** isAssumedPod is true while the pod's binding is unconfirmed. */
  isAssumedPod(pod: Readonly<Pod>): boolean {
    return this.assumedPods.has(podKey(pod));
  }

  /** getPod is the cached pod object. */
  getPod(pod: Readonly<Pod>): Readonly<Pod> | undefined {
    return this.podStates.get(podKey(pod))?.pod;
  }

  private addNodeImageStates(node: Readonly<Node>, info: NodeInfo): void {
    const name = node.metadata?.name ?? '';
    const states = new Map<string, ImageStateSummary>();
    for (const img of node.status?.images ?? []) {
      for (const raw of img.names ?? []) {
        const n = normalizedImageName(raw);
        let st = this.imageStates.get(n);
        if (!st) {
          st = { summary: { size: img.sizeBytes ?? 0, numNodes: 0 }, nodes: new Set() };
          this.imageStates.set(n, st);
          this.imageSummaries.set(n, st.summary);
        }
        st.nodes.add(name);
        st.summary.numNodes = st.nodes.size;
        states.set(n, st.summary);
      }
    }
    info.imageStates = states;
  }

  private removeNodeImageStates(node: Readonly<Node> | undefined): void {
    if (!node) return;
    const name = node.metadata?.name ?? '';
    for (const img of node.status?.images ?? []) {
      for (const raw of img.names ?? []) {
        const n = normalizedImageName(raw);
        const st = this.imageStates.get(n);
        if (!st) continue;
        st.nodes.delete(name);
        st.summary.numNodes = st.nodes.size;
        if (!st.nodes.size) {
          this.imageStates.delete(n);
          this.imageSummaries.delete(n);
        }
      }
    }
  }

  /** addNode adds (or replaces) a node. */
  addNode(node: Readonly<Node>): NodeInfo {
    const name = node.metadata?.name ?? '';
    const it = this.item(name);
    this.moveToHead(name);
    this.nodeTree.addNode(node);
    this.removeNodeImageStates(it.info.node);
    this.addNodeImageStates(node, it.info);
    it.info.setNode(node);
    return it.info;
  }

  /** updateNode replaces a node's object. */
  updateNode(oldNode: Readonly<Node> | undefined, node: Readonly<Node>): NodeInfo {
    const name = node.metadata?.name ?? '';
    const it = this.item(name);
    this.moveToHead(name);
    this.nodeTree.updateNode(oldNode ?? it.info.node, node);
    this.removeNodeImageStates(it.info.node);
    this.addNodeImageStates(node, it.info);
    it.info.setNode(node);
    return it.info;
  }

  /** removeNode drops a node; its NodeInfo lives on (as a ghost) until its pods are gone. */
  removeNode(node: Readonly<Node>): void {
    const name = node.metadata?.name ?? '';
    const it = this.nodes.get(name);
    if (!it) return;
    this.removeNodeImageStates(it.info.node);
    it.info.removeNode();
    if (!it.info.pods.length) this.removeFromList(name);
    else this.moveToHead(name);
    this.nodeTree.removeNode(node);
  }

  /**
   * updateSnapshot copies into the snapshot the NodeInfos changed since its generation (in place,
   * so the lists keep pointing at them), and rebuilds the lists when nodes came, went, or gained
   * or lost pods with affinity.
   */
  updateSnapshot(s: Snapshot): void {
    s.imageStates = this.imageSummaries;
    const gen = s.generation;
    let updateAll = false;
    let updateAffinity = false;
    for (let it = this.head; it && it.info.generation > gen; it = it.next) {
      const node = it.info.node;
      if (!node) continue;
      const name = node.metadata?.name ?? '';
      let existing = s.nodeInfoMap.get(name);
      if (!existing) {
        updateAll = true;
        existing = new NodeInfo();
        s.nodeInfoMap.set(name, existing);
      }
      if ((existing.podsWithAffinity.length > 0) !== (it.info.podsWithAffinity.length > 0)
        || (existing.podsWithRequiredAntiAffinity.length > 0) !== (it.info.podsWithRequiredAntiAffinity.length > 0)) updateAffinity = true;
      existing.copyFrom(it.info);
    }
    if (this.head) s.generation = this.head.info.generation;
    if (s.nodeInfoMap.size > this.nodeTree.numNodes) {
      for (const name of [...s.nodeInfoMap.keys()]) {
        const it = this.nodes.get(name);
        if (!it || !it.info.node) s.nodeInfoMap.delete(name);
      }
      updateAll = true;
    }
    if (updateAll || s.nodeInfoList.length !== this.nodeTree.numNodes) {
      s.nodeInfoList = this.nodeTree.list().map((n) => s.nodeInfoMap.get(n)).filter((n): n is NodeInfo => !!n);
      s.refreshAffinityLists();
    } else if (updateAffinity) {
      s.refreshAffinityLists();
    }
  }

  /** cleanupAssumedPods expires assumed pods whose binding finished more than ttl ago. */
  cleanupAssumedPods(now = this.clock.now().getTime()): Readonly<Pod>[] {
    const expired: Readonly<Pod>[] = [];
    for (const key of [...this.assumedPods]) {
      const ps = this.podStates.get(key);
      if (!ps || !ps.bindingFinished || ps.deadline === undefined || now < ps.deadline) continue;
      expired.push(ps.pod);
      this.removePodInternal(ps.pod);
    }
    return expired;
  }

  /** nodeCount is the number of nodes (ghosts excluded). */
  nodeCount(): number {
    return this.nodeTree.numNodes;
  }

  /** podCount is the number of pods, assumed ones included. */
  podCount(): number {
    return this.podStates.size;
  }

  /** assumedPodCount is the number of unconfirmed pods. */
  assumedPodCount(): number {
    return this.assumedPods.size;
  }

  /** nodeInfo is the live NodeInfo of a node (tests, debugging). */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name)?.info;
  }
}
