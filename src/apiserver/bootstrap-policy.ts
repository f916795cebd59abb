/**
 * The default RBAC rules tskube's authorizer applies without RBAC objects (upstream's
 * bootstrappolicy): cluster-admin for system:masters and, for every authenticated user,
 * system:basic-user (self reviews), system:discovery and system:public-info-viewer, the last also
 * for unauthenticated (anonymous) users. The
 * authorizer checks requests against them and SelfSubjectRulesReview lists them.
 */
import { AUTHENTICATED_GROUP, MASTERS_GROUP, nodeNameOf, UNAUTHENTICATED_GROUP, type UserInfo } from './authn.js';
import { ruleAllows, type RuleRequest } from './rbac/rules.js';

/** ResourceRule is authorization.k8s.io/v1 ResourceRule. */
export interface ResourceRule { verbs: string[]; apiGroups: string[]; resources: string[]; resourceNames?: string[] }
/** NonResourceRule is authorization.k8s.io/v1 NonResourceRule. */
export interface NonResourceRule { verbs: string[]; nonResourceURLs: string[] }

/** CLUSTER_ADMIN_RULES are the cluster-admin ClusterRole's rules (bound to system:masters). */
export const CLUSTER_ADMIN_RULES = {
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] as ResourceRule[],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] as NonResourceRule[],
};

/** BASIC_USER_RULES is system:basic-user: anyone may review themselves. */
export const BASIC_USER_RULES: ResourceRule[] = [
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
];

const PUBLIC_INFO_URLS = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

/** PUBLIC_INFO_RULES are system:public-info-viewer's, bound to authenticated and unauthenticated users alike. */
export const PUBLIC_INFO_RULES: NonResourceRule[] = [{ verbs: ['get'], nonResourceURLs: PUBLIC_INFO_URLS }];

/** DISCOVERY_RULES are system:discovery's and system:public-info-viewer's (every authenticated user may read discovery). */
export const DISCOVERY_RULES: NonResourceRule[] = [
  { verbs: ['get'], nonResourceURLs: [...PUBLIC_INFO_URLS, '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'] },
  { verbs: ['get'], nonResourceURLs: PUBLIC_INFO_URLS },
];

/** NODE_RULES_INCOMPLETE is the evaluation error of a node's rules review (the Node authorizer cannot enumerate). */
export const NODE_RULES_INCOMPLETE = 'node authorizer does not support user rule resolution';

/** SubjectRules is a SubjectRulesReviewStatus. */
export interface SubjectRules {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
  evaluationError?: string;
}

/**
 * rulesFor lists what a user may do (the union authorizer's RulesFor): the admin's cluster-admin
 * rules and everyone's basic rules; a node's graph-based permissions cannot be listed, so its
 * answer is incomplete, as Kubernetes' Node authorizer reports.
 */
export function rulesFor(user: UserInfo): SubjectRules {
  const out: SubjectRules = { resourceRules: [], nonResourceRules: [], incomplete: false };
  if (nodeNameOf(user) !== undefined) {
    out.incomplete = true;
    out.evaluationError = NODE_RULES_INCOMPLETE;
  }
  if (user.groups.includes(MASTERS_GROUP)) {
    out.resourceRules.push(...CLUSTER_ADMIN_RULES.resourceRules);
    out.nonResourceRules.push(...CLUSTER_ADMIN_RULES.nonResourceRules);
  }
  if (user.groups.includes(AUTHENTICATED_GROUP)) {
    out.resourceRules.push(...BASIC_USER_RULES);
    out.nonResourceRules.push(...DISCOVERY_RULES);
  } else if (user.groups.includes(UNAUTHENTICATED_GROUP)) {
    out.nonResourceRules.push(...PUBLIC_INFO_RULES);
  }
  return structuredClone(out);
}

/** basicRulesAllow: the rules every authenticated user has allow this request. */
export function basicRulesAllow(user: UserInfo, a: RuleRequest): boolean {
  if (user.groups.includes(UNAUTHENTICATED_GROUP)) return !a.resourceRequest && PUBLIC_INFO_RULES.some((r) => ruleAllows(a, r));
  if (!user.groups.includes(AUTHENTICATED_GROUP)) return false;
  return a.resourceRequest ? BASIC_USER_RULES.some((r) => ruleAllows(a, r)) : DISCOVERY_RULES.some((r) => ruleAllows(a, r));
}
