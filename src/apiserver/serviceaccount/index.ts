/**
 * ServiceAccountTokens bundles what the API server does with service account tokens: the issuer
 * (TokenRequest, legacy Secret tokens), the authenticator, and the OIDC discovery endpoints
 * (/.well-known/openid-configuration, /openid/v1/jwks).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { RegistryStore } from '../../registry/store.js';
import type { Clock } from '../../util/clock.js';
import type { UserInfo } from '../authn.js';
import { ServiceAccountAuthenticator, type TokenAuthentication } from './authenticator.js';
import { DEFAULT_ISSUER, TokenIssuer } from './issuer.js';
import { serveTokenRequest, type TokenRequestDeps } from './token-request.js';

export { loadOrCreateServiceAccountKey, DEFAULT_ISSUER, TokenIssuer } from './issuer.js';

/**
 * legacyTokenSigner signs Secret-based tokens with the API server's key, for the serviceaccount-token
 * controller (kube-controller-manager is given the same key: --service-account-private-key-file);
 * undefined without a key.
 */
export function legacyTokenSigner(privateKeyPem: string | undefined): ((namespace: string, serviceAccount: { name: string; uid: string }, secretName: string) => string) | undefined {
  if (!privateKeyPem) return undefined;
  const issuer = new TokenIssuer({ privateKeyPem });
  return (ns, sa, secretName) => issuer.issueLegacy(ns, sa, secretName);
}

/** OIDC_PATHS are the discovery documents' paths. */
export const OIDC_PATHS = ['/.well-known/openid-configuration', '/openid/v1/jwks'];

/** ServiceAccountTokensOptions: the signing key (PEM; ephemeral when absent), issuer and audiences. */
export interface ServiceAccountTokensOptions {
  signingKey?: string;
  issuer?: string;
  /** --api-audiences (default: the issuer) */
  apiAudiences?: string[];
  clock: Clock;
  /** the store of a kind: ServiceAccount, Pod, Secret, Node */
  store(kind: 'ServiceAccount' | 'Pod' | 'Secret' | 'Node'): RegistryStore | undefined;
}

/** ServiceAccountTokens is the API server's service account token machinery. */
export class ServiceAccountTokens {
  readonly issuer: TokenIssuer;
  readonly apiAudiences: string[];
  private readonly authenticator: ServiceAccountAuthenticator;
  private readonly deps: TokenRequestDeps;

  constructor(o: ServiceAccountTokensOptions) {
    this.issuer = new TokenIssuer({ privateKeyPem: o.signingKey, issuer: o.issuer ?? DEFAULT_ISSUER, clock: o.clock });
    this.apiAudiences = o.apiAudiences ?? [this.issuer.issuer];
    const store = (kind: 'ServiceAccount' | 'Pod' | 'Secret' | 'Node'): RegistryStore => {
      const s = o.store(kind);
      if (!s) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
      return s;
    };
    const get = async (kind: 'ServiceAccount' | 'Pod' | 'Secret' | 'Node', ns: string, name: string): Promise<KubeObject | undefined> => {
      try {
        return await store(kind).get(ns || undefined, name);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) return undefined;
        throw e;
      }
    };
    this.authenticator = new ServiceAccountAuthenticator(this.issuer, get, this.apiAudiences, o.clock);
    this.deps = { issuer: this.issuer, apiAudiences: this.apiAudiences, store };
  }

  /** authenticate is the bearer token authenticator for API requests (the API server's audiences). */
  readonly authenticate = async (token: string): Promise<UserInfo | undefined> => (await this.authenticator.authenticate(token))?.user;

  /** review authenticates a token for a TokenReview's audiences (the API server's when none). */
  review(token: string, audiences?: string[]): Promise<TokenAuthentication | undefined> {
    return this.authenticator.authenticate(token, audiences?.length ? audiences : this.apiAudiences);
  }

  /** serveToken handles POST serviceaccounts/NAME/token. */
  serveToken(namespace: string, name: string, req: IncomingMessage, res: ServerResponse, user?: UserInfo): Promise<void> {
    return serveTokenRequest(namespace, name, req, res, this.deps, user);
  }

  /** serveOIDC answers the two discovery documents; false for other paths. */
  serveOIDC(path: string, res: ServerResponse): boolean {
    if (path === OIDC_PATHS[0]) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=3600' });
      res.end(JSON.stringify(this.issuer.openidConfiguration()));
      return true;
    }
    if (path === OIDC_PATHS[1]) {
      res.writeHead(200, { 'Content-Type': 'application/jwk-set+json', 'Cache-Control': 'public, max-age=3600' });
      res.end(JSON.stringify(this.issuer.jwks()));
      return true;
    }
    return false;
  }
}
