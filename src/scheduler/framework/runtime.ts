/**
 * Framework runs one profile's plugins at each extension point (framework/runtime/framework.go):
 * it builds the plugins from the registry, expands multiPoint into the points each plugin
 * implements, keeps Score weights, and turns plugin results into the statuses the scheduler acts
 * on. It is also the Handle the plugins get.
 */
import type { Client } from '../../client/types.js';
import type { InformerFactory } from '../../client/informer-types.js';
import type { Clock } from '../../util/clock.js';
import type { Pod } from './api.js';
import type { KubeSchedulerProfile, PluginSet, ExtensionPointName } from '../apis/types.js';
import { EXTENSION_POINTS } from '../apis/types.js';
import { CycleState } from './cycle-state.js';
import {
  implementsPoint, type BindPlugin, type EventSink, type FilterPlugin, type Handle, type NodeInfoLister, type PermitPlugin,
  type Plugin, type PodNominator, type PostBindPlugin, type PostFilterPlugin, type PreBindPlugin, type PreEnqueuePlugin, type PreFilterPlugin,
  type PreScorePlugin, type QueueSortPlugin, type Registry, type ReservePlugin, type ScorePlugin, type WaitingPod,
} from './interface.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { asStatus, isRejected, isSuccess, newStatus, Status, type MaybeStatus } from './status.js';
import {
  ActionType, MAX_NODE_SCORE, MAX_TOTAL_SCORE, MIN_NODE_SCORE, PreFilterResult,
  type ClusterEventWithHint, type NodePluginScores, type NodeScore, type NodeToStatus, type PostFilterResult, type QueuedPodInfo,
} from './types.js';

/** MAX_PERMIT_TIMEOUT_MS caps how long a Permit plugin may hold a pod (15 min). */
export const MAX_PERMIT_TIMEOUT_MS = 15 * 60_000;

/** FrameworkOptions is what a profile's framework is built from. */
export interface FrameworkOptions {
  profile: KubeSchedulerProfile;
  registry: Registry;
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  eventRecorder: EventSink;
  /** the scheduler's snapshot, refreshed at the start of each cycle */
  snapshot: () => NodeInfoLister;
  nominator?: PodNominator;
  activate?: (pods: readonly Readonly<Pod>[]) => void;
}

const POINT_TYPE: Record<ExtensionPointName, string> = {
  preEnqueue: 'PreEnqueuePlugin', queueSort: 'QueueSortPlugin', preFilter: 'PreFilterPlugin', filter: 'FilterPlugin', postFilter: 'PostFilterPlugin',
  preScore: 'PreScorePlugin', score: 'ScorePlugin', reserve: 'ReservePlugin', permit: 'PermitPlugin', preBind: 'PreBindPlugin', bind: 'BindPlugin', postBind: 'PostBindPlugin',
};

/** ALL_EVENTS is what a plugin without EnqueueExtensions is assumed to care about. */
const ALL_EVENTS: ClusterEventWithHint[] = [{ event: { resource: '*', actionType: ActionType.All, label: 'WildCard' } }];

class WaitingPodImpl implements WaitingPod {
  private readonly pending: Map<string, () => void>;
  private settle!: (s: MaybeStatus) => void;
  readonly done: Promise<MaybeStatus>;

  constructor(readonly pod: PodInfo, waits: Map<string, number>, clock: Clock) {
    this.done = new Promise((resolve) => { this.settle = resolve; });
    this.pending = new Map();
    for (const [plugin, ms] of waits) {
      this.pending.set(plugin, clock.setTimeout(() => this.reject(plugin, `rejected due to timeout after waiting ${ms / 1000}s at plugin ${plugin}`), ms));
    }
  }

  allow(pluginName: string): void {
    this.pending.get(pluginName)?.();
    this.pending.delete(pluginName);
    if (this.pending.size === 0) this.settle(undefined);
  }

  reject(pluginName: string, msg: string): void {
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
    this.settle(newStatus('Unschedulable', msg).withPlugin(pluginName));
  }
}

