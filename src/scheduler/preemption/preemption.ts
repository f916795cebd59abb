/**
 * The preemption Evaluator (framework/preemption): when no node fits a pod, find nodes where
 * removing lower-priority pods would let it fit, pick the node whose victims matter least, delete
 * them through the API and nominate the node for the pod.
 */
import type { Lister } from '../../client/informer-types.js';
import { matchesLabels, labelSelectorFromSpec, selectorIsEmpty, type LabelSelectorSpec } from '../../apimachinery/labels.js';
import { Resources } from '../../client/types.js';
import { StatusError } from '../../apimachinery/errors.js';
import { log } from '../../util/log.js';
import type { CycleState } from '../framework/cycle-state.js';
import type { Handle } from '../framework/interface.js';
import type { Pod } from '../framework/api.js';
import { podPriority } from '../framework/api.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { asStatus, isSuccess, newStatus, type MaybeStatus, type Status } from '../framework/status.js';
import { fitErrorMessage, newDiagnosis, NodeToStatus, type PostFilterResult } from '../framework/types.js';
import { getPodStartTime, moreImportantPod, patchPodStatus, updatePodCondition } from '../util.js';

const logger = log.child({ component: 'default-scheduler' });

/** Victims are the pods to remove from one node and how many PDBs that violates. */
export interface Victims { pods: Readonly<Pod>[]; numPDBViolations: number }

/** Candidate is a node where preemption would let the pod fit. */
export interface Candidate { name: string; victims: Victims }

/** PDB is the part of a PodDisruptionBudget preemption reads. */
export interface PDB {
  metadata?: { namespace?: string; name?: string };
  spec?: { selector?: LabelSelectorSpec | null };
  status?: { disruptionsAllowed?: number; disruptedPods?: Record<string, string> };
}

/** PreemptionInterface is what a preemption plugin decides (DefaultPreemption implements it). */
export interface PreemptionInterface {
  getOffsetAndNumCandidates(numNodes: number): [number, number];
  podEligibleToPreemptOthers(pod: Readonly<Pod>, nominatedNodeStatus: Status | undefined): { ok: boolean; msg: string };
  selectVictimsOnNode(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo, pdbs: readonly PDB[]): { victims: Readonly<Pod>[]; numViolating: number; status: MaybeStatus };
}

/**
 * filterPodsWithPDBViolation splits pods into those whose eviction would exceed a matching PDB's
 * disruptionsAllowed (counted in order) and the rest.
 */
