/** Helpers shared by InterPodAffinity's filtering and scoring: topology counts and namespace selectors. */
import type { InformerFactory, Lister } from '../../../client/informer-types.js';
import { Resources } from '../../../client/types.js';
import { matchesLabels, selectorIsEmpty } from '../../../apimachinery/labels.js';
import type { Node, Pod } from '../../framework/api.js';
import { affinityTermMatches, type AffinityTerm } from '../../framework/pod-info.js';
import { nothingSelector } from '../../../apimachinery/labels.js';

/** TopologyCounts maps "key\0value" topology pairs to counts; entries at 0 are removed. */
export type TopologyCounts = Map<string, number>;

/** pairKey is the map key of a topology pair. */
export function pairKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

function bump(m: TopologyCounts, k: string, v: number): void {
  const n = (m.get(k) ?? 0) + v;
  if (n === 0) m.delete(k);
  else m.set(k, n);
}

/** podMatchesAllAffinityTerms is true when the pod matches every term (false without terms). */
export function podMatchesAllAffinityTerms(terms: readonly AffinityTerm[], pod: Readonly<Pod>, nsLabels?: Record<string, string>): boolean {
  if (!terms.length) return false;
  for (const t of terms) if (!affinityTermMatches(t, pod, nsLabels)) return false;
  return true;
}

/** podMatchesAnyAffinityTerm is true when the pod matches one of the terms. */
export function podMatchesAnyAffinityTerm(terms: readonly AffinityTerm[], pod: Readonly<Pod>, nsLabels?: Record<string, string>): boolean {
  for (const t of terms) if (affinityTermMatches(t, pod, nsLabels)) return true;
  return false;
}

/** updateWithAffinityTerms counts the pod under each term's topology pair of node when it matches all terms. */
export function updateWithAffinityTerms(m: TopologyCounts, pod: Readonly<Pod>, nsLabels: Record<string, string> | undefined, node: Readonly<Node> | undefined, terms: readonly AffinityTerm[], value: number): void {
  if (!podMatchesAllAffinityTerms(terms, pod, nsLabels)) return;
  const labels = node?.metadata?.labels ?? {};
  for (const t of terms) {
    const v = labels[t.topologyKey];
    if (v !== undefined) bump(m, pairKey(t.topologyKey, v), value);
  }
}

/** updateWithAntiAffinityTerms counts the pod under the topology pair of each term it matches. */
export function updateWithAntiAffinityTerms(m: TopologyCounts, pod: Readonly<Pod>, nsLabels: Record<string, string> | undefined, node: Readonly<Node> | undefined, terms: readonly AffinityTerm[], value: number): void {
  const labels = node?.metadata?.labels ?? {};
  for (const t of terms) {
    if (!affinityTermMatches(t, pod, nsLabels)) continue;
    const v = labels[t.topologyKey];
    if (v !== undefined) bump(m, pairKey(t.topologyKey, v), value);
  }
}

/** NamespaceLister reads namespaces (labels for namespaceSelector). */
export interface NamespaceLister { lister: Lister }

/** namespaceLister returns the shared namespace informer, or undefined without informers (unit tests). */
export function namespaceLister(informers: InformerFactory | undefined): Lister | undefined {
  try {
    return informers?.informerFor(Resources.namespaces).lister;
  } catch {
    return undefined;
  }
}

/** namespaceLabels is GetNamespaceLabelsSnapshot: the namespace's labels ({} when unknown). */
export function namespaceLabels(ns: string, lister: Lister | undefined): Record<string, string> {
  return lister?.get(undefined, ns)?.metadata?.labels ?? {};
}

/**
 * mergeTermNamespaces resolves a term's namespaceSelector into its namespace list (an empty
 * selector, which selects every namespace, stays as it is).
 */
export function mergeTermNamespaces<T extends AffinityTerm>(t: T, lister: Lister | undefined): T {
  if (t.namespaceSelector.nothing || selectorIsEmpty(t.namespaceSelector)) return t;
  const namespaces = new Set(t.namespaces);
  for (const ns of lister?.list() ?? []) if (matchesLabels(t.namespaceSelector, ns.metadata?.labels)) namespaces.add(ns.metadata?.name ?? '');
  return { ...t, namespaces, namespaceSelector: nothingSelector };
}
