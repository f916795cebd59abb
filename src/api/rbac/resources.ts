/**
 * rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding and ClusterRoleBinding: defaulting
 * (subjects' and roleRef's apiGroup), validation with Kubernetes' messages (pkg/apis/rbac/validation),
 * roleRef immutable, and the tables kube-apiserver prints (roles: NAME CREATED AT; bindings: NAME
 * ROLE AGE, wide USERS GROUPS SERVICEACCOUNTS).
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { AGE, NAME, col, get } from '../printers/columns.js';
import { ageOf } from '../printers/duration.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../resource.js';
import { invalidField, notSupported, required } from '../validation/field.js';
import { validateLabelSelector } from '../validation/labels.js';
import { nameIsDNSSubdomain } from '../validation/names.js';

/** RBAC_GROUP is the API group of the four kinds. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** PolicyRule is rbac/v1 PolicyRule. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** Subject is rbac/v1 Subject. */
export interface Subject { kind: string; apiGroup?: string; name: string; namespace?: string }

/** RoleRef is rbac/v1 RoleRef. */
export interface RoleRef { apiGroup: string; kind: string; name: string }

/** RoleLike is a Role or ClusterRole as JSON. */
export interface RoleLike extends KubeObject {
  rules?: PolicyRule[];
  aggregationRule?: { clusterRoleSelectors?: unknown[] };
}

/** BindingLike is a RoleBinding or ClusterRoleBinding as JSON. */
export interface BindingLike extends KubeObject {
  subjects?: Subject[];
  roleRef: RoleRef;
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** validateRBACName is path.IsValidPathSegmentName: RBAC names may hold ':' (system:basic-user). */
export function validateRBACName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const bad = ['/', '%'].filter((c) => name.includes(c));
  return bad.map((c) => `may not contain '${c}'`);
}

