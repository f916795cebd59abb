/**
 * User impersonation (k8s.io/apiserver's WithImpersonation filter): `Impersonate-User`,
 * `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-*` headers make a request act as
 * another user, once the requester is authorized to "impersonate" each of them. kubectl sends them
 * for `--as` and `--as-group` (`kubectl auth can-i list pods --as=jane`).
 */
import { StatusError, internalError } from '../apimachinery/errors.js';
import { AUTHENTICATED_GROUP, type UserInfo } from './authn.js';
import type { Attributes, Decision } from './authz.js';
import { forbiddenError } from './authz.js';
import { getOwn, setOwn } from '../apimachinery/deep.js';
import { badURLEscape } from './request-info.js';

/** SERVICE_ACCOUNT_PREFIX starts a service account's user name: system:serviceaccount:NS:NAME. */
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
const UNAUTHENTICATED_GROUP = 'system:unauthenticated';

/** ImpersonationRequest is one thing the requester asks to act as (upstream's ObjectReference kinds). */
interface ImpersonationRequest {
  kind: 'User' | 'ServiceAccount' | 'Group' | 'UserExtra' | 'UID';
  name: string;
  namespace?: string;
  /** UserExtra: the extra's key */
  key?: string;
}

/** headers as Node gives them with every repeated header kept (IncomingMessage.headersDistinct). */
export type DistinctHeaders = Record<string, string[] | undefined>;

/** buildImpersonationRequests reads the impersonation headers (buildImpersonationRequests). */
function buildImpersonationRequests(headers: DistinctHeaders): ImpersonationRequest[] {
  const out: ImpersonationRequest[] = [];
  const user = headers['impersonate-user']?.[0] ?? '';
  if (user) {
    const sa = splitServiceAccount(user);
    out.push(sa ? { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name } : { kind: 'User', name: user });
  }
  for (const g of headers['impersonate-group'] ?? []) out.push({ kind: 'Group', name: g });
  for (const [h, values] of Object.entries(headers)) {
    if (!h.startsWith('impersonate-extra-')) continue;
    // Extra keys are percent-encoded in header names (they may hold '/').
    const encoded = h.slice('impersonate-extra-'.length).toLowerCase();
    // url.PathUnescape's error, which the impersonation filter answers as an internal error
    const escape = badURLEscape(encoded);
    if (escape) throw internalError(escape);
    let key = encoded;
    try { key = decodeURIComponent(encoded); } catch { /* %ff: bytes Go keeps as they are */ }
    for (const v of values ?? []) out.push({ kind: 'UserExtra', key, name: v });
  }
  const uid = headers['impersonate-uid']?.[0] ?? '';
  if (uid) out.push({ kind: 'UID', name: uid });
  if (!user && out.length > 0) {
    const shown = out.map((r) => `{${r.kind} ${r.namespace ?? ''} ${r.name}${r.key ? ` ${r.key}` : ''}}`).join(' ');
    throw new StatusError(500, 'InternalError', `Internal error occurred: requested [${shown}] without impersonating a user`, { causes: [{ message: `requested [${shown}] without impersonating a user` }] });
  }
  return out;
}

/** splitServiceAccount parses system:serviceaccount:NS:NAME. */
function splitServiceAccount(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = user.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/**
 * impersonate returns the user a request acts as: the requester itself without impersonation
 * headers, else the impersonated user, after checking that the requester may impersonate each
 * requested user, group, uid and extra (403 Forbidden as Kubernetes words it otherwise).
 */
export async function impersonate(requester: UserInfo, headers: DistinctHeaders, authorize: (a: Attributes) => Promise<Decision>): Promise<UserInfo> {
  const requests = buildImpersonationRequests(headers);
  if (requests.length === 0) return requester;
  const groupsSpecified = (headers['impersonate-group'] ?? []).length > 0;
  let name = '';
  let groups: string[] = [];
  let uid = '';
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    const a: Attributes = {
      user: requester, verb: 'impersonate', resourceRequest: true, path: '', apiGroup: '', apiVersion: 'v1',
      namespace: r.namespace ?? '', resource: '', subresource: '', name: r.name,
    };
    switch (r.kind) {
      case 'ServiceAccount':
        a.resource = 'serviceaccounts';
        name = `${SERVICE_ACCOUNT_PREFIX}${r.namespace}:${r.name}`;
        // A service account's groups are a fixed mapping, unless the request names groups itself.
        if (!groupsSpecified) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
        break;
      case 'User':
        a.resource = 'users';
        name = r.name;
        break;
      case 'Group':
        a.resource = 'groups';
        groups.push(r.name);
        break;
      case 'UserExtra':
        Object.assign(a, { apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: r.key ?? '' });
        // an own key whatever the header names ("Impersonate-Extra-__proto__" threw a 500)
        setOwn(extra, r.key ?? '', [...(getOwn(extra, r.key ?? '') as string[] | undefined ?? []), r.name]);
        break;
      case 'UID':
        Object.assign(a, { apiGroup: 'authentication.k8s.io', resource: 'uids' });
        uid = r.name;
        break;
    }
    const d = await authorize(a);
    if (!d.allowed || d.admission) throw forbiddenError(a, { ...d, admission: false });
  }
  // Every impersonated user but system:anonymous is authenticated, unless the groups say otherwise.
  if (name !== 'system:anonymous' && !groups.includes(AUTHENTICATED_GROUP) && !groups.includes(UNAUTHENTICATED_GROUP)) groups.push(AUTHENTICATED_GROUP);
  // The impersonated extras and uid are the user's from here on (authorization, audit, an aggregated server's X-Remote-* headers).
  return { name, groups, ...(uid ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}
