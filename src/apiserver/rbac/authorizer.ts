/**
 * The RBAC authorizer (plugin/pkg/auth/authorizer/rbac): a request is allowed when a rule of a
 * role bound to the user covers it. ClusterRoleBindings are visited first, then the RoleBindings
 * of the request's namespace (a RoleBinding may reference a ClusterRole, whose rules then apply
 * in that namespace only). The four kinds are read from watched caches (what kube-apiserver's
 * shared informers give it), so a request costs no list.
 */
import type { BindingLike, PolicyRule, RoleLike } from '../../api/rbac/resources.js';
import type { KubeObject } from '../../api/resource.js';
import type { UserInfo } from '../authn.js';
import { appliesTo, ruleAllows, type RuleRequest } from './rules.js';

/** ObjectLister is what the authorizer reads of a cache (admission/cache.ts ObjectCache). */
export interface ObjectLister {
  list(): Promise<readonly KubeObject[]>;
  /** get by name (cluster-scoped) or namespace/name */
  get(key: string): Promise<KubeObject | undefined>;
}

/** RBACCaches are the watched caches of the four kinds. */
export interface RBACCaches {
  roles: ObjectLister;
  clusterRoles: ObjectLister;
  roleBindings: ObjectLister;
  clusterRoleBindings: ObjectLister;
}

/** RBACRequest is a request to authorize: who and what. */
export interface RBACRequest extends RuleRequest { user: UserInfo; namespace: string }

/** RBACAuthorizer decides requests from the RBAC objects and lists a user's rules. */
export class RBACAuthorizer {
  constructor(private readonly caches: RBACCaches) {}

  /** authorize returns true when a bound rule allows the request (RBAC never denies explicitly). */
  async authorize(a: RBACRequest): Promise<boolean> {
    let allowed = false;
    await this.visitRulesFor(a.user, a.namespace, (rule) => {
      if (ruleAllows(a, rule)) allowed = true;
      return !allowed;
    });
    return allowed;
  }

  /** rulesFor lists every rule that applies to the user in the namespace ('' = cluster-wide only). */
  async rulesFor(user: UserInfo, namespace: string): Promise<PolicyRule[]> {
    const out: PolicyRule[] = [];
    await this.visitRulesFor(user, namespace, (r) => { out.push(r); return true; });
    return out;
  }

  /** roleRules resolves a roleRef to its rules (Role in the namespace, or ClusterRole); undefined when missing. */
  async roleRules(kind: string, name: string, namespace: string): Promise<PolicyRule[] | undefined> {
    if (kind === 'ClusterRole') {
      const r = await this.caches.clusterRoles.get(name) as RoleLike | undefined;
      return r ? r.rules ?? [] : undefined;
    }
    if (kind === 'Role') {
      const r = await this.caches.roles.get(`${namespace}/${name}`) as RoleLike | undefined;
      return r ? r.rules ?? [] : undefined;
    }
    return undefined;
  }

  /** visitRulesFor calls visit for each rule that applies; visit returns false to stop. */
  private async visitRulesFor(user: UserInfo, namespace: string, visit: (r: PolicyRule) => boolean): Promise<void> {
    for (const b of await this.caches.clusterRoleBindings.list() as readonly BindingLike[]) {
      if (!(b.subjects ?? []).some((s) => appliesTo(user, s, ''))) continue;
      const rules = await this.roleRules(b.roleRef?.kind, b.roleRef?.name, '');
      for (const r of rules ?? []) if (!visit(r)) return;
    }
    if (!namespace) return;
    for (const b of await this.caches.roleBindings.list() as readonly BindingLike[]) {
      if (b.metadata?.namespace !== namespace) continue;
      if (!(b.subjects ?? []).some((s) => appliesTo(user, s, namespace))) continue;
      const rules = await this.roleRules(b.roleRef?.kind, b.roleRef?.name, namespace);
      for (const r of rules ?? []) if (!visit(r)) return;
    }
  }
}
