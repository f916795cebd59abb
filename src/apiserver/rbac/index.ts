/**
 * newRBAC builds the API server's RBAC authorizer over watched caches of the four kinds; nothing
 * when the server does not serve RBAC (test servers with a few kinds).
 */
import { ObjectCache } from '../../admission/cache.js';
import { RBAC_GROUP } from '../../api/rbac/resources.js';
import type { RegistryStore } from '../../registry/store.js';
import type { Clock } from '../../util/clock.js';
import type { Attributes, RuleAuthorizer } from '../authz.js';
import { RBACAuthorizer } from './authorizer.js';

export { RBACAuthorizer } from './authorizer.js';
export { reconcileBootstrapPolicy } from './bootstrap.js';

/** RBAC is the authorizer plus the authz.ts adapter. */
export interface RBAC extends RuleAuthorizer {
  authorizer: RBACAuthorizer;
}

/** newRBAC returns the RBAC authorizer, or undefined when rbac.authorization.k8s.io is not served. */
export function newRBAC(storeFor: (plural: string) => RegistryStore | undefined, signal: AbortSignal, clock: Clock): RBAC | undefined {
  const plurals = ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'];
  if (plurals.some((p) => storeFor(p) === undefined)) return undefined;
  const cache = (p: string) => {
    const c = new ObjectCache(() => storeFor(p)!, signal, clock);
    c.start();
    return c;
  };
  const authorizer = new RBACAuthorizer({
    roles: cache('roles'), clusterRoles: cache('clusterroles'), roleBindings: cache('rolebindings'), clusterRoleBindings: cache('clusterrolebindings'),
  });
  return {
    authorizer,
    authorize: (a: Attributes) => authorizer.authorize(a),
  };
}

/** RBAC_RESOURCE_KEY is the group/version/plural prefix server.ts looks the stores up by. */
export const RBAC_RESOURCE_KEY = `${RBAC_GROUP}/v1`;
