/**
 * The bootstrap RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): the cluster roles
 * and bindings kube-apiserver's rbac/bootstrap-roles post-start hook writes when they are absent —
 * cluster-admin for system:masters, the user-facing admin/edit/view (aggregated from the
 * system:aggregate-to-* roles by the clusterrole-aggregation controller), and what every
 * authenticated (and unauthenticated) user may do: system:basic-user, system:discovery,
 * system:public-info-viewer.
 */
import type { PolicyRule, Subject } from '../../api/rbac/resources.js';
import { RBAC_GROUP } from '../../api/rbac/resources.js';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { RegistryStore } from '../../registry/store.js';
import { BASIC_USER_RULES, DISCOVERY_RULES } from '../bootstrap-policy.js';

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

/** ensurePolicy creates the objects a store lacks (existing ones are left as the cluster's admin made them). */
async function ensureAll(store: RegistryStore, objects: KubeObject[]): Promise<void> {
  for (const o of objects) {
    try {
      await store.get(undefined, o.metadata!.name!);
      continue;
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
    try {
      await store.create(undefined, structuredClone(o));
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
    }
  }
}

/**
 * reconcileBootstrapPolicy writes the bootstrap cluster roles and bindings that are absent, as
 * kube-apiserver's rbac/bootstrap-roles hook does at every start.
 */
export async function reconcileBootstrapPolicy(storeFor: (group: string, version: string, plural: string) => RegistryStore): Promise<void> {
  await ensureAll(storeFor(RBAC_GROUP, 'v1', 'clusterroles'), BOOTSTRAP_CLUSTER_ROLES);
  await ensureAll(storeFor(RBAC_GROUP, 'v1', 'clusterrolebindings'), BOOTSTRAP_CLUSTER_ROLE_BINDINGS);
}
