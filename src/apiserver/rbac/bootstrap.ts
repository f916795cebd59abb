/**
 * The bootstrap RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): the cluster roles
 * and bindings kube-apiserver's rbac/bootstrap-roles post-start hook writes when they are absent —
 * cluster-admin for system:masters, the user-facing admin/edit/view (aggregated from the
 * system:aggregate-to-* roles by the clusterrole-aggregation controller), and what every
 * authenticated (and unauthenticated) user may do: system:basic-user, system:discovery,
 * system:public-info-viewer. Objects marked rbac.authorization.kubernetes.io/autoupdate get what
 * they lack added at every start; autoupdate "false" leaves them alone.
 */
import type { PolicyRule, Subject } from '../../api/rbac/resources.js';
import { RBAC_GROUP } from '../../api/rbac/resources.js';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { RegistryStore } from '../../registry/store.js';
import { BASIC_USER_RULES, DISCOVERY_RULES } from '../bootstrap-policy.js';
import { covers } from './escalation.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

/** AUTOUPDATE_ANNOTATION marks objects the reconciler may keep up to date. */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
/** AGGREGATE_TO_ADMIN (… _EDIT, _VIEW) are the labels that feed the aggregated roles. */
export const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
export const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
export const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

const rule = (verbs: string[], groups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups: groups, resources });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}, aggregateFrom?: string): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    ...(aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregateFrom]: 'true' } }] } } : {}),
    rules,
  };
}

function clusterRoleBinding(name: string, subjects: Subject[], role = name): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRoleBinding',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects,
  };
}

const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });

/** viewRules are system:aggregate-to-view's: read everything but secrets and RBAC. */
const viewRules: PolicyRule[] = [
  rule(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status',
    'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
  rule(READ, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status',
    'replicationcontrollers/status', 'pods/log']),
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/scale', 'statefulsets/status', 'daemonsets', 'daemonsets/status',
    'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status']),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
  rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses',
    'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
];

/** editRules are system:aggregate-to-edit's: write workloads, read and write secrets. */
const editRules: PolicyRule[] = [
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
  rule(['create'], [''], ['pods/eviction']),
  rule(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy',
    'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback',
    'replicasets', 'replicasets/scale']),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
  rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets',
    'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
  rule(WRITE, ['coordination.k8s.io'], ['leases']),
  rule(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
];

/** adminRules are system:aggregate-to-admin's: review access and manage namespaced RBAC. */
const adminRules: PolicyRule[] = [
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  rule(READ_WRITE, [RBAC_GROUP], ['rolebindings', 'roles']),
];

/** BOOTSTRAP_CLUSTER_ROLES are bootstrappolicy.ClusterRoles() that tskube's components need. */
export const BOOTSTRAP_CLUSTER_ROLES: KubeObject[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  clusterRole('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
  clusterRole('system:monitoring', [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])]),
  clusterRole('system:basic-user', BASIC_USER_RULES.map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources }))),
  clusterRole('system:public-info-viewer', [urls(['get'], DISCOVERY_RULES[1].nonResourceURLs)]),
  clusterRole('admin', [], {}, AGGREGATE_TO_ADMIN),
  clusterRole('edit', [], { [AGGREGATE_TO_ADMIN]: 'true' }, AGGREGATE_TO_EDIT),
  clusterRole('view', [], { [AGGREGATE_TO_EDIT]: 'true' }, AGGREGATE_TO_VIEW),
  clusterRole('system:aggregate-to-admin', adminRules, { [AGGREGATE_TO_ADMIN]: 'true' }),
  clusterRole('system:aggregate-to-edit', editRules, { [AGGREGATE_TO_EDIT]: 'true' }),
  clusterRole('system:aggregate-to-view', viewRules, { [AGGREGATE_TO_VIEW]: 'true' }),
  clusterRole('system:auth-delegator', [
    rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  ]),
  clusterRole('system:node-proxier', [
    rule(['list', 'watch'], [''], ['services', 'endpoints']),
    rule(['get', 'list', 'watch'], [''], ['nodes']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
  ]),
  clusterRole('system:kube-dns', [rule(['list', 'watch'], [''], ['endpoints', 'services'])]),
  clusterRole('system:service-account-issuer-discovery', [urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])]),
  clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])]),
];

