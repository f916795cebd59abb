/**
 * RBAC rule matching (k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac: RuleAllows and its
 * VerbMatches/APIGroupMatches/ResourceMatches/ResourceNameMatches/NonResourceURLMatches) and
 * subject matching (appliesTo), shared by the authorizer and the escalation check.
 */
import type { PolicyRule, Subject } from '../../api/rbac/resources.js';
import type { UserInfo } from '../authn.js';

/** RequestAttributes is the part of authorizer.Attributes rules look at. */
export interface RuleRequest {
  verb: string;
  resourceRequest: boolean;
  path: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
}

const ALL = '*';

function verbMatches(r: PolicyRule, verb: string): boolean {
  return r.verbs.some((v) => v === ALL || v === verb);
}

function apiGroupMatches(r: PolicyRule, group: string): boolean {
  return (r.apiGroups ?? []).some((g) => g === ALL || g === group);
}

/**
 * resourceMatches: `*`, the combined `resource/subresource`, or — for a subresource request —
 * `*\/subresource` (any resource's scale, say).
 */
export function resourceMatches(r: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const x of r.resources ?? []) {
    if (x === ALL || x === combined) return true;
    if (subresource && x === `*/${subresource}`) return true;
  }
  return false;
}

function resourceNameMatches(r: PolicyRule, name: string): boolean {
  const names = r.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/** nonResourceURLMatches: `*`, the exact path, or a prefix ending in `*`. */
export function nonResourceURLMatches(r: PolicyRule, path: string): boolean {
  return (r.nonResourceURLs ?? []).some((u) => u === ALL || u === path || (u.endsWith(ALL) && path.startsWith(u.slice(0, -1))));
}

/** ruleAllows is rbac's RuleAllows: does one rule cover the request? */
export function ruleAllows(a: RuleRequest, r: PolicyRule): boolean {
  if (a.resourceRequest) {
    return verbMatches(r, a.verb) && apiGroupMatches(r, a.apiGroup) && resourceMatches(r, a.resource, a.subresource) && resourceNameMatches(r, a.name);
  }
  return verbMatches(r, a.verb) && nonResourceURLMatches(r, a.path);
}

/** SERVICE_ACCOUNT_USER_PREFIX starts a service account's user name. */
export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';

/** serviceAccountUsername is serviceaccount.MakeUsername. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`;
}

/**
 * appliesTo says whether a binding's subject names the user; a ServiceAccount subject without a
 * namespace means the binding's own namespace.
 */
export function appliesTo(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User': return s.name === user.name;
    case 'Group': return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns !== '' && serviceAccountUsername(ns, s.name) === user.name;
    }
  }
  return false;
}
