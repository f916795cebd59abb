/**
 * PodTopologySpread's constraints: the pod's own (or the profile's defaults, with a selector built
 * from the Services, ReplicationControllers, ReplicaSets and StatefulSets that select the pod).
 */
import type { KubeObject } from '../../../api/resource.js';
import type { Lister } from '../../../client/informer-types.js';
import { labelSelectorFromSpec, labelSelectorString, matchesLabels, type LabelRequirement, type LabelSelector, type LabelSelectorSpec } from '../../../apimachinery/labels.js';
import type { Node, Pod, TopologySpreadConstraint } from '../../framework/api.js';
import { memoKeyId, type NodeInfo } from '../../framework/node-info.js';
import { doNotScheduleTaintsFilter, findMatchingUntoleratedTaint } from '../helper/taints.js';
import type { RequiredNodeAffinity } from '../helper/node-affinity.js';

/** Constraint is a parsed TopologySpreadConstraint. */
export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  minDomains: number;
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

/** SYSTEM_DEFAULT_CONSTRAINTS spread by hostname (skew 3) and zone (skew 5), ScheduleAnyway. */
export const SYSTEM_DEFAULT_CONSTRAINTS: TopologySpreadConstraint[] = [
  { topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

/** filterConstraints parses the constraints with the given whenUnsatisfiable, merging matchLabelKeys into the selector. */
export function filterConstraints(constraints: readonly TopologySpreadConstraint[], podLabels: Record<string, string> | undefined, action: string): Constraint[] {
  const out: Constraint[] = [];
  for (const c of constraints) {
    if (c.whenUnsatisfiable !== action) continue;
    let selector = labelSelectorFromSpec(c.labelSelector);
    if (c.matchLabelKeys?.length && podLabels && !selector.nothing) {
      const extra: LabelRequirement[] = [];
      for (const k of c.matchLabelKeys) if (podLabels[k] !== undefined) extra.push({ key: k, operator: '=', values: [podLabels[k]] });
      if (extra.length) selector = { requirements: [...extra, ...selector.requirements] };
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      minDomains: c.minDomains ?? 1,
      nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
    });
  }
  return out;
}

/** matchNodeInclusionPolicies tells whether a node counts for a constraint (its affinity and taint policies). */
export function matchNodeInclusionPolicies(c: Constraint, pod: Readonly<Pod>, node: Readonly<Node> | undefined, required: RequiredNodeAffinity): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !required.match(node)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && findMatchingUntoleratedTaint(node?.spec?.taints, pod.spec?.tolerations, doNotScheduleTaintsFilter)) return false;
  return true;
}

/** nodeLabelsMatchSpreadConstraints is true when the node has every constraint's topology key. */
export function nodeLabelsMatchSpreadConstraints(labels: Record<string, string>, constraints: readonly Constraint[]): boolean {
  for (const c of constraints) if (labels[c.topologyKey] === undefined) return false;
  return true;
}

/** countPodsMatchSelector counts the node's pods of the namespace the selector matches (terminating pods excluded). */
export function countPodsMatchSelector(pods: readonly { pod: Readonly<Pod>; namespace: string }[], selector: LabelSelector, ns: string): number {
  let n = 0;
  for (const p of pods) {
    if (p.namespace !== ns || p.pod.metadata?.deletionTimestamp) continue;
    if (matchesLabels(selector, p.pod.metadata?.labels)) n++;
  }
  return n;
}

/**
 * the count key of each parsed selector for the namespace it was last used with: selectors are
 * built once per cycle and never mutated
 */
const selectorKeys = new WeakMap<LabelSelector, { ns: string; key: number }>();

/** selectorCountKey names a (selector, namespace) pair for countNodePodsMatchSelector (a NodeInfo memo id). */
export function selectorCountKey(selector: LabelSelector, ns: string): number {
  let sk = selectorKeys.get(selector);
  if (sk === undefined || sk.ns !== ns) {
    // Namespaces cannot contain '/', so the key is unambiguous.
    sk = { ns, key: memoKeyId(`PodTopologySpread/${ns}/${selector.nothing ? '<nothing>' : labelSelectorString(selector)}`) };
    selectorKeys.set(selector, sk);
  }
  return sk.key;
}