/** BOOTSTRAP_CLUSTER_ROLE_BINDINGS are bootstrappolicy.ClusterRoleBindings(). */
export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: KubeObject[] = [
  clusterRoleBinding('cluster-admin', [group('system:masters')]),
  clusterRoleBinding('system:monitoring', [group('system:monitoring')]),
  clusterRoleBinding('system:discovery', [group('system:authenticated')]),
  clusterRoleBinding('system:basic-user', [group('system:authenticated')]),
  clusterRoleBinding('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
  clusterRoleBinding('system:node-proxier', [user('system:kube-proxy')]),
  clusterRoleBinding('system:kube-dns', [{ kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system' }]),
  clusterRoleBinding('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
];

function role(namespace: string, name: string, rules: PolicyRule[]): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`, kind: 'Role',
    metadata: { name, namespace, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    rules,
  };
}

function roleBinding(namespace: string, name: string, role: string, subjects: Subject[]): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`, kind: 'RoleBinding',
    metadata: { name, namespace, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: role },
    subjects,
  };
}

const sa = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });
const named = (verbs: string[], resources: string[], names: string[]): PolicyRule => ({ verbs, apiGroups: [''], resources, resourceNames: names });
const EVENTS = rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

/** BOOTSTRAP_ROLES are bootstrappolicy.NamespaceRoles() (kube-system and kube-public). */
export const BOOTSTRAP_ROLES: KubeObject[] = [
  role('kube-system', 'extension-apiserver-authentication-reader', [named(READ, ['configmaps'], ['extension-apiserver-authentication'])]),
  role('kube-system', 'system::leader-locking-kube-controller-manager', [rule(['watch'], [''], ['configmaps']), named(['get', 'update'], ['configmaps'], ['kube-controller-manager'])]),
  role('kube-system', 'system::leader-locking-kube-scheduler', [rule(['watch'], [''], ['configmaps']), named(['get', 'update'], ['configmaps'], ['kube-scheduler'])]),
  role('kube-system', 'system:controller:bootstrap-signer', [rule(READ, [''], ['secrets'])]),
  role('kube-system', 'system:controller:cloud-provider', [rule(['create', 'get', 'list', 'watch'], [''], ['configmaps'])]),
  role('kube-system', 'system:controller:token-cleaner', [rule(['delete', 'get', 'list', 'watch'], [''], ['secrets']), EVENTS]),
  role('kube-public', 'system:controller:bootstrap-signer', [rule(READ, [''], ['configmaps']), named(['update'], ['configmaps'], ['cluster-info']), EVENTS]),
];

/** BOOTSTRAP_ROLE_BINDINGS are bootstrappolicy.NamespaceRoleBindings(). */
export const BOOTSTRAP_ROLE_BINDINGS: KubeObject[] = [
  roleBinding('kube-system', 'system::extension-apiserver-authentication-reader', 'extension-apiserver-authentication-reader', [user('system:kube-controller-manager'), user('system:kube-scheduler')]),
  roleBinding('kube-system', 'system::leader-locking-kube-controller-manager', 'system::leader-locking-kube-controller-manager', [user('system:kube-controller-manager'), sa('kube-system', 'kube-controller-manager')]),
  roleBinding('kube-system', 'system::leader-locking-kube-scheduler', 'system::leader-locking-kube-scheduler', [user('system:kube-scheduler'), sa('kube-system', 'kube-scheduler')]),
  roleBinding('kube-system', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [sa('kube-system', 'bootstrap-signer')]),
  roleBinding('kube-system', 'system:controller:cloud-provider', 'system:controller:cloud-provider', [sa('kube-system', 'cloud-provider')]),
  roleBinding('kube-system', 'system:controller:token-cleaner', 'system:controller:token-cleaner', [sa('kube-system', 'token-cleaner')]),
  roleBinding('kube-public', 'system:controller:bootstrap-signer', 'system:controller:bootstrap-signer', [sa('kube-system', 'bootstrap-signer')]),
];

/**
 * reconciled is what the reconciler (pkg/registry/rbac/reconciliation) makes of an existing object
 * marked autoupdate: the bootstrap labels and annotations added, missing rules (roles) or subjects
 * (bindings) appended, the aggregationRule restored; undefined when nothing changes or the admin
 * turned autoupdate off.
 */
export function reconciled(existing: KubeObject, expected: KubeObject): KubeObject | undefined {
  if (existing.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return undefined;
  const out = structuredClone(existing);
  let changed = false;
  const meta = out.metadata!;
  for (const field of ['labels', 'annotations'] as const) {
    for (const [k, v] of Object.entries(expected.metadata?.[field] ?? {})) {
      if (meta[field]?.[k] === undefined) { meta[field] = { ...meta[field], [k]: v }; changed = true; }
    }
  }
  if ('roleRef' in expected) {
    const subjects = (out.subjects ?? []) as Subject[];
    for (const want of (expected.subjects ?? []) as Subject[]) {
      if (!subjects.some((x) => x.kind === want.kind && x.name === want.name && (x.namespace ?? '') === (want.namespace ?? ''))) { subjects.push(want); changed = true; }
    }
    out.subjects = subjects;
  } else {
    if (expected.aggregationRule && JSON.stringify(out.aggregationRule) !== JSON.stringify(expected.aggregationRule)) {
      out.aggregationRule = structuredClone(expected.aggregationRule);
      changed = true;
    }
    // Aggregated roles' rules belong to the aggregation controller.
    if (!expected.aggregationRule) {
      const { covered, missing } = covers((out.rules ?? []) as PolicyRule[], (expected.rules ?? []) as PolicyRule[]);
      if (!covered) { out.rules = [...((out.rules ?? []) as PolicyRule[]), ...missing]; changed = true; }
    }
  }
  return changed ? out : undefined;
}

/** ensureAll creates what a store lacks and reconciles what it has. */
async function ensureAll(store: RegistryStore, objects: KubeObject[]): Promise<void> {
  // All at once: the first start's ~100 writes then commit together instead of one turn each.
  await Promise.all(objects.map((o) => ensureOne(store, o)));
}

/** ensureOne creates one object or reconciles it with the one stored. */
async function ensureOne(store: RegistryStore, o: KubeObject): Promise<void> {
  const ns = o.metadata!.namespace;
  let existing: KubeObject | undefined;
  try {
    existing = await store.get(ns, o.metadata!.name!);
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 404)) throw e;
  }
  try {
    if (!existing) {
      await store.create(ns, structuredClone(o));
      return;
    }
    // A binding to another role cannot be changed (roleRef is immutable): left as it is.
    if ('roleRef' in o && JSON.stringify(existing.roleRef) !== JSON.stringify(o.roleRef)) return;
    const updated = reconciled(existing, o);
    if (updated) await store.update(ns, o.metadata!.name!, updated);
  } catch (e) {
    // A concurrent writer (another API server, the aggregation controller) won: the next start reconciles again.
    if (!(e instanceof StatusError && e.code === 409)) throw e;
  }
}

/**
 * reconcileBootstrapPolicy writes the bootstrap roles and bindings that are absent and adds what
 * autoupdate ones lack, as kube-apiserver's rbac/bootstrap-roles hook does at every start (the
 * system namespaces exist by then).
 */
export async function reconcileBootstrapPolicy(storeFor: (group: string, version: string, plural: string) => RegistryStore): Promise<void> {
  // A binding may name a role not written yet (RBAC resolves roles when it authorizes): all four at once.
  await Promise.all([
    ensureAll(storeFor(RBAC_GROUP, 'v1', 'clusterroles'), BOOTSTRAP_CLUSTER_ROLES),
    ensureAll(storeFor(RBAC_GROUP, 'v1', 'clusterrolebindings'), BOOTSTRAP_CLUSTER_ROLE_BINDINGS),
    ensureAll(storeFor(RBAC_GROUP, 'v1', 'roles'), BOOTSTRAP_ROLES),
    ensureAll(storeFor(RBAC_GROUP, 'v1', 'rolebindings'), BOOTSTRAP_ROLE_BINDINGS),
  ]);
}
