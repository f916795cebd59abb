import type { DaemonSet, Node, Pod } from './types.js';
import { nodeShouldRunDaemonPod } from './node-eligibility.js';
import { getTemplateGeneration, isPodAvailable, isPodUpdated, surgeCount, unavailableCount } from './util.js';

/**
 * The RollingUpdate strategy as pure functions (update.go's rollingUpdate): given the nodes, the
 * daemon pods per node and the current revision hash, decide which old pods to delete and on which
 * nodes to create a new pod now, within maxUnavailable (no surge: delete first, the manage loop
 * recreates) or maxSurge (create the new pod first, delete the old one once the new is available).
 */

/** RollingUpdatePlan is what one rolling-update step does; the controller applies it with syncNodes. */
export interface RollingUpdatePlan {
  podsToDelete: string[];
  nodesToCreate: string[];
}

/** NodeCounts are the limits of one step (updatedDesiredNodeCounts). */
export interface NodeCounts { maxSurge: number; maxUnavailable: number; desiredNumberScheduled: number }

/**
 * updatedDesiredNodeCounts counts the nodes that should run the daemon, resolves maxSurge and
 * maxUnavailable against that number (a DaemonSet that allows neither gets maxUnavailable 1), and
 * adds an empty entry to nodeToDaemonPods for every such node without pods.
 */
export function updatedDesiredNodeCounts(ds: Readonly<DaemonSet>, nodeList: readonly Readonly<Node>[], nodeToDaemonPods: Map<string, Readonly<Pod>[]>): NodeCounts {
  let desiredNumberScheduled = 0;
  for (const node of nodeList) {
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
    desiredNumberScheduled++;
    const name = node.metadata?.name ?? '';
    if (!nodeToDaemonPods.has(name)) nodeToDaemonPods.set(name, []);
  }
  let maxUnavailable: number;
  let maxSurge: number;
  try {
    maxUnavailable = unavailableCount(ds, desiredNumberScheduled);
  } catch (e) {
    throw new Error(`invalid value for MaxUnavailable: ${(e as Error).message}`);
  }
  try {
    maxSurge = surgeCount(ds, desiredNumberScheduled);
  } catch (e) {
    throw new Error(`invalid value for MaxSurge: ${(e as Error).message}`);
  }
  // An impossible configuration (the API server should have refused it) falls back to one at a time.
  if (desiredNumberScheduled > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable, desiredNumberScheduled };
}

/**
 * findUpdatedPodsOnNode splits a node's live pods into the one of the current revision and the old
 * one; ok is false when there are several of either (the manage loop prunes them first).
 */
export function findUpdatedPodsOnNode(ds: Readonly<DaemonSet>, podsOnNode: readonly Readonly<Pod>[], hash: string): { newPod?: Readonly<Pod>; oldPod?: Readonly<Pod>; ok: boolean } {
  let newPod: Readonly<Pod> | undefined;
  let oldPod: Readonly<Pod> | undefined;
  const generation = getTemplateGeneration(ds);
  for (const pod of podsOnNode) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

/**
 * rollingUpdate plans one step of a RollingUpdate. nodeToDaemonPods is taken over (nodes that
 * should run the daemon get an entry); nodes are visited in name order so a step is deterministic.
 */
export function rollingUpdate(ds: Readonly<DaemonSet>, nodeList: readonly Readonly<Node>[], nodeToDaemonPods: Map<string, Readonly<Pod>[]>, hash: string, now: Date): RollingUpdatePlan {
  const { maxSurge, maxUnavailable, desiredNumberScheduled } = updatedDesiredNodeCounts(ds, nodeList, nodeToDaemonPods);
  const minReady = ds.spec.minReadySeconds ?? 0;
  const available = (p: Readonly<Pod>) => isPodAvailable(p, minReady, now);
  const nodes = new Map(nodeList.map((n) => [n.metadata?.name ?? '', n]));
  // A node that vanished no longer wants the daemon (upstream fails the sync instead; the manage loop removes its pods).
  const shouldRun = (nodeName: string) => { const n = nodes.get(nodeName); return n ? nodeShouldRunDaemonPod(n, ds).shouldRun : false; };
  const entries = [...nodeToDaemonPods.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  if (maxSurge === 0) {
    // Delete just enough old pods to stay within maxUnavailable; the manage loop creates their replacements.
    let numUnavailable = 0;
    const allowedReplacementPods: string[] = [];
    const candidatePodsToDelete: string[] = [];
    for (const [, pods] of entries) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, pods, hash);
      if (!ok) { numUnavailable++; continue; }
      if ((!oldPod && !newPod) || (oldPod && newPod)) {
        // The manage loop creates or prunes here; count the node as unavailable meanwhile.
        numUnavailable++;
      } else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) {
          // An old pod that is down anyway can be replaced at no cost.
          allowedReplacementPods.push(oldPod.metadata?.name ?? '');
          numUnavailable++;
        } else if (numUnavailable < maxUnavailable) {
          candidatePodsToDelete.push(oldPod.metadata?.name ?? '');
        }
      }
    }
    const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidatePodsToDelete.length);
    return { podsToDelete: [...allowedReplacementPods, ...candidatePodsToDelete.slice(0, remaining)], nodesToCreate: [] };
  }

  // Surging: create a new pod beside each old one (at most maxSurge at a time) and delete the old
  // pod once the new one is available, so no node is left without an available pod.
  const oldPodsToDelete: string[] = [];
  const shouldNotRunPodsToDelete: string[] = [];
  const candidateNewNodes: string[] = [];
  const allowedNewNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const [nodeName, pods] of entries) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, pods, hash);
    if (!ok) { numSurge++; continue; }
    if (oldPod) { if (available(oldPod)) numAvailable++; } else if (newPod && available(newPod)) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun(nodeName)) { oldPodsToDelete.push(oldPod.metadata?.name ?? ''); continue; }
        allowedNewNodes.push(nodeName);
      } else {
        if (!shouldRun(nodeName)) { shouldNotRunPodsToDelete.push(oldPod.metadata?.name ?? ''); continue; }
        if (numSurge >= maxSurge) continue;
        candidateNewNodes.push(nodeName);
      }
      continue;
    }
    // Already surged here: wait for the new pod, then retire the old one.
    if (!available(newPod)) { numSurge++; continue; }
    oldPodsToDelete.push(oldPod.metadata?.name ?? '');
  }
  // Pods on nodes that no longer match go only once enough pods elsewhere are available.
  const deletable = Math.min(numAvailable - desiredNumberScheduled, shouldNotRunPodsToDelete.length);
  if (deletable > 0) oldPodsToDelete.push(...shouldNotRunPodsToDelete.slice(0, deletable));
  const remainingSurge = Math.min(Math.max(0, maxSurge - numSurge), candidateNewNodes.length);
  return { podsToDelete: oldPodsToDelete, nodesToCreate: [...allowedNewNodes, ...candidateNewNodes.slice(0, remainingSurge)] };
}