/** Framework is one profile's plugins, ready to run. */
export class Framework implements Handle {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly clock: Clock;
  readonly eventRecorder: EventSink;
  readonly profileName: string;
  readonly percentageOfNodesToScore: number | undefined;
  readonly pluginsMap = new Map<string, Plugin>();
  preEnqueuePlugins: PreEnqueuePlugin[] = [];
  queueSortPlugins: QueueSortPlugin[] = [];
  preFilterPlugins: PreFilterPlugin[] = [];
  filterPlugins: FilterPlugin[] = [];
  postFilterPlugins: PostFilterPlugin[] = [];
  preScorePlugins: PreScorePlugin[] = [];
  scorePlugins: ScorePlugin[] = [];
  reservePlugins: ReservePlugin[] = [];
  permitPlugins: PermitPlugin[] = [];
  preBindPlugins: PreBindPlugin[] = [];
  bindPlugins: BindPlugin[] = [];
  postBindPlugins: PostBindPlugin[] = [];
  readonly scorePluginWeight = new Map<string, number>();
  /** each plugin's registered events (plugins without EnqueueExtensions get every event) */
  readonly enqueueExtensions: { plugin: string; events: ClusterEventWithHint[] }[] = [];
  private readonly waitingPods = new Map<string, WaitingPodImpl>();
  private readonly snapshotFn: () => NodeInfoLister;
  private nominator: PodNominator;
  private activateFn: ((pods: readonly Readonly<Pod>[]) => void) | undefined;

  constructor(o: FrameworkOptions) {
    this.client = o.client;
    this.informers = o.informers;
    this.clock = o.clock;
    this.eventRecorder = o.eventRecorder;
    this.profileName = o.profile.schedulerName;
    this.percentageOfNodesToScore = o.profile.percentageOfNodesToScore;
    this.snapshotFn = o.snapshot;
    this.nominator = o.nominator ?? { nominatedPodsForNode: () => [] };
    this.activateFn = o.activate;

    const plugins = o.profile.plugins;
    const needed = new Set<string>();
    for (const set of Object.values(plugins)) for (const p of set?.enabled ?? []) needed.add(p.name);
    const args = new Map(o.profile.pluginConfig.map((c) => [c.name, c.args ?? {}]));
    for (const name of needed) {
      const factory = o.registry.get(name);
      if (!factory) continue;
      const p = factory(args.get(name) ?? {}, this);
      this.pluginsMap.set(name, p);
      this.enqueueExtensions.push({ plugin: name, events: implementsPoint.enqueueExtensions(p) ? p.eventsToRegister() : ALL_EVENTS });
    }
    for (const point of EXTENSION_POINTS) this.setPoint(point, this.pluginList(point, plugins[point] ?? {}));
    if (plugins.multiPoint?.enabled?.length) this.expandMultiPointPlugins(plugins);
    if (this.queueSortPlugins.length !== 1) {
      throw new Error(`only one queue sort plugin required for profile with scheduler name "${this.profileName}", but got ${this.queueSortPlugins.length}`);
    }
    if (this.bindPlugins.length === 0) throw new Error(`at least one bind plugin is needed for profile with scheduler name "${this.profileName}"`);
    this.setScoreWeights([...(plugins.score?.enabled ?? []), ...(plugins.multiPoint?.enabled ?? [])]);
  }

  private pluginList(point: ExtensionPointName, set: PluginSet): Plugin[] {
    const out: Plugin[] = [];
    const seen = new Set<string>();
    for (const ref of set.enabled ?? []) {
      const p = this.pluginsMap.get(ref.name);
      if (!p) throw new Error(`${POINT_TYPE[point]} "${ref.name}" does not exist`);
      if (!implementsPoint[point](p)) throw new Error(`plugin "${ref.name}" does not extend ${POINT_TYPE[point]} plugin`);
      if (seen.has(ref.name)) throw new Error(`plugin "${ref.name}" already registered as "${POINT_TYPE[point]}"`);
      seen.add(ref.name);
      out.push(p);
    }
    return out;
  }

  private getPoint(point: ExtensionPointName): Plugin[] {
    return (this as unknown as Record<string, Plugin[]>)[`${point}Plugins`];
  }

  private setPoint(point: ExtensionPointName, list: Plugin[]): void {
    (this as unknown as Record<string, Plugin[]>)[`${point}Plugins`] = list;
  }

