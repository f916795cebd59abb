import { timingSafeEqual } from 'node:crypto';
import { unauthorized } from '../apimachinery/errors.js';

/** UserInfo is who a request comes from (k8s.io/apiserver's user.Info). */
export interface UserInfo {
  name: string;
  groups: string[];
  /** the user's uid (a service account's uid) */
  uid?: string;
  /** extra attributes (a service account token's credential id, pod and node) */
  extra?: Record<string, string[]>;
}

/** NODE_USER_PREFIX starts every node's user name: `system:node:host01`. */
export const NODE_USER_PREFIX = 'system:node:';
/** NODES_GROUP is the group of every node agent. */
export const NODES_GROUP = 'system:nodes';
/** MASTERS_GROUP is the group whose members may do anything (the admin). */
export const MASTERS_GROUP = 'system:masters';
/** AUTHENTICATED_GROUP is added to every authenticated user. */
export const AUTHENTICATED_GROUP = 'system:authenticated';

/** UNAUTHENTICATED_GROUP is the group of the anonymous user. */
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
/**
 * ANONYMOUS_USER is who a request without credentials is (kube-apiserver's --anonymous-auth,
 * true by default): what RBAC grants system:anonymous or system:unauthenticated it may do, the
 * public health and version paths by the bootstrap policy; anything else is 403 Forbidden.
 */
export const ANONYMOUS_USER: UserInfo = { name: 'system:anonymous', groups: [UNAUTHENTICATED_GROUP] };

/** ADMIN_USER is the user of the admin token (kubeadm calls its admin kubernetes-admin). */
export const ADMIN_USER: UserInfo = { name: 'kubernetes-admin', groups: [MASTERS_GROUP, AUTHENTICATED_GROUP] };

/**
 * nodeCredential is the bearer token a node agent presents: `system:node:<name>:<node token>`.
 * Kubernetes identifies a kubelet by the client certificate it got through TLS bootstrapping;
 * tskube keeps one shared node token instead (valid for any node name, as a bootstrap token is),
 * and the agent states its name in front of it, so the API server knows which node is asking.
 */
export function nodeCredential(nodeName: string, nodeToken: string): string {
  return `${NODE_USER_PREFIX}${nodeName}:${nodeToken}`;
}

/** KUBE_PROXY_USER is the user kube-proxy runs as; the bootstrap policy binds it to system:node-proxier. */
export const KUBE_PROXY_USER = 'system:kube-proxy';

/**
 * proxyCredential is the bearer token of a node agent's network components (the route controller
 * reads every Node, which the 1.32 node authorizer refuses a kubelet): `system:kube-proxy:<node
 * token>`. As k3s gives an agent holding the node token a kube-proxy credential, the node token
 * vouches for it; the user is system:kube-proxy, allowed what system:node-proxier allows.
 */
export function proxyCredential(nodeToken: string): string {
  return `${KUBE_PROXY_USER}:${nodeToken}`;
}

/** TokenAuthenticatorOptions: the admin tokens and the node token the server accepts. */
export interface TokenAuthenticatorOptions {
  adminTokens: string[];
  nodeToken?: string;
  /** further authenticators asked when the static tokens do not match (service account tokens) */
  tokenAuthenticators?: BearerTokenAuthenticator[];
}

/** BearerTokenAuthenticator authenticates a bearer token it knows, undefined otherwise. */
export type BearerTokenAuthenticator = (token: string) => Promise<UserInfo | undefined>;

/**
 * TokenAuthenticator maps a bearer token to a user, as kube-apiserver's token authenticators do:
 * an admin token is `kubernetes-admin` (system:masters); a node credential (see nodeCredential)
 * is `system:node:<name>` in `system:nodes`. Comparisons are constant-time.
 */
export class TokenAuthenticator {
  private readonly admin: Buffer[];
  private readonly node?: Buffer;
  private readonly others: BearerTokenAuthenticator[];

  constructor(o: TokenAuthenticatorOptions) {
    this.admin = o.adminTokens.filter((t) => t !== '').map((t) => Buffer.from(t));
    this.node = o.nodeToken ? Buffer.from(o.nodeToken) : undefined;
    this.others = o.tokenAuthenticators ?? [];
  }

