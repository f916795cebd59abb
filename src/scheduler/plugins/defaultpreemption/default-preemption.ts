/**
 * DefaultPreemption: a PostFilter plugin. A pod that fits nowhere may evict lower-priority pods
 * from one node (respecting PodDisruptionBudgets where it can) and is nominated to that node.
 * Args: minCandidateNodesPercentage (10), minCandidateNodesAbsolute (100).
 */
import type { CycleState } from '../../framework/cycle-state.js';
import type { Handle, PostFilterOutcome, PostFilterPlugin } from '../../framework/interface.js';
import type { Pod } from '../../framework/api.js';
import { podPriority } from '../../framework/api.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { asStatus, isSuccess, newStatus, Status, type MaybeStatus } from '../../framework/status.js';
import type { NodeToStatus } from '../../framework/types.js';
import { Evaluator, filterPodsWithPDBViolation, sortByImportance, type PDB, type PreemptionInterface } from '../../preemption/preemption.js';
import { Names } from '../names.js';

/** DefaultPreemptionArgs are the plugin's args. */
export interface DefaultPreemptionArgs { minCandidateNodesPercentage?: number; minCandidateNodesAbsolute?: number }

/** podTerminatingByPreemption is true for a pod being deleted because the scheduler preempted it. */
function podTerminatingByPreemption(p: Readonly<Pod>): boolean {
  if (!p.metadata?.deletionTimestamp) return false;
  const c = p.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
  return !!c && c.status === 'True' && c.reason === 'PreemptionByScheduler';
}

/** DefaultPreemption is the default PostFilter plugin. */
export class DefaultPreemption implements PostFilterPlugin, PreemptionInterface {
  readonly name = Names.DefaultPreemption;
  private readonly args: Required<DefaultPreemptionArgs>;
  private readonly evaluator: Evaluator;
  /** random offset source (tests make it deterministic) */
  random: (n: number) => number = (n) => Math.floor(Math.random() * n);

  constructor(args: DefaultPreemptionArgs, private readonly handle: Handle) {
    this.args = { minCandidateNodesPercentage: args.minCandidateNodesPercentage ?? 10, minCandidateNodesAbsolute: args.minCandidateNodesAbsolute ?? 100 };
    this.evaluator = new Evaluator(this.name, handle, this);
  }

  /** postFilter preempts; its messages are prefixed "preemption: ". */
  async postFilter(state: CycleState, pod: PodInfo, m: NodeToStatus): Promise<PostFilterOutcome> {
    const { result, status } = await this.evaluator.preempt(state, pod, m);
    const msg = status.message();
    if (msg) return { result, status: new Status(status.code, [`preemption: ${msg}`], status.error) };
    return { result, status };
  }

  /** calculateNumCandidates: 10% of the nodes, at least 100, at most all. */
  calculateNumCandidates(numNodes: number): number {
    let n = Math.trunc((numNodes * this.args.minCandidateNodesPercentage) / 100);
    if (n < this.args.minCandidateNodesAbsolute) n = this.args.minCandidateNodesAbsolute;
    return Math.min(n, numNodes);
  }

  /** getOffsetAndNumCandidates starts the dry run at a random node. */
  getOffsetAndNumCandidates(numNodes: number): [number, number] {
    return [this.random(numNodes), this.calculateNumCandidates(numNodes)];
  }

  /**
   * podEligibleToPreemptOthers: not with preemptionPolicy Never, and not again while a victim of
   * its earlier preemption is still terminating on its nominated node.
   */
  podEligibleToPreemptOthers(pod: Readonly<Pod>, nominatedNodeStatus: Status | undefined): { ok: boolean; msg: string } {
    if (pod.spec?.preemptionPolicy === 'Never') return { ok: false, msg: 'not eligible due to preemptionPolicy=Never.' };
    const nom = pod.status?.nominatedNodeName;
    if (nom) {
      // A nominated node that no longer passes the filters for good: try again elsewhere.
      if (nominatedNodeStatus?.code === 'UnschedulableAndUnresolvable') return { ok: true, msg: '' };
      const ni = this.handle.snapshotSharedLister().get(nom);
      const prio = podPriority(pod);
      for (const p of ni?.pods ?? []) {
        if (p.priority < prio && podTerminatingByPreemption(p.pod)) return { ok: false, msg: 'not eligible due to a terminating pod on the nominated node.' };
      }
    }
    return { ok: true, msg: '' };
  }

  /**
   * selectVictimsOnNode removes every lower-priority pod, checks the pod fits, then gives back as
   * many as still fit, most important first (PDB-violating ones first).
   */
  selectVictimsOnNode(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo, pdbs: readonly PDB[]): { victims: Readonly<Pod>[]; numViolating: number; status: MaybeStatus } {
    const removePod = (pi: PodInfo): MaybeStatus => {
      nodeInfo.removePod(pi.pod);
      return this.handle.runPreFilterExtensionRemovePod(state, pod, pi, nodeInfo);
    };
    const addPod = (pi: PodInfo): MaybeStatus => {
      nodeInfo.addPodInfo(pi);
      return this.handle.runPreFilterExtensionAddPod(state, pod, pi, nodeInfo);
    };
    const potential = nodeInfo.pods.filter((pi) => pi.priority < pod.priority);
    for (const pi of potential) {
      const s = removePod(pi);
      if (!isSuccess(s)) return { victims: [], numViolating: 0, status: asStatus(s!.asError()) };
    }
    if (!potential.length) return { victims: [], numViolating: 0, status: newStatus('UnschedulableAndUnresolvable', 'No preemption victims found for incoming pod') };
    // If it does not fit even with all of them gone, this node cannot help.
    const fits = this.handle.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
    if (!isSuccess(fits)) return { victims: [], numViolating: 0, status: fits };
    const now = this.handle.clock.now().getTime();
    const sorted = sortByImportance(potential, now);
    const { violating, nonViolating } = filterPodsWithPDBViolation(sorted, pdbs);
    const victims: PodInfo[] = [];
    let numViolating = 0;
    const reprieve = (pi: PodInfo): boolean | Status => {
      const s = addPod(pi);
      if (!isSuccess(s)) return asStatus(s!.asError());
      if (isSuccess(this.handle.runFilterPluginsWithNominatedPods(state, pod, nodeInfo))) return true;
      const r = removePod(pi);
      if (!isSuccess(r)) return asStatus(r!.asError());
      victims.push(pi);
      return false;
    };
    for (const pi of violating) {
      const r = reprieve(pi);
      if (typeof r !== 'boolean') return { victims: [], numViolating: 0, status: r };
      if (!r) numViolating++;
    }
    for (const pi of nonViolating) {
      const r = reprieve(pi);
      if (typeof r !== 'boolean') return { victims: [], numViolating: 0, status: r };
    }
    const ordered = violating.length && nonViolating.length ? sortByImportance(victims, now) : victims;
    return { victims: ordered.map((v) => v.pod), numViolating, status: newStatus('Success') };
  }
}