  /**
   * expandMultiPointPlugins adds each multiPoint plugin to every point it implements, unless the
   * point disables it (or "*"); a plugin also enabled at the point itself keeps that config and
   * comes first, then the multiPoint ones, then the point's other plugins (upstream's order).
   */
  private expandMultiPointPlugins(plugins: KubeSchedulerProfile['plugins']): void {
    for (const point of EXTENSION_POINTS) {
      const set = plugins[point] ?? {};
      const enabled = (set.enabled ?? []).map((p) => p.name);
      const disabled = new Set((set.disabled ?? []).map((p) => p.name));
      if (disabled.has('*')) continue;
      const multi: string[] = [];
      const overrides = new Set<string>();
      for (const ref of plugins.multiPoint?.enabled ?? []) {
        const p = this.pluginsMap.get(ref.name);
        if (!p) throw new Error(`${POINT_TYPE[point]} "${ref.name}" does not exist`);
        if (!implementsPoint[point](p) || disabled.has(ref.name)) continue;
        if (enabled.includes(ref.name)) { overrides.add(ref.name); continue; }
        if (multi.includes(ref.name)) throw new Error(`plugin "${ref.name}" already registered as "${POINT_TYPE[point]}"`);
        multi.push(ref.name);
      }
      const order = [...enabled.filter((n) => overrides.has(n)), ...multi, ...enabled.filter((n) => !overrides.has(n))];
      this.setPoint(point, order.map((n) => this.pluginsMap.get(n)!));
    }
  }

  private setScoreWeights(refs: { name: string; weight?: number }[]): void {
    let total = 0;
    for (const ref of refs) {
      const p = this.pluginsMap.get(ref.name);
      if (!p || !implementsPoint.score(p) || this.scorePluginWeight.has(ref.name)) continue;
      // A weight of 0 means "default": plugins are disabled explicitly, not by weight.
      const w = ref.weight || 1;
      this.scorePluginWeight.set(ref.name, w);
      if (w * MAX_NODE_SCORE > MAX_TOTAL_SCORE - total) throw new Error('total score of Score plugins could overflow');
      total += w * MAX_NODE_SCORE;
    }
  }

  // ---- Handle ----

  /** snapshotSharedLister is the cycle's snapshot. */
  snapshotSharedLister(): NodeInfoLister {
    return this.snapshotFn();
  }

  /** podNominator knows the nominated pods. */
  podNominator(): PodNominator {
    return this.nominator;
  }

  /** setPodNominator wires the queue in (the queue is built after the frameworks). */
  setPodNominator(n: PodNominator, activate: (pods: readonly Readonly<Pod>[]) => void): void {
    this.nominator = n;
    this.activateFn = activate;
  }

  /** activate moves pods to the active queue. */
  activate(pods: readonly Readonly<Pod>[]): void {
    this.activateFn?.(pods);
  }

  /** getWaitingPod is the pod held at Permit, if any. */
  getWaitingPod(uid: string): WaitingPod | undefined {
    return this.waitingPods.get(uid);
  }

  // ---- extension points ----

  /** queueSortLess is the profile's QueueSort. */
  queueSortLess(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    return this.queueSortPlugins[0].less(a, b);
  }

  /** runPreEnqueuePlugins runs PreEnqueue; the first rejection gates the pod. */
  runPreEnqueuePlugins(pod: PodInfo): MaybeStatus {
    for (const pl of this.preEnqueuePlugins) {
      const s = pl.preEnqueue(pod);
      if (isSuccess(s)) continue;
      if (isRejected(s)) return s!.withPlugin(pl.name);
      return asStatus(new Error(`running PreEnqueue plugin "${pl.name}": ${s!.message()}`)).withPlugin(pl.name);
    }
    return undefined;
  }

