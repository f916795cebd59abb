/**
 * The node agent's service account token manager (kubelet's token.Manager): projected
 * serviceAccountToken volumes get tokens requested through the TokenRequest API with the node's
 * credentials, bound to the pod; a token is kept until 80% of its lifetime (or 24 hours) has
 * passed, then requested again, so the volume's file is refreshed before it expires.
 */
import type { KubeObject } from '../api/resource.js';
import { Resources, type Client } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import { realClock } from '../util/clock.js';

/** TokenWish is one projection's request: audience, lifetime and the pod the token is bound to. */
export interface TokenWish {
  audience?: string;
  expirationSeconds: number;
  podName: string;
  podUID: string;
}

/** MAX_TTL_MS is when a token is refreshed at the latest (24 h), as kubelet does. */
const MAX_TTL_MS = 24 * 60 * 60 * 1000;

interface Cached { token: string; issued: number; expires: number }

/** TokenManager requests and caches service account tokens by (namespace, account, wish). */
export class TokenManager {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly client: Client, private readonly clock: Clock = realClock) {}

  /** getServiceAccountToken returns a current token for the pod's service account. */
  async getServiceAccountToken(namespace: string, serviceAccount: string, w: TokenWish): Promise<string> {
    const key = JSON.stringify([namespace, serviceAccount, w.audience ?? '', w.expirationSeconds, w.podName, w.podUID]);
    const now = this.clock.now().getTime();
    const c = this.cache.get(key);
    if (c && !requiresRefresh(c, now)) return c.token;
    const tr: KubeObject = await this.client.createSubresource(Resources.serviceaccounts, namespace, serviceAccount, 'token', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
      spec: {
        ...(w.audience ? { audiences: [w.audience] } : {}),
        expirationSeconds: w.expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: w.podName, uid: w.podUID },
      },
    });
    const status = tr.status as { token: string; expirationTimestamp: string };
    this.cache.set(key, { token: status.token, issued: now, expires: Date.parse(status.expirationTimestamp) });
    return status.token;
  }
}

/** requiresRefresh: past 80% of the token's lifetime, or older than 24 hours. */
export function requiresRefresh(c: { issued: number; expires: number }, now: number): boolean {
  const ttl = c.expires - c.issued;
  return now >= c.issued + ttl * 0.8 || now - c.issued > MAX_TTL_MS;
}