/**
 * countNodePodsMatchSelector is countPodsMatchSelector over a NodeInfo's pods, remembered by the
 * NodeInfo until its generation changes (any pod added, removed or updated, or the node replaced).
 * Every scheduling cycle counts the matching pods of every node; without this a cycle costs
 * O(all pods), and scheduling N pods O(N²). Pods of one controller share a selector, so
 * consecutive cycles recount only the nodes that changed since. key: selectorCountKey's, when the
 * caller computed it once for many nodes.
 */
export function countNodePodsMatchSelector(ni: NodeInfo, selector: LabelSelector, ns: string, key = selectorCountKey(selector, ns)): number {
  if (selector.nothing) return 0;
  let n = ni.memoized(key);
  if (n === undefined) {
    n = countPodsMatchSelector(ni.pods, selector, ns);
    ni.memoize(key, n);
  }
  return n;
}

/** SpreadListers are the listers DefaultSelector reads (any may be missing in unit tests). */
export interface SpreadListers { services?: Lister; replicationControllers?: Lister; replicaSets?: Lister; statefulSets?: Lister }

/**
 * defaultSelector is helper.DefaultSelector: the union of the selectors of the Services selecting
 * the pod and of its controlling ReplicationController, ReplicaSet or StatefulSet.
 */
export function defaultSelector(pod: Readonly<Pod>, l: SpreadListers): LabelSelector {
  const ns = pod.metadata?.namespace ?? '';
  const podLabels = pod.metadata?.labels ?? {};
  const labelSet: Record<string, string> = {};
  let fromServices = false;
  for (const svc of l.services?.list(ns) ?? []) {
    const sel = (svc.spec as { selector?: Record<string, string> } | undefined)?.selector;
    if (!sel || !Object.keys(sel).length) continue;
    if (Object.entries(sel).every(([k, v]) => podLabels[k] === v)) { Object.assign(labelSet, sel); fromServices = true; }
  }
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
  let extra: readonly LabelRequirement[] = [];
  if (owner) {
    const group = owner.apiVersion.includes('/') ? owner.apiVersion.slice(0, owner.apiVersion.indexOf('/')) : '';
    if (group === '' && owner.kind === 'ReplicationController') {
      const rc = l.replicationControllers?.get(ns, owner.name);
      Object.assign(labelSet, (rc?.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {});
    } else if (group === 'apps' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
      const obj = (owner.kind === 'ReplicaSet' ? l.replicaSets : l.statefulSets)?.get(ns, owner.name);
      if (obj && !fromServices) return ownerSelector(obj);
      extra = ownerSelector(obj).requirements;
    }
  }
  const reqs: LabelRequirement[] = Object.entries(labelSet).map(([key, v]) => ({ key, operator: '=' as const, values: [v] }));
  return { requirements: [...reqs, ...extra] };
}

/**
 * each ReplicaSet's or StatefulSet's parsed selector, by the cached object (replaced, never
 * mutated, when it changes): its pods get the same selector object cycle after cycle, so the
 * selector is parsed and its count key worked out once, not once per pod
 */
const ownerSelectors = new WeakMap<object, LabelSelector>();
const NO_REQUIREMENTS: LabelSelector = Object.freeze({ requirements: Object.freeze([]) as unknown as LabelRequirement[] });

/** ownerSelector is a ReplicaSet's or StatefulSet's selector as requirements (none when invalid or missing). */
function ownerSelector(obj: Readonly<KubeObject> | undefined): LabelSelector {
  if (!obj) return NO_REQUIREMENTS;
  let sel = ownerSelectors.get(obj);
  if (sel === undefined) {
    sel = NO_REQUIREMENTS;
    try {
      const parsed = labelSelectorFromSpec((obj.spec as { selector?: LabelSelectorSpec } | undefined)?.selector);
      if (!parsed.nothing) sel = { requirements: parsed.requirements };
    } catch { /* an invalid selector selects nothing extra */ }
    ownerSelectors.set(obj, sel);
  }
  return sel;
}