  /**
   * runPreFilterPlugins runs PreFilter: Skip marks the plugin's Filter skipped; an
   * UnschedulableAndUnresolvable stops at once; results restricting nodes are intersected.
   * Returns the result, the status, and the plugins that restricted the nodes.
   */
  runPreFilterPlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { result: PreFilterResult | undefined; status: MaybeStatus; pluginsWithNodes: Set<string> } {
    let result: PreFilterResult | undefined;
    let returnStatus: MaybeStatus;
    const pluginsWithNodes = new Set<string>();
    for (const pl of this.preFilterPlugins) {
      const out = pl.preFilter(state, pod, nodes);
      const s = out?.status;
      if (s?.code === 'Skip') { state.skipFilterPlugins.add(pl.name); continue; }
      if (!isSuccess(s)) {
        s!.withPlugin(pl.name);
        if (s!.code === 'UnschedulableAndUnresolvable') return { result: undefined, status: s, pluginsWithNodes: new Set() };
        if (s!.code === 'Unschedulable') { returnStatus = s; continue; }
        return { result: undefined, status: asStatus(new Error(`running PreFilter plugin "${pl.name}": ${s!.message()}`)).withPlugin(pl.name), pluginsWithNodes: new Set() };
      }
      const r = out?.result;
      if (r && !r.allNodes()) pluginsWithNodes.add(pl.name);
      result = PreFilterResult.merge(result, r);
      if (result && !result.allNodes() && result.nodeNames!.size === 0) {
        const names = [...pluginsWithNodes].sort();
        const msg = names.length === 1 ? `node(s) didn't satisfy plugin ${names[0]}` : `node(s) didn't satisfy plugin(s) [${names.join(' ')}] simultaneously`;
        return { result, status: newStatus('UnschedulableAndUnresolvable', msg), pluginsWithNodes };
      }
    }
    return { result, status: returnStatus, pluginsWithNodes };
  }

