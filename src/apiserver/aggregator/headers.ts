/**
 * The headers of a request proxied to an extension API server. The API server has authenticated
 * and authorized the user: the user's credentials (Authorization, impersonation headers) stay
 * here, and the user is told in the front proxy's request headers (client-go's
 * SetAuthProxyHeaders): X-Remote-User, one X-Remote-Group per group, X-Remote-Extra-<key> per
 * extra value, the key percent-escaped where it is not a header token character.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { UserInfo } from '../authn.js';

// RFC 7230 token characters besides letters and digits stay as they are in an extra's key.
const TOKEN_PUNCTUATION = new Set([...'!#$&\'*+-.^_`|~']);

/** headerKeyEscape escapes an extra's key for X-Remote-Extra-, as client-go's headerKeyEscape does. */
export function headerKeyEscape(key: string): string {
  let out = '';
  for (const b of Buffer.from(key, 'utf8')) {
    const ch = String.fromCharCode(b);
    if (/[A-Za-z0-9]/.test(ch) || TOKEN_PUNCTUATION.has(ch)) out += ch;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** authProxyHeaders are the identity headers for user. */
export function authProxyHeaders(user: UserInfo): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = { 'X-Remote-User': user.name };
  if (user.groups.length) h['X-Remote-Group'] = [...user.groups];
  for (const [k, values] of Object.entries(user.extra ?? {})) {
    if (values.length) h[`X-Remote-Extra-${headerKeyEscape(k)}`] = [...values];
  }
  return h;
}

// Hop-by-hop headers (RFC 7230 6.1) are the connection's, never forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** isHopByHop says whether a header belongs to one connection (those Connection names too). */
export function isHopByHop(name: string, connection?: string | string[]): boolean {
  const n = name.toLowerCase();
  if (HOP_BY_HOP.has(n)) return true;
  const listed = (Array.isArray(connection) ? connection.join(',') : connection ?? '').toLowerCase().split(',').map((s) => s.trim());
  return listed.includes(n);
}

/**
 * proxyRequestHeaders are the headers sent on: the client's, without its credentials, any identity
 * headers it tried to set itself and hop-by-hop ones (kept for an upgrade, which needs them), plus
 * the user's identity and X-Forwarded-For.
 */
export function proxyRequestHeaders(incoming: IncomingHttpHeaders, user: UserInfo, remoteAddress: string | undefined, upgrade: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined) continue;
    const n = k.toLowerCase();
    if (n === 'host' || n === 'authorization' || n.startsWith('impersonate-') || n.startsWith('x-remote-')) continue;
    if (!upgrade && isHopByHop(n, incoming.connection)) continue;
    out[k] = v;
  }
  if (remoteAddress) {
    const prior = incoming['x-forwarded-for'];
    out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${remoteAddress}` : remoteAddress;
  }
  return { ...out, ...authProxyHeaders(user) };
}
