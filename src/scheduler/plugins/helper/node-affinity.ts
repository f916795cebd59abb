/**
 * Node selectors as the scheduler evaluates them (component-helpers scheduling/corev1/nodeaffinity):
 * a pod's nodeSelector AND its required node affinity (terms ORed, each term's requirements
 * ANDed, matchFields only on metadata.name), and its preferred terms summed by weight.
 */
import { matchesRequirement, type LabelOperator, type LabelRequirement } from '../../../apimachinery/labels.js';
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from '../../framework/api.js';

const OPS: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!', Gt: 'gt', Lt: 'lt' };

/** ParsedTerm is a NodeSelectorTerm ready to match; invalid terms never match. */
interface ParsedTerm {
  labels: LabelRequirement[] | undefined;
  fields: { key: string; op: 'in' | 'notin'; value: string }[] | undefined;
  valid: boolean;
}

function parseTerm(term: NodeSelectorTerm | undefined | null): ParsedTerm {
  const out: ParsedTerm = { labels: undefined, fields: undefined, valid: true };
  const exprs = term?.matchExpressions ?? [];
  const fields = term?.matchFields ?? [];
  if (exprs.length) {
    out.labels = [];
    for (const e of exprs as NodeSelectorRequirement[]) {
      const op = OPS[e?.operator];
      if (!op) { out.valid = false; continue; }
      out.labels.push({ key: e.key, operator: op, values: e.values ?? [] });
    }
  }
  if (fields.length) {
    out.fields = [];
    for (const f of fields as NodeSelectorRequirement[]) {
      if ((f?.operator !== 'In' && f?.operator !== 'NotIn') || (f.values ?? []).length !== 1) { out.valid = false; continue; }
      out.fields.push({ key: f.key, op: f.operator === 'In' ? 'in' : 'notin', value: f.values![0] });
    }
  }
  return out;
}

function termMatches(t: ParsedTerm, labels: Record<string, string>, name: string): boolean {
  if (!t.valid) return false;
  if (!t.labels && !t.fields) return false;
  if (t.labels) for (const r of t.labels) if (!matchesRequirement(r, labels)) return false;
  // metadata.name is the only node field; a missing field reads as "" (a Go map lookup).
  if (t.fields) for (const f of t.fields) if (((f.key === 'metadata.name' ? name : '') === f.value) !== (f.op === 'in')) return false;
  return true;
}

/** NodeSelector is a parsed list of NodeSelectorTerms (ORed). */
export class NodeSelector {
  private readonly terms: ParsedTerm[];

  constructor(terms: readonly NodeSelectorTerm[] | undefined) {
    this.terms = (terms ?? []).map(parseTerm);
  }

  /** match tells whether any term matches the node. */
  match(node: Readonly<Node> | undefined): boolean {
    if (!node) return false;
    const labels = node.metadata?.labels ?? {};
    const name = node.metadata?.name ?? '';
    for (const t of this.terms) if (termMatches(t, labels, name)) return true;
    return false;
  }
}

/** RequiredNodeAffinity is a pod's nodeSelector and required node affinity together. */
export class RequiredNodeAffinity {
  private readonly selector: [string, string][] | undefined;
  private readonly nodeSelector: NodeSelector | undefined;

  constructor(pod: Readonly<Pod>) {
    const ns = pod.spec?.nodeSelector;
    this.selector = ns && Object.keys(ns).length ? Object.entries(ns) : undefined;
    const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    this.nodeSelector = req ? new NodeSelector(req.nodeSelectorTerms) : undefined;
  }

  /** match tells whether the node satisfies the nodeSelector and the required terms. */
  match(node: Readonly<Node> | undefined): boolean {
    if (!node) return false;
    if (this.selector) {
      const labels = node.metadata?.labels ?? {};
      for (const [k, v] of this.selector) if (labels[k] !== v) return false;
    }
    return this.nodeSelector ? this.nodeSelector.match(node) : true;
  }
}

/** PreferredSchedulingTerms scores a node by the weights of the preferred terms it matches. */
export class PreferredSchedulingTerms {
  private readonly terms: { weight: number; term: ParsedTerm }[] = [];

  constructor(terms: readonly { weight: number; preference: NodeSelectorTerm }[] | undefined) {
    for (const t of terms ?? []) {
      if (!t?.weight) continue;
      this.terms.push({ weight: t.weight, term: parseTerm(t.preference) });
    }
  }

  /** score sums the weights of the matching terms. */
  score(node: Readonly<Node> | undefined): number {
    if (!node) return 0;
    const labels = node.metadata?.labels ?? {};
    const name = node.metadata?.name ?? '';
    let s = 0;
    for (const t of this.terms) if (termMatches(t.term, labels, name)) s += t.weight;
    return s;
  }

  /** empty is true without (non-zero weight) terms. */
  get empty(): boolean {
    return this.terms.length === 0;
  }
}
