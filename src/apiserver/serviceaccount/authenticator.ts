/**
 * Authentication of service account tokens (pkg/serviceaccount's JWT authenticator and its
 * validators): the signature must be the issuer's, a bound token must be current and meant for
 * one of the wanted audiences, and the objects it names must still exist with the same uid — a
 * token bound to a deleted (or deleting) pod, or of a recreated service account, is refused. A
 * legacy token must still be the one its Secret holds. The user is
 * system:serviceaccount:NS:NAME in system:serviceaccounts, system:serviceaccounts:NS and
 * system:authenticated.
 */
import type { KubeObject } from '../../api/resource.js';
import type { Clock } from '../../util/clock.js';
import { realClock } from '../../util/clock.js';
import { AUTHENTICATED_GROUP, type UserInfo } from '../authn.js';
import { LEGACY_ISSUER, type PrivateClaims, type TokenIssuer } from './issuer.js';

/** SERVICE_ACCOUNTS_GROUP holds every service account. */
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

/** serviceAccountUser is the UserInfo of a service account (serviceaccount.UserInfo): its uid, and the token's extra attributes. */
export function serviceAccountUser(namespace: string, name: string, uid?: string, extra?: Record<string, string[]>): UserInfo {
  return {
    name: `system:serviceaccount:${namespace}:${name}`, ...(uid ? { uid } : {}),
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`, AUTHENTICATED_GROUP],
    ...(extra && Object.keys(extra).length ? { extra } : {}),
  };
}

/** EXTRA_* are the extra keys a bound token's user carries (authentication.kubernetes.io/...). */
const EXTRA = 'authentication.kubernetes.io/';

/** tokenExtra is what a bound token tells about itself: its id (jti), the pod and node it is bound to. */
function tokenExtra(claims: Record<string, unknown>, k: PrivateClaims): Record<string, string[]> {
  const extra: Record<string, string[]> = {};
  if (typeof claims.jti === 'string' && claims.jti) extra[`${EXTRA}credential-id`] = [`JTI=${claims.jti}`];
  if (k.node) { extra[`${EXTRA}node-name`] = [k.node.name]; extra[`${EXTRA}node-uid`] = [k.node.uid]; }
  if (k.pod) { extra[`${EXTRA}pod-name`] = [k.pod.name]; extra[`${EXTRA}pod-uid`] = [k.pod.uid]; }
  return extra;
}

/** ObjectGetter reads the objects tokens refer to (undefined when absent). */
export interface ObjectGetter {
  (kind: 'ServiceAccount' | 'Pod' | 'Secret' | 'Node', namespace: string, name: string): Promise<KubeObject | undefined>;
}

/** NOT_BEFORE_LEEWAY_S tolerates clock skew on nbf/iat, as go-jose's default leeway does. */
const LEEWAY_S = 60;

/** TokenAuthentication is a successful authentication: the user and the audiences the token is good for. */
export interface TokenAuthentication { user: UserInfo; audiences: string[] }

/** ServiceAccountAuthenticator checks service account tokens. */
export class ServiceAccountAuthenticator {
  private readonly clock: Clock;

  constructor(private readonly issuer: TokenIssuer, private readonly get: ObjectGetter, private readonly apiAudiences: string[], clock?: Clock) {
    this.clock = clock ?? realClock;
  }

  /** authenticate returns the token's user, or undefined when the token is not a valid service account token. */
  async authenticate(token: string, audiences: string[] = this.apiAudiences): Promise<TokenAuthentication | undefined> {
    const claims = this.issuer.verify(token);
    if (!claims) return undefined;
    if (claims.iss === LEGACY_ISSUER) return this.legacy(token, claims, audiences);
    const now = Math.floor(this.clock.now().getTime() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp < now) return undefined;
    if (typeof claims.nbf === 'number' && claims.nbf > now + LEEWAY_S) return undefined;
    const aud = Array.isArray(claims.aud) ? claims.aud.map(String) : typeof claims.aud === 'string' ? [claims.aud] : [];
    const matched = audiences.filter((a) => aud.includes(a));
    if (matched.length === 0) return undefined;
    const k = claims['kubernetes.io'] as PrivateClaims | undefined;
    if (!k?.namespace || !k.serviceaccount?.name) return undefined;
    if (!await this.current('ServiceAccount', k.namespace, k.serviceaccount)) return undefined;
    if (k.pod && !await this.current('Pod', k.namespace, k.pod)) return undefined;
    if (k.secret && !await this.current('Secret', k.namespace, k.secret)) return undefined;
    if (k.node && !await this.current('Node', '', k.node)) return undefined;
    return { user: serviceAccountUser(k.namespace, k.serviceaccount.name, k.serviceaccount.uid, tokenExtra(claims, k)), audiences: matched };
  }

  /** current: the object exists, is not being deleted and has the uid the token names. */
  private async current(kind: 'ServiceAccount' | 'Pod' | 'Secret' | 'Node', namespace: string, ref: { name: string; uid: string }): Promise<boolean> {
    const o = await this.get(kind, namespace, ref.name);
    if (!o || o.metadata?.deletionTimestamp) return false;
    return !ref.uid || o.metadata?.uid === ref.uid;
  }

  /** legacy checks a Secret-based token: the Secret still holds it and its service account is the same one. */
  private async legacy(token: string, claims: Record<string, unknown>, audiences: string[]): Promise<TokenAuthentication | undefined> {
    const ns = String(claims['kubernetes.io/serviceaccount/namespace'] ?? '');
    const saName = String(claims['kubernetes.io/serviceaccount/service-account.name'] ?? '');
    const saUID = String(claims['kubernetes.io/serviceaccount/service-account.uid'] ?? '');
    const secretName = String(claims['kubernetes.io/serviceaccount/secret.name'] ?? '');
    if (!ns || !saName || !secretName) return undefined;
    const secret = await this.get('Secret', ns, secretName);
    if (!secret || secret.metadata?.deletionTimestamp) return undefined;
    const data = (secret.data ?? {}) as Record<string, string>;
    if (!data.token || Buffer.from(data.token, 'base64').toString('utf8') !== token) return undefined;
    if (!await this.current('ServiceAccount', ns, { name: saName, uid: saUID })) return undefined;
    // Legacy tokens carry no audience: they are good for the API server's own audiences.
    const matched = audiences.filter((a) => this.apiAudiences.includes(a));
    if (matched.length === 0) return undefined;
    return { user: serviceAccountUser(ns, saName, saUID), audiences: matched };
  }
}