/** validatePolicyRule is rbac validation's ValidatePolicyRule. */
export function validatePolicyRule(rule: unknown, namespaced: boolean, path: string): FieldError[] {
  const r: Obj = isObj(rule) ? rule : {};
  const errs: FieldError[] = [];
  if (strs(r.verbs).length === 0) errs.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = strs(r.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(invalidField(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (strs(r.apiGroups).length || strs(r.resources).length || strs(r.resourceNames).length) {
      errs.push(invalidField(`${path}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (strs(r.apiGroups).length === 0) errs.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (strs(r.resources).length === 0) errs.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(obj: KubeObject, namespaced: boolean): FieldError[] {
  const rules = Array.isArray(obj.rules) ? obj.rules : [];
  return rules.flatMap((r, i) => validatePolicyRule(r, namespaced, `rules[${i}]`));
}

function validateClusterRole(obj: KubeObject): FieldError[] {
  const errs = validateRules(obj, false);
  const agg = obj.aggregationRule;
  if (agg !== undefined && agg !== null) {
    const sels = isObj(agg) && Array.isArray(agg.clusterRoleSelectors) ? agg.clusterRoleSelectors : [];
    if (sels.length === 0) errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    sels.forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

/** validateSubject is ValidateRoleBindingSubject. */
export function validateSubject(subject: unknown, namespaced: boolean, path: string): FieldError[] {
  const s: Obj = isObj(subject) ? subject : {};
  const errs: FieldError[] = [];
  const name = typeof s.name === 'string' ? s.name : '';
  const apiGroup = typeof s.apiGroup === 'string' ? s.apiGroup : '';
  if (!name) errs.push(required(`${path}.name`, ''));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) errs.push(...nameIsDNSSubdomain(name, false).map((m) => invalidField(`${path}.name`, name, m)));
      if (apiGroup) errs.push(notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(`${path}.namespace`, ''));
      break;
    case 'User': case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(obj: KubeObject, namespaced: boolean): FieldError[] {
  const ref: Obj = isObj(obj.roleRef) ? obj.roleRef : {};
  const errs: FieldError[] = [];
  const apiGroup = typeof ref.apiGroup === 'string' ? ref.apiGroup : '';
  if (apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(String(ref.kind ?? ''))) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  const name = typeof ref.name === 'string' ? ref.name : '';
  if (!name) errs.push(required('roleRef.name', ''));
  else errs.push(...validateRBACName(name).map((m) => invalidField('roleRef.name', name, m)));
  const subjects = Array.isArray(obj.subjects) ? obj.subjects : [];
  subjects.forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  return errs;
}

function validateRoleRefUnchanged(obj: KubeObject, old: KubeObject): FieldError[] {
  const a: Obj = isObj(obj.roleRef) ? obj.roleRef : {};
  const b: Obj = isObj(old.roleRef) ? old.roleRef : {};
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  // Go prints the struct: {rbac.authorization.k8s.io ClusterRole view}
  return [{ type: 'FieldValueInvalid', field: 'roleRef', valueText: `rbac.RoleRef{APIGroup:"${String(a.apiGroup ?? '')}", Kind:"${String(a.kind ?? '')}", Name:"${String(a.name ?? '')}"}`, detail: 'cannot change roleRef' }];
}

/** defaultBinding is SetDefaults_RoleBinding/ClusterRoleBinding and SetDefaults_Subject. */
function defaultBinding(obj: KubeObject): void {
  if (isObj(obj.roleRef) && !obj.roleRef.apiGroup) obj.roleRef.apiGroup = RBAC_GROUP;
  for (const s of Array.isArray(obj.subjects) ? obj.subjects : []) {
    if (!isObj(s) || s.apiGroup) continue;
    if (s.kind === 'ServiceAccount') s.apiGroup = '';
    else if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}

/** rolePrinter is the default table of roles and cluster roles: NAME, CREATED AT. */
export const rolePrinter: TablePrinter = {
  columns: [NAME, { ...AGE, name: 'Created At', type: 'date' }],
  cells: (o) => [o.metadata?.name ?? '', o.metadata?.creationTimestamp ?? null],
};

/** bindingPrinter is kube-apiserver's roleBinding/clusterRoleBinding table. */
export const bindingPrinter = (what: 'roleBinding' | 'clusterRoleBinding'): TablePrinter => ({
  columns: [
    NAME,
    col('Role', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.'),
    AGE,
    col('Users', `Users in the ${what}`, 1),
    col('Groups', `Groups in the ${what}`, 1),
    col('ServiceAccounts', `ServiceAccounts in the ${what}`, 1),
  ],
  cells: (o, now) => {
    const subjects = (get(o, 'subjects') ?? []) as Subject[];
    const of = (kind: string) => subjects.filter((s) => s.kind === kind);
    return [
      get(o, 'metadata', 'name'),
      `${get(o, 'roleRef', 'kind') ?? ''}/${get(o, 'roleRef', 'name') ?? ''}`,
      ageOf(get(o, 'metadata', 'creationTimestamp'), now),
      of('User').map((s) => s.name).join(', '),
      of('Group').map((s) => s.name).join(', '),
      of('ServiceAccount').map((s) => `${s.namespace ?? ''}/${s.name}`).join(', '),
    ];
  },
});

/** roles is rbac/v1 Role. */
export const roles: ResourceDefinition = defineResource({
  group: RBAC_GROUP, version: 'v1', kind: 'Role', plural: 'roles', namespaced: true, table: rolePrinter,
  strategy: { validate: (o) => validateRules(o, true), validateUpdate: (o) => validateRules(o, true) },
});

/** clusterroles is rbac/v1 ClusterRole (aggregationRule: rules filled by the clusterrole-aggregation controller). */
export const clusterroles: ResourceDefinition = defineResource({
  group: RBAC_GROUP, version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false, table: rolePrinter,
  strategy: { validate: validateClusterRole, validateUpdate: validateClusterRole },
});

/** rolebindings is rbac/v1 RoleBinding. */
export const rolebindings: ResourceDefinition = defineResource({
  group: RBAC_GROUP, version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, table: bindingPrinter('roleBinding'),
  strategy: {
    default: defaultBinding,
    validate: (o) => validateBinding(o, true),
    validateUpdate: (o, old) => [...validateBinding(o, true), ...validateRoleRefUnchanged(o, old)],
  },
});

/** clusterrolebindings is rbac/v1 ClusterRoleBinding. */
export const clusterrolebindings: ResourceDefinition = defineResource({
  group: RBAC_GROUP, version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false, table: bindingPrinter('clusterRoleBinding'),
  strategy: {
    default: defaultBinding,
    validate: (o) => validateBinding(o, false),
    validateUpdate: (o, old) => [...validateBinding(o, false), ...validateRoleRefUnchanged(o, old)],
  },
});

/** rbacResources are the four kinds, as registry.ts lists them. */
export const rbacResources: ResourceDefinition[] = [clusterrolebindings, clusterroles, rolebindings, roles];
