/**
 * RBAC's escalation prevention (pkg/registry/rbac: the policy-based role and binding storages and
 * validation.ConfirmNoEscalation): a user may create or update a Role/ClusterRole only with rules
 * it already holds (or the `escalate` verb on it), and a RoleBinding/ClusterRoleBinding only to a
 * role whose rules it holds (or the `bind` verb on that role); system:masters may do anything.
 * Aggregated ClusterRoles (aggregationRule) need cluster-admin or `escalate`. Run as a validating
 * admission plugin, since that is where tskube's writes meet their user.
 */
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '../../admission/interfaces.js';
import type { PolicyRule, RoleRef } from '../../api/rbac/resources.js';
import { RBAC_GROUP } from '../../api/rbac/resources.js';
import { forbidden, notFound } from '../../apimachinery/errors.js';
import { MASTERS_GROUP, type UserInfo } from '../authn.js';
import type { Attributes } from '../authz.js';
import type { RBACAuthorizer } from './authorizer.js';

const goQuoted = (xs: readonly string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

/** compactString is rbacv1helpers.CompactString: `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoted(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoted(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoted(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoted(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoted(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** breakdownRule is BreakdownRule: one rule per (group, resource, verb[, name]) and per (URL, verb). */
export function breakdownRule(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const g of r.apiGroups ?? []) {
    for (const res of r.resources ?? []) {
      for (const v of r.verbs ?? []) {
        if (r.resourceNames?.length) for (const n of r.resourceNames) out.push({ apiGroups: [g], resources: [res], verbs: [v], resourceNames: [n] });
        else out.push({ apiGroups: [g], resources: [res], verbs: [v] });
      }
    }
  }
  for (const u of r.nonResourceURLs ?? []) for (const v of r.verbs ?? []) out.push({ nonResourceURLs: [u], verbs: [v] });
  return out;
}

const has = (set: readonly string[] | undefined, x: string) => (set ?? []).includes(x);
const hasAll = (set: readonly string[] | undefined, xs: readonly string[] | undefined) => (xs ?? []).every((x) => has(set, x));

function resourceCoversAll(set: readonly string[] | undefined, covers: readonly string[] | undefined): boolean {
  if (has(set, '*')) return true;
  return (covers ?? []).every((p) => {
    if (has(set, p)) return true;
    const i = p.indexOf('/');
    return i >= 0 && has(set, `*/${p.slice(i + 1)}`);
  });
}

function nonResourceURLsCoverAll(set: readonly string[] | undefined, covers: readonly string[] | undefined): boolean {
  return (covers ?? []).every((u) => (set ?? []).some((o) => o === u || (o.endsWith('*') && u.startsWith(o.slice(0, -1)))));
}

/** ruleCovers: the owner's rule grants everything of the (broken down) sub-rule. */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const names = !sub.resourceNames?.length ? !owner.resourceNames?.length : !owner.resourceNames?.length || hasAll(owner.resourceNames, sub.resourceNames);
  return verbs && groups && resourceCoversAll(owner.resources, sub.resources) && nonResourceURLsCoverAll(owner.nonResourceURLs, sub.nonResourceURLs) && names;
}

/** covers is validation.Covers: whether the owner's rules grant all of the requested ones, and what is missing. */
export function covers(ownerRules: PolicyRule[], requested: PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const r of requested) for (const sub of breakdownRule(r)) if (!ownerRules.some((o) => ruleCovers(o, sub))) missing.push(sub);
  return { covered: missing.length === 0, missing };
}

/** compactRules is CompactRules: single-group, single-resource rules without names merge their verbs. */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    if (r.apiGroups?.length === 1 && r.resources?.length === 1 && !r.resourceNames?.length && !r.nonResourceURLs?.length) {
      const key = `${r.apiGroups[0]}\u0000${r.resources[0]}`;
      const seen = simple.get(key);
      if (seen) { for (const v of r.verbs) if (!seen.verbs.includes(v)) seen.verbs.push(v); continue; }
      const copy = { apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] };
      simple.set(key, copy);
      out.push(copy);
    } else {
      out.push(r);
    }
  }
  return out;
}

/** escalationMessage is ConfirmNoEscalation's error text. */
export function escalationMessage(user: UserInfo, missing: PolicyRule[]): string {
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  return `user ${JSON.stringify(user.name)} (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
}

/** EscalationDeps: the full authorizer (for escalate/bind) and the RBAC rule resolver. */
export interface EscalationDeps {
  authorize(a: Attributes): Promise<boolean>;
  rbac(): RBACAuthorizer | undefined;
}

const RESOURCES = ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'];

/** RBACEscalationCheck refuses role and binding writes that would grant what the user does not hold. */
export class RBACEscalationCheck implements AdmissionPlugin {
  readonly name = 'RBACEscalationCheck';
  constructor(private readonly deps: EscalationDeps) {}

  handles(op: Operation): boolean { return op === 'CREATE' || op === 'UPDATE'; }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    if (attrs.def.group !== RBAC_GROUP || attrs.subresource !== '' || !RESOURCES.includes(attrs.def.plural) || !attrs.object) return;
    const user: UserInfo = { name: attrs.userInfo.name, groups: attrs.userInfo.groups };
    // EscalationAllowed: the privileged group may write anything.
    if (user.groups.includes(MASTERS_GROUP)) return;
    const rbac = this.deps.rbac();
    if (!rbac) return;
    const gr = { group: RBAC_GROUP, resource: attrs.def.plural };
    const name = attrs.object.metadata?.name ?? attrs.name;
    const namespace = attrs.namespace;
    const allowed = (verb: string, resource: string, objName: string, ns: string) => this.deps.authorize({
      user, verb, resourceRequest: true, path: '', apiGroup: RBAC_GROUP, apiVersion: 'v1', namespace: ns, resource, subresource: '', name: objName,
    });
    let rules: PolicyRule[];
    if (attrs.def.plural === 'roles' || attrs.def.plural === 'clusterroles') {
      if (await allowed('escalate', attrs.def.plural, name, namespace)) return;
      if (attrs.def.plural === 'clusterroles' && attrs.object.aggregationRule) {
        throw forbidden(gr, name, 'must have cluster-admin privileges to use the aggregationRule');
      }
      rules = (attrs.object.rules as PolicyRule[] | undefined) ?? [];
    } else {
      const ref = attrs.object.roleRef as RoleRef;
      // BindingAuthorized: `bind` on the referenced role, in the binding's namespace
      if (await allowed('bind', ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles', ref.name, namespace)) return;
      const found = await rbac.roleRules(ref.kind, ref.name, namespace);
      if (!found) throw notFound({ group: RBAC_GROUP, resource: ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles' }, ref.name);
      rules = found;
    }
    const { covered, missing } = covers(await rbac.rulesFor(user, namespace), rules);
    if (!covered) throw forbidden(gr, name, escalationMessage(user, missing));
  }
}
