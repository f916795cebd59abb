/**
 * The service account token issuer (pkg/serviceaccount's JWT token generator): bound tokens with
 * the claims kube-apiserver writes (iss, sub, aud, exp/iat/nbf, jti and the `kubernetes.io`
 * private claims naming the namespace, service account and bound object), legacy Secret-based
 * tokens, and the OIDC discovery documents. The signing key lives in the control plane's data
 * dir (DIR/pki/sa.key, as kubeadm keeps it), created on first start.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../util/clock.js';
import { realClock } from '../../util/clock.js';
import { keyIDOf, parseJWT, publicJWK, signJWT, verifyJWT } from './jwt.js';

/** DEFAULT_ISSUER is kube-apiserver's --service-account-issuer as kubeadm sets it. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** LEGACY_ISSUER is the iss of Secret-based (kubernetes.io/service-account-token) tokens. */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

/**
 * loadOrCreateServiceAccountKey returns DIR/pki/sa.key (PEM), creating an ECDSA P-256 key (ES256
 * tokens, which kube-apiserver accepts as readily as RS256) on first start: an RSA-2048 key cost
 * 70–220 ms of blocking CPU at every fresh start. A data dir's existing RSA key keeps working.
 */
export function loadOrCreateServiceAccountKey(dir: string): string {
  const file = join(dir, 'pki', 'sa.key');
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  mkdirSync(join(dir, 'pki'), { recursive: true });
  writeFileSync(file, pem, { mode: 0o600 });
  return pem;
}

/** ObjectRef is a bound object's name and uid (the `kubernetes.io` claim's entries). */
export interface ObjectRef { name: string; uid: string }

/** PrivateClaims is the `kubernetes.io` claim of a bound token. */
export interface PrivateClaims {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

/** BoundClaims are a bound token's claims. */
export interface BoundClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  'kubernetes.io': PrivateClaims;
  nbf: number;
  sub: string;
}

/** IssueOptions is one TokenRequest's wish. */
export interface IssueOptions {
  audiences: string[];
  expirationSeconds: number;
  claims: PrivateClaims;
}

/** TokenIssuer signs and verifies service account tokens. */
export class TokenIssuer {
  readonly issuer: string;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly kid: string;
  private readonly clock: Clock;

  /** privateKeyPem: the signing key (an ephemeral one when absent, for in-process test servers) */
  constructor(o: { privateKeyPem?: string; issuer?: string; clock?: Clock } = {}) {
    this.issuer = o.issuer ?? DEFAULT_ISSUER;
    this.clock = o.clock ?? realClock;
    this.privateKey = o.privateKeyPem
      ? createPrivateKey(o.privateKeyPem)
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    this.publicKey = createPublicKey(this.privateKey);
    this.kid = keyIDOf(this.publicKey);
  }

  /** issue signs a bound token; it returns the token and when it expires. */
  issue(o: IssueOptions): { token: string; expiration: Date } {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const claims: BoundClaims = {
      aud: o.audiences, exp: now + o.expirationSeconds, iat: now, iss: this.issuer, jti: randomUUID(),
      'kubernetes.io': o.claims, nbf: now, sub: `system:serviceaccount:${o.claims.namespace}:${o.claims.serviceaccount.name}`,
    };
    return { token: signJWT(claims, this.privateKey, this.kid), expiration: new Date(claims.exp * 1000) };
  }

  /** issueLegacy signs a Secret-based token (no audience, no expiry). */
  issueLegacy(namespace: string, serviceAccount: ObjectRef, secretName: string): string {
    return signJWT({
      iss: LEGACY_ISSUER,
      'kubernetes.io/serviceaccount/namespace': namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': serviceAccount.name,
      'kubernetes.io/serviceaccount/service-account.uid': serviceAccount.uid,
      sub: `system:serviceaccount:${namespace}:${serviceAccount.name}`,
    }, this.privateKey, this.kid);
  }

  /** verify returns a token's claims when this issuer signed it (iss ours or legacy), else undefined. */
  verify(token: string): Record<string, unknown> | undefined {
    const t = parseJWT(token);
    if (!t || (t.claims.iss !== this.issuer && t.claims.iss !== LEGACY_ISSUER)) return undefined;
    return verifyJWT(t, this.publicKey) ? t.claims : undefined;
  }

  /** openidConfiguration is /.well-known/openid-configuration. */
  openidConfiguration(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [publicJWK(this.publicKey, this.kid).alg],
    };
  }

  /** jwks is /openid/v1/jwks: the verification key. */
  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [publicJWK(this.publicKey, this.kid)] };
  }
}