  /** runPreFilterExtensionAddPod tells the PreFilter plugins a pod was added to a node (preemption, nominated pods). */
  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: PodInfo, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    for (const pl of this.preFilterPlugins) {
      const ext = pl.preFilterExtensions?.();
      if (!ext || state.skipFilterPlugins.has(pl.name)) continue;
      const s = ext.addPod(state, podToSchedule, podInfoToAdd, nodeInfo);
      if (!isSuccess(s)) return asStatus(new Error(`running AddPod on PreFilter plugin "${pl.name}": ${s!.message()}`));
    }
    return undefined;
  }

  /** runPreFilterExtensionRemovePod tells the PreFilter plugins a pod was removed from a node. */
  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: PodInfo, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    for (const pl of this.preFilterPlugins) {
      const ext = pl.preFilterExtensions?.();
      if (!ext || state.skipFilterPlugins.has(pl.name)) continue;
      const s = ext.removePod(state, podToSchedule, podInfoToRemove, nodeInfo);
      if (!isSuccess(s)) return asStatus(new Error(`running RemovePod on PreFilter plugin "${pl.name}": ${s!.message()}`));
    }
    return undefined;
  }

  /** runFilterPlugins runs the Filter plugins on one node; the first rejection wins. */
  runFilterPlugins(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    // The plugins PreFilter did not skip, worked out once per cycle: this runs for every node.
    let active = state.activeFilterPlugins as FilterPlugin[] | undefined;
    if (!active || state.activeFilterPluginsSkipped !== state.skipFilterPlugins.size) {
      active = this.filterPlugins.filter((pl) => !state.skipFilterPlugins.has(pl.name));
      state.activeFilterPlugins = active;
      state.activeFilterPluginsSkipped = state.skipFilterPlugins.size;
    }
    for (let i = 0; i < active.length; i++) {
      const pl = active[i];
      const s = pl.filter(state, pod, nodeInfo);
      if (s && s.code !== 'Success') {
        if (!isRejected(s)) return asStatus(new Error(`running "${pl.name}" filter plugin: ${s.message()}`)).withPlugin(pl.name);
        return s.withPlugin(pl.name);
      }
    }
    return undefined;
  }

  /**
   * runFilterPluginsWithNominatedPods filters a node twice when pods of equal or higher priority
   * are nominated to it: once as if they ran there (the pod must not take the room preemption
   * made for them), once without them (they may end up elsewhere). Both must pass.
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    const nominated = nodeInfo.node ? this.nominator.nominatedPodsForNode(nodeInfo.name) : [];
    if (!nominated.length) return this.runFilterPlugins(state, pod, nodeInfo);
    let stateOut: CycleState | undefined;
    let infoOut: NodeInfo | undefined;
    for (const pi of nominated) {
      if (pi.priority < pod.priority || pi.uid === pod.uid) continue;
      stateOut ??= state.clone();
      infoOut ??= nodeInfo.snapshot();
      infoOut.addPodInfo(pi);
      const s = this.runPreFilterExtensionAddPod(stateOut, pod, pi, infoOut);
      if (!isSuccess(s)) return s;
    }
    if (!stateOut) return this.runFilterPlugins(state, pod, nodeInfo);
    const s = this.runFilterPlugins(stateOut, pod, infoOut!);
    if (!isSuccess(s)) return s;
    return this.runFilterPlugins(state, pod, nodeInfo);
  }

  /**
   * hasNominatedPods is false when no pod is nominated to any node: a cycle then filters every
   * node with runFilterPlugins alone, without asking for each node's nominated pods.
   */
  hasNominatedPods(): boolean {
    return this.nominator.hasNominatedPods?.() ?? true;
  }

  /** runPostFilterPlugins runs PostFilter (preemption) until one succeeds. */
  async runPostFilterPlugins(state: CycleState, pod: PodInfo, statuses: NodeToStatus): Promise<{ result: PostFilterResult | undefined; status: Status }> {
    let result: PostFilterResult | undefined;
    const reasons: string[] = [];
    let rejector = '';
    for (const pl of this.postFilterPlugins) {
      let out;
      try {
        out = await pl.postFilter(state, pod, statuses);
      } catch (e) {
        return { result: undefined, status: asStatus(e).withPlugin(pl.name) };
      }
      const s = out.status;
      if (isSuccess(s)) return { result: out.result, status: s ?? newStatus('Success') };
      if (s!.code === 'UnschedulableAndUnresolvable') return { result: out.result, status: s!.withPlugin(pl.name) };
      if (!isRejected(s)) return { result: undefined, status: asStatus(s!.asError()).withPlugin(pl.name) };
      if (out.result?.nominatingInfo && out.result.nominatingInfo.mode !== 'Noop') result = out.result;
      reasons.push(...s!.reasons);
      rejector ||= pl.name;
    }
    return { result, status: new Status('Unschedulable', reasons).withPlugin(rejector) };
  }

  /** runPreScorePlugins runs PreScore; Skip marks the plugin's Score skipped. */
  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
    for (const pl of this.preScorePlugins) {
      const s = pl.preScore(state, pod, nodes);
      if (s?.code === 'Skip') { state.skipScorePlugins.add(pl.name); continue; }
      if (!isSuccess(s)) return asStatus(new Error(`running PreScore plugin "${pl.name}": ${s!.message()}`));
    }
    return undefined;
  }

  /**
   * runScorePlugins scores every node with every Score plugin, normalizes each plugin's scores to
   * 0..100 and adds them up weighted. Returns the totals in the nodes' order.
   */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): { scores: NodePluginScores[]; status: MaybeStatus } {
    const totals: NodePluginScores[] = nodes.map((n) => ({ name: n.name, totalScore: 0 }));
    const list: NodeScore[] = nodes.map((n) => ({ name: n.name, score: 0 }));
    for (const pl of this.scorePlugins) {
      if (state.skipScorePlugins.has(pl.name)) continue;
      if (pl.scoreNodes) {
        const s = pl.scoreNodes(state, pod, nodes, list);
        if (!isSuccess(s)) return { scores: [], status: asStatus(new Error(`running Score plugins: ${s!.message()}`)) };
      } else {
        for (let i = 0; i < nodes.length; i++) {
          const r = pl.score(state, pod, nodes[i]);
          if (typeof r !== 'number') {
            return { scores: [], status: asStatus(new Error(`running Score plugins: ${r.message()}`)) };
          }
          list[i].score = r;
        }
      }
      if (pl.normalizeScore) {
        const s = pl.normalizeScore(state, pod, list);
        if (!isSuccess(s)) return { scores: [], status: asStatus(new Error(`running Normalize on Score plugins: ${s!.message()}`)) };
      }
      const weight = this.scorePluginWeight.get(pl.name) ?? 1;
      for (let i = 0; i < list.length; i++) {
        const sc = list[i].score;
        if (sc > MAX_NODE_SCORE || sc < MIN_NODE_SCORE) {
          return { scores: [], status: asStatus(new Error(`plugin "${pl.name}" returns an invalid score ${sc}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`)) };
        }
        totals[i].totalScore += sc * weight;
      }
    }
    return { scores: totals, status: undefined };
  }

  /** runReservePluginsReserve runs Reserve; a failure is undone by the caller through Unreserve. */
  runReservePluginsReserve(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus {
    for (const pl of this.reservePlugins) {
      const s = pl.reserve(state, pod, nodeName);
      if (isSuccess(s)) continue;
      if (isRejected(s)) return s!.withPlugin(pl.name);
      return asStatus(new Error(`running Reserve plugin "${pl.name}": ${s!.message()}`)).withPlugin(pl.name);
    }
    return undefined;
  }

  /** runReservePluginsUnreserve runs Unreserve in reverse order. */
  runReservePluginsUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) this.reservePlugins[i].unreserve(state, pod, nodeName);
  }

  /** runPermitPlugins runs Permit; Wait holds the pod (see waitOnPermit). */
  runPermitPlugins(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus {
    const waits = new Map<string, number>();
    for (const pl of this.permitPlugins) {
      const out = pl.permit(state, pod, nodeName);
      const s = out?.status;
      if (isSuccess(s)) continue;
      if (isRejected(s)) return s!.withPlugin(pl.name);
      if (s!.code === 'Wait') { waits.set(pl.name, Math.min(out?.timeoutMs ?? MAX_PERMIT_TIMEOUT_MS, MAX_PERMIT_TIMEOUT_MS)); continue; }
      return asStatus(new Error(`running Permit plugin "${pl.name}": ${s!.message()}`)).withPlugin(pl.name);
    }
    if (waits.size) {
      this.waitingPods.set(pod.uid, new WaitingPodImpl(pod, waits, this.clock));
      return newStatus('Wait', `one or more plugins asked to wait and no plugin rejected pod "${pod.name}"`);
    }
    return undefined;
  }

  /** waitOnPermit waits for a held pod to be allowed or rejected. */
  async waitOnPermit(pod: PodInfo): Promise<MaybeStatus> {
    const w = this.waitingPods.get(pod.uid);
    if (!w) return undefined;
    try {
      const s = await w.done;
      if (isSuccess(s) || isRejected(s)) return s;
      return asStatus(new Error(`waiting on permit for pod: ${s!.message()}`)).withPlugin(s!.plugin);
    } finally {
      this.waitingPods.delete(pod.uid);
    }
  }

  /** willWaitOnPermit is true when the pod is held at Permit. */
  willWaitOnPermit(pod: PodInfo): boolean {
    return this.waitingPods.has(pod.uid);
  }

  /** runPreBindPlugins runs PreBind. */
  async runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    for (const pl of this.preBindPlugins) {
      let s: MaybeStatus;
      try { s = await pl.preBind(state, pod, nodeName); } catch (e) { s = asStatus(e); }
      if (isSuccess(s)) continue;
      if (isRejected(s)) return s!.withPlugin(pl.name);
      return asStatus(new Error(`running PreBind plugin "${pl.name}": ${s!.message()}`)).withPlugin(pl.name);
    }
    return undefined;
  }

  /** runBindPlugins asks the binders in order until one does not Skip. */
  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    let status: MaybeStatus = newStatus('Skip');
    for (const pl of this.bindPlugins) {
      try { status = await pl.bind(state, pod, nodeName); } catch (e) { status = asStatus(e); }
      if (status?.code === 'Skip') continue;
      if (isSuccess(status)) return undefined;
      if (isRejected(status)) return status!.withPlugin(pl.name);
      return asStatus(new Error(`running Bind plugin "${pl.name}": ${status!.message()}`)).withPlugin(pl.name);
    }
    return status;
  }

  /** runPostBindPlugins tells the PostBind plugins. */
  runPostBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const pl of this.postBindPlugins) pl.postBind(state, pod, nodeName);
  }

  /** hasFilterPlugins etc. tell what the profile has. */
  hasFilterPlugins(): boolean { return this.filterPlugins.length > 0; }
  hasPostFilterPlugins(): boolean { return this.postFilterPlugins.length > 0; }
  hasScorePlugins(): boolean { return this.scorePlugins.length > 0; }

  /** listPlugins is each extension point's plugin names (for tests and logs). */
  listPlugins(): Partial<Record<ExtensionPointName, { name: string; weight?: number }[]>> {
    const out: Partial<Record<ExtensionPointName, { name: string; weight?: number }[]>> = {};
    for (const point of EXTENSION_POINTS) {
      const list = this.getPoint(point);
      if (list.length) out[point] = list.map((p) => (point === 'score' ? { name: p.name, weight: this.scorePluginWeight.get(p.name) } : { name: p.name }));
    }
    return out;
  }
}
