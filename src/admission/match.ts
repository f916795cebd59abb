/**
 * Which requests an admission configuration applies to, shared by the webhook dispatcher and
 * ValidatingAdmissionPolicy (k8s.io/apiserver/pkg/admission/plugin/webhook/predicates): rules
 * (operations, apiGroups, apiVersions, resources with "*", "pods/*", "*\/scale" forms, scope,
 * resourceNames), namespaceSelector (the labels of the request's namespace) and objectSelector
 * (the labels of the new or the old object); and the AdmissionRequest they are shown.
 */
import { labelSelectorFromSpec, matchesLabels, type LabelSelectorSpec } from '../apimachinery/labels.js';
import type { KubeObject } from '../api/resource.js';
import type { AdmissionAttributes } from './interfaces.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** ruleMatches is RuleWithOperations matching (rules.Matcher): operation, group, version, resource/subresource, scope. */
export function ruleMatches(rule: unknown, attrs: AdmissionAttributes): boolean {
  if (!isObj(rule)) return false;
  const ops = strings(rule.operations);
  if (!ops.includes('*') && !ops.includes(attrs.operation)) return false;
  const groups = strings(rule.apiGroups);
  if (!groups.includes('*') && !groups.includes(attrs.def.group)) return false;
  const versions = strings(rule.apiVersions);
  if (!versions.includes('*') && !versions.includes(attrs.def.version)) return false;
  const resourceMatch = strings(rule.resources).some((r) => {
    const slash = r.indexOf('/');
    const [res, sub] = slash < 0 ? [r, ''] : [r.slice(0, slash), r.slice(slash + 1)];
    return (res === '*' || res === attrs.def.plural) && (sub === '*' || sub === attrs.subresource);
  });
  if (!resourceMatch) return false;
  const scope = typeof rule.scope === 'string' ? rule.scope : '*';
  // Namespace objects count as cluster-scoped.
  const clusterScoped = !attrs.def.namespaced;
  if (scope === 'Cluster' && !clusterScoped) return false;
  if (scope === 'Namespaced' && clusterScoped) return false;
  return true;
}

/** namedRuleMatches adds a policy rule's resourceNames (empty: every name). */
export function namedRuleMatches(rule: unknown, attrs: AdmissionAttributes): boolean {
  if (!ruleMatches(rule, attrs)) return false;
  const names = isObj(rule) ? strings(rule.resourceNames) : [];
  return names.length === 0 || names.includes(attrs.name);
}

function selectorMatches(spec: unknown, labels: Record<string, string> | undefined): boolean {
  // An absent selector is defaulted to {} (everything) before it is stored.
  if (spec === undefined || spec === null) return true;
  return matchesLabels(labelSelectorFromSpec(spec as LabelSelectorSpec), labels);
}

/** objectSelectorMatches: the new object's labels or the old object's labels match (either). */
export function objectSelectorMatches(spec: unknown, attrs: AdmissionAttributes): boolean {
  if (spec === undefined || spec === null || (isObj(spec) && Object.keys(spec).length === 0)) return true;
  const objLabels = attrs.object?.metadata?.labels;
  const oldLabels = attrs.oldObject?.metadata?.labels;
  return (attrs.object !== undefined && selectorMatches(spec, objLabels)) || (attrs.oldObject !== undefined && selectorMatches(spec, oldLabels));
}

/**
 * namespaceSelectorMatches: cluster-scoped requests always match, except Namespaces themselves,
 * which are matched on their own labels; a namespaced request on its namespace's labels.
 */
export async function namespaceSelectorMatches(spec: unknown, attrs: AdmissionAttributes, namespace: (name: string) => Promise<KubeObject | undefined>): Promise<boolean> {
  if (spec === undefined || spec === null || (isObj(spec) && Object.keys(spec).length === 0)) return true;
  if (attrs.def.group === '' && attrs.def.plural === 'namespaces') {
    const ns = attrs.object ?? attrs.oldObject;
    return selectorMatches(spec, ns?.metadata?.labels);
  }
  if (!attrs.def.namespaced || !attrs.namespace) return true;
  const ns = await namespace(attrs.namespace);
  return selectorMatches(spec, ns?.metadata?.labels);
}

/** admissionRequest is the AdmissionReview request (admission/v1 AdmissionRequest) for these attributes. */
export function admissionRequest(attrs: AdmissionAttributes, uid: string): Obj {
  const kind = { group: attrs.def.group, version: attrs.def.version, kind: attrs.def.kind };
  const resource = { group: attrs.def.group, version: attrs.def.version, resource: attrs.def.plural };
  const req: Obj = { uid, kind, resource };
  if (attrs.subresource) req.subResource = attrs.subresource;
  req.requestKind = kind;
  req.requestResource = resource;
  if (attrs.subresource) req.requestSubResource = attrs.subresource;
  if (attrs.name) req.name = attrs.name;
  if (attrs.namespace) req.namespace = attrs.namespace;
  req.operation = attrs.operation;
  const u = attrs.userInfo;
  const userInfo: Obj = { username: u.name };
  if (u.uid) userInfo.uid = u.uid;
  if (u.groups.length) userInfo.groups = u.groups;
  if (u.extra && Object.keys(u.extra).length) userInfo.extra = u.extra;
  req.userInfo = userInfo;
  if (attrs.object) req.object = attrs.object;
  if (attrs.oldObject) req.oldObject = attrs.oldObject;
  req.dryRun = attrs.dryRun;
  if (attrs.options) req.options = attrs.options;
  return req;
}
