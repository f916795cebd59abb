/**
 * Compact JWS tokens signed RS256 or ES256 with node:crypto (what go-jose does for
 * kube-apiserver's service account token signer), the key id as Kubernetes derives it, and the
 * public key as a JWK for /openid/v1/jwks.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** JWTHeader is the protected header kube-apiserver writes. */
export interface JWTHeader { alg: string; kid: string; typ?: string }

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** algorithmOf is RS256 for RSA keys and ES256 for P-256 keys (the two Kubernetes signs with by default). */
export function algorithmOf(key: KeyObject): 'RS256' | 'ES256' {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`unsupported service account signing key type ${key.asymmetricKeyType ?? 'unknown'}`);
}

/** keyIDOf is keyIDFromPublicKey: unpadded base64url of the SHA-256 of the public key's DER (PKIX). */
export function keyIDOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

/** signJWT returns header.payload.signature over the claims. */
export function signJWT(claims: object, privateKey: KeyObject, kid: string): string {
  const alg = algorithmOf(privateKey);
  const input = `${b64url(JSON.stringify({ alg, kid } satisfies JWTHeader))}.${b64url(JSON.stringify(claims))}`;
  // ES256 signatures are the raw r||s pair (ieee-p1363), not DER.
  const sig = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey);
  return `${input}.${b64url(sig)}`;
}

/** ParsedJWT is a token split and decoded, not yet verified. */
export interface ParsedJWT { header: JWTHeader; claims: Record<string, unknown>; signingInput: string; signature: Buffer }

/** parseJWT decodes a compact JWS; undefined when it is not one. */
export function parseJWT(token: string): ParsedJWT | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as JWTHeader;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) return undefined;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

/** verifyJWT checks the signature with the public key (and that the header names its algorithm). */
export function verifyJWT(t: ParsedJWT, publicKey: KeyObject): boolean {
  const alg = algorithmOf(publicKey);
  if (t.header.alg !== alg) return false;
  return verify('sha256', Buffer.from(t.signingInput), alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey, t.signature);
}

/** publicJWK is the key as /openid/v1/jwks lists it. */
export function publicJWK(privateOrPublic: KeyObject, kid: string): Record<string, unknown> {
  const pub = privateOrPublic.type === 'private' ? createPublicKey(privateOrPublic) : privateOrPublic;
  const { kty, ...rest } = pub.export({ format: 'jwk' });
  return { use: 'sig', kty, kid, alg: algorithmOf(pub), ...rest };
}
