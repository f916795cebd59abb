import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { keyIDOf, parseJWT, publicJWK, signJWT, verifyJWT } from './jwt.js';

for (const [name, keys] of [
  ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['ES256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
] as const) {
  test(`${name}: signed tokens verify with the key, altered ones do not`, () => {
    const kid = keyIDOf(keys.publicKey);
    const token = signJWT({ sub: 'system:serviceaccount:a:b', n: 1 }, keys.privateKey, kid);
    const t = parseJWT(token)!;
    assert.deepEqual(t.header, { alg: name, kid });
    assert.deepEqual(t.claims, { sub: 'system:serviceaccount:a:b', n: 1 });
    assert.equal(verifyJWT(t, keys.publicKey), true);
    const [h, , s] = token.split('.');
    const forged = parseJWT(`${h}.${Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:a:admin', n: 1 })).toString('base64url')}.${s}`)!;
    assert.equal(verifyJWT(forged, keys.publicKey), false);
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    assert.equal(name === 'ES256' ? verifyJWT(t, other.publicKey) : false, false);
    const jwk = publicJWK(keys.privateKey, kid);
    assert.equal(jwk.kid, kid);
    assert.equal(jwk.alg, name);
    // the JWK is the same public key
    assert.equal(keyIDOf(createPublicKey({ key: jwk as never, format: 'jwk' })), kid);
  });
}

test('parseJWT refuses what is not a compact JWS', () => {
  assert.equal(parseJWT('kubernetes-admin-token'), undefined);
  assert.equal(parseJWT('a.b'), undefined);
  assert.equal(parseJWT('e30.!!.e30'), undefined);
  assert.equal(parseJWT(`${Buffer.from('x').toString('base64url')}.e30.e30`), undefined);
});