export function filterPodsWithPDBViolation<T extends { pod: Readonly<Pod> }>(pods: readonly T[], pdbs: readonly PDB[]): { violating: T[]; nonViolating: T[] } {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const violating: T[] = [];
  const nonViolating: T[] = [];
  for (const pi of pods) {
    const labels = pi.pod.metadata?.labels;
    let violated = false;
    if (labels && Object.keys(labels).length) {
      pdbs.forEach((pdb, i) => {
        if (pdb.metadata?.namespace !== pi.pod.metadata?.namespace) return;
        let sel;
        try { sel = labelSelectorFromSpec(pdb.spec?.selector); } catch { return; }
        // A PDB with a nil or empty selector matches nothing.
        if (sel.nothing || selectorIsEmpty(sel) || !matchesLabels(sel, labels)) return;
        // Pods the API server already counted as disrupted do not use the budget again.
        if (pdb.status?.disruptedPods?.[pi.pod.metadata?.name ?? '']) return;
        allowed[i]--;
        if (allowed[i] < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(pi);
  }
  return { violating, nonViolating };
}

/**
 * pickOneNodeForPreemption picks, in order of precedence: fewest PDB violations, lowest highest
 * victim priority, smallest priority sum, fewest victims, latest start of the highest-priority
 * victims; then the first.
 */
export function pickOneNodeForPreemption(nodesToVictims: Map<string, Victims>, now: number): string {
  let candidates = [...nodesToVictims.keys()];
  if (!candidates.length) return '';
  const earliestStart = (v: Victims) => {
    // The victims are ordered by importance: the first ones have the highest priority.
    const top = podPriority(v.pods[0]);
    let min = Infinity;
    for (const p of v.pods) if (podPriority(p) === top) min = Math.min(min, getPodStartTime(p, now));
    return min;
  };
  const scoreFuncs: ((n: string) => number)[] = [
    (n) => -nodesToVictims.get(n)!.numPDBViolations,
    (n) => -podPriority(nodesToVictims.get(n)!.pods[0]),
    (n) => -nodesToVictims.get(n)!.pods.reduce((s, p) => s + podPriority(p) + 2147483648, 0),
    (n) => -nodesToVictims.get(n)!.pods.length,
    (n) => earliestStart(nodesToVictims.get(n)!),
  ];
  for (const f of scoreFuncs) {
    let best = -Infinity;
    let selected: string[] = [];
    for (const n of candidates) {
      const s = f(n);
      if (s > best) { best = s; selected = []; }
      if (s === best) selected.push(n);
    }
    if (selected.length === 1) return selected[0];
    candidates = selected;
  }
  return candidates[0];
}

/** Evaluator runs preemption for a plugin. */
export class Evaluator {
  private readonly podLister: Lister;
  private readonly pdbLister: Lister | undefined;

  constructor(private readonly pluginName: string, private readonly handle: Handle, private readonly iface: PreemptionInterface) {
    this.podLister = handle.informers.informerFor(Resources.pods).lister;
    this.pdbLister = handle.informers.informerFor({ group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', namespaced: true }).lister;
  }

  /**
   * preempt returns the nominated node on success; Unschedulable with a FitError message when no
   * node can be freed ("0/3 nodes are available: 3 No preemption victims found for incoming pod.").
   */
  async preempt(state: CycleState, podInfo: PodInfo, m: NodeToStatus): Promise<{ result?: PostFilterResult; status: Status }> {
    const pod = this.podLister.get(podInfo.namespace, podInfo.name) as Readonly<Pod> | undefined;
    if (!pod) return { status: asStatus(new Error(`pod "${podInfo.name}" not found`)) };
    const nominated = pod.status?.nominatedNodeName ?? '';
    const eligible = this.iface.podEligibleToPreemptOthers(pod, nominated ? m.get(nominated) : undefined);
    if (!eligible.ok) return { status: newStatus('Unschedulable', eligible.msg) };

    const allNodes = this.handle.snapshotSharedLister().list();
    const { candidates, statuses, error } = this.findCandidates(state, allNodes, podInfo, m);
    if (error && !candidates.length) return { status: asStatus(error) };
    if (!candidates.length) {
      const d = newDiagnosis();
      d.nodeToStatus = statuses;
      statuses.setAbsentNodesStatus(newStatus('UnschedulableAndUnresolvable', 'Preemption is not helpful for scheduling'));
      // Clear the pod's nominated node, if any.
      return { result: { nominatingInfo: { nominatedNodeName: '', mode: 'Override' } }, status: newStatus('Unschedulable', fitErrorMessage(allNodes.length, d)) };
    }
    const best = this.selectCandidate(candidates);
    if (!best) return { status: newStatus('Unschedulable', 'no candidate node for preemption') };
    const s = await this.prepareCandidate(best, pod);
    if (!isSuccess(s)) return { status: s! };
    return { result: { nominatingInfo: { nominatedNodeName: best.name, mode: 'Override' } }, status: newStatus('Success') };
  }

  private findCandidates(state: CycleState, allNodes: readonly NodeInfo[], pod: PodInfo, m: NodeToStatus): { candidates: Candidate[]; statuses: NodeToStatus; error?: Error } {
    if (!allNodes.length) return { candidates: [], statuses: new NodeToStatus(), error: new Error('no nodes available') };
    // Only nodes that failed with Unschedulable may fit once pods are removed.
    const potential = m.nodesForStatusCode(allNodes, 'Unschedulable');
    if (!potential.length) {
      logger.v(3).info('Preemption will not help schedule pod on any node', { pod: `${pod.namespace}/${pod.name}` });
      return { candidates: [], statuses: new NodeToStatus() };
    }
    const pdbs = (this.pdbLister?.list() ?? []) as PDB[];
    const [offset, numCandidates] = this.iface.getOffsetAndNumCandidates(potential.length);
    return this.dryRunPreemption(state, pod, potential, pdbs, offset, numCandidates);
  }

  /** dryRunPreemption tries the potential nodes from offset until enough candidates are found (PDB-respecting ones first). */
  dryRunPreemption(state: CycleState, pod: PodInfo, potential: readonly NodeInfo[], pdbs: readonly PDB[], offset: number, numCandidates: number): { candidates: Candidate[]; statuses: NodeToStatus; error?: Error } {
    const nonViolating: Candidate[] = [];
    const violating: Candidate[] = [];
    const statuses = new NodeToStatus();
    const errors: Error[] = [];
    for (let i = 0; i < potential.length; i++) {
      const ni = potential[(offset + i) % potential.length].snapshot();
      const { victims, numViolating, status } = this.iface.selectVictimsOnNode(state.clone(), pod, ni, pdbs);
      if (isSuccess(status) && victims.length) {
        const c = { name: ni.name, victims: { pods: victims, numPDBViolations: numViolating } };
        (numViolating === 0 ? nonViolating : violating).push(c);
        if (nonViolating.length > 0 && nonViolating.length + violating.length >= numCandidates) break;
        continue;
      }
      const s = isSuccess(status) ? asStatus(new Error(`expected at least one victim pod on node "${ni.name}"`)) : status!;
      if (s.code === 'Error') errors.push(s.asError());
      statuses.set(ni.name, s);
    }
    return { candidates: [...nonViolating, ...violating], statuses, error: errors.length ? new Error(errors.map((e) => e.message).join(', ')) : undefined };
  }

  private selectCandidate(candidates: Candidate[]): Candidate | undefined {
    if (candidates.length <= 1) return candidates[0];
    const map = new Map(candidates.map((c) => [c.name, c.victims]));
    const name = pickOneNodeForPreemption(map, this.handle.clock.now().getTime());
    return candidates.find((c) => c.name === name) ?? candidates[0];
  }

  /**
   * prepareCandidate evicts the victims: a DisruptionTarget condition (PreemptionByScheduler),
   * then a delete, and a Preempted event on each; then lower-priority pods nominated to the node
   * lose their nomination.
   */
  private async prepareCandidate(c: Candidate, pod: Readonly<Pod>): Promise<MaybeStatus> {
    const client = this.handle.client;
    const schedulerName = pod.spec?.schedulerName ?? 'default-scheduler';
    const results = await Promise.all(c.victims.pods.map(async (victim): Promise<MaybeStatus> => {
      if (victim.metadata?.deletionTimestamp) return undefined; // graceful deletion already started
      const waiting = this.handle.getWaitingPod(victim.metadata?.uid ?? '');
      if (waiting) {
        waiting.reject(this.pluginName, 'preempted');
      } else {
        try {
          const { changed, condition } = updatePodCondition(victim, { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: `${schedulerName}: preempting to accommodate a higher priority pod` }, this.handle.clock.now());
          if (changed) await patchPodStatus(client, victim, { conditions: [condition] });
          await client.delete(Resources.pods, victim.metadata?.namespace, victim.metadata?.name ?? '');
        } catch (e) {
          if (e instanceof StatusError && e.code === 404) return undefined;
          logger.error(e, 'Tried to preempted pod', { pod: `${victim.metadata?.namespace}/${victim.metadata?.name}`, preemptor: `${pod.metadata?.namespace}/${pod.metadata?.name}` });
          return asStatus(e);
        }
      }
      this.handle.eventRecorder.event(victim, 'Normal', 'Preempted', `Preempted by pod ${pod.metadata?.uid ?? ''} on node ${c.name}`);
      return undefined;
    }));
    const failed = results.find((s) => !isSuccess(s));
    if (failed) return failed;
    const prio = podPriority(pod);
    const lower = this.handle.podNominator().nominatedPodsForNode(c.name).filter((pi) => pi.priority < prio);
    for (const pi of lower) {
      if (!pi.pod.status?.nominatedNodeName) continue;
      await patchPodStatus(client, pi.pod, { nominatedNodeName: '' }).catch((e) => logger.error(e, "Cannot clear 'NominatedNodeName' field"));
    }
    return undefined;
  }
}

/** sortByImportance orders pods most important first (a copy). */
export function sortByImportance<T extends { pod: Readonly<Pod> }>(pods: readonly T[], now: number): T[] {
  return [...pods].sort((a, b) => (moreImportantPod(a.pod, b.pod, now) ? -1 : moreImportantPod(b.pod, a.pod, now) ? 1 : 0));
}