  /** authenticateAsync is authenticate followed by the further authenticators (the union of token authenticators). */
  async authenticateAsync(authorization: string | undefined): Promise<UserInfo | undefined> {
    const u = this.authenticate(authorization);
    const token = bearerToken(authorization);
    if (u || token === undefined) return u;
    for (const a of this.others) {
      const found = await a(token);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * authenticateRequest is the union of authenticators for one request: a verified client
   * certificate, else the bearer token (401 Unauthorized when no authenticator knows it), else,
   * with no credentials at all, the anonymous user.
   */
  async authenticateRequest(authorization: string | undefined, socket?: unknown): Promise<UserInfo> {
    const fromCertificate = certificateUser(socket);
    if (fromCertificate) return fromCertificate;
    if (bearerToken(authorization) !== undefined) return this.mustAuthenticateAsync(authorization);
    // A certificate that failed verification is a failed authentication, not an absent one: no
    // anonymous fallback for it (Kubernetes' union.NewFailOnError in front of the anonymous user).
    if (unverifiedCertificate(socket)) throw unauthorized();
    return ANONYMOUS_USER;
  }

  /** mustAuthenticateAsync is authenticateAsync that throws 401 Unauthorized. */
  async mustAuthenticateAsync(authorization: string | undefined): Promise<UserInfo> {
    const u = await this.authenticateAsync(authorization);
    if (!u) throw unauthorized();
    return u;
  }

  /** authenticate returns the request's user, or undefined when the header carries no valid token. */
  authenticate(authorization: string | undefined): UserInfo | undefined {
    const token = bearerToken(authorization);
    if (token === undefined) return undefined;
    const given = Buffer.from(token);
    if (this.admin.some((t) => same(t, given))) return ADMIN_USER;
    if (this.node && token.startsWith(NODE_USER_PREFIX)) {
      const sep = token.lastIndexOf(':');
      const name = token.slice(NODE_USER_PREFIX.length, sep);
      if (name !== '' && sep > NODE_USER_PREFIX.length && same(this.node, Buffer.from(token.slice(sep + 1)))) {
        return { name: NODE_USER_PREFIX + name, groups: [NODES_GROUP, AUTHENTICATED_GROUP] };
      }
    }
    if (this.node && token.startsWith(`${KUBE_PROXY_USER}:`) && same(this.node, Buffer.from(token.slice(KUBE_PROXY_USER.length + 1)))) {
      return { name: KUBE_PROXY_USER, groups: [AUTHENTICATED_GROUP] };
    }
    return undefined;
  }

  /** mustAuthenticate is authenticate that throws 401 Unauthorized (Kubernetes' answer to a bad token). */
  mustAuthenticate(authorization: string | undefined): UserInfo {
    const u = this.authenticate(authorization);
    if (!u) throw unauthorized();
    return u;
  }
}

/** certificateUsers: the user of each TLS connection that presented a verified client certificate (one parse a connection). */
const certificateUsers = new WeakMap<object, UserInfo | null>();

/**
 * certificateUser is kube-apiserver's x509 authenticator (--client-ca-file): a connection whose
 * client certificate the TLS handshake verified against the cluster CA (chain, validity, client
 * usage) is the user its subject names, CN the name and each O a group. It comes before the
 * bearer tokens, as in Kubernetes' union of authenticators. Undefined without such a certificate.
 */
export function certificateUser(socket: unknown): UserInfo | undefined {
  const tls = socket as { authorized?: boolean; getPeerCertificate?: () => { subject?: Record<string, string | string[] | undefined> } } | null;
  if (!tls || tls.authorized !== true || typeof tls.getPeerCertificate !== 'function') return undefined;
  let user = certificateUsers.get(tls);
  if (user === undefined) {
    const subject = tls.getPeerCertificate().subject ?? {};
    const values = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const name = values(subject.CN)[0] ?? '';
    // a certificate without a common name authenticates no one (Kubernetes: "common name is empty")
    user = name ? { name, groups: [...values(subject.O), AUTHENTICATED_GROUP] } : null;
    certificateUsers.set(tls, user);
  }
  return user ?? undefined;
}

/** unverifiedCertificate: the connection presented a client certificate the handshake did not verify (another CA, expired, not for client auth). */
function unverifiedCertificate(socket: unknown): boolean {
  const tls = socket as { authorized?: boolean; getPeerCertificate?: () => object } | null;
  if (!tls || tls.authorized !== false || typeof tls.getPeerCertificate !== 'function') return false;
  return Object.keys(tls.getPeerCertificate() ?? {}).length > 0;
}

/** bearerToken reads `Bearer <token>`; the scheme is case-insensitive (the Python client sends `bearer`), as Kubernetes reads it. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const m = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m ? m[1] : undefined;
}

/** nodeNameOf returns the node name of a node user (system:node:NAME in system:nodes), else undefined. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length);
}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
