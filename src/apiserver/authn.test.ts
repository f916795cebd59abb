import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_USER, ANONYMOUS_USER, TokenAuthenticator, certificateUser, nodeCredential, nodeNameOf, proxyCredential } from './authn.js';

const authn = new TokenAuthenticator({ adminTokens: ['admintoken'], nodeToken: 'nodetoken' });

test('the admin token is kubernetes-admin in system:masters', () => {
  assert.deepEqual(authn.authenticate('Bearer admintoken'), ADMIN_USER);
  assert.equal(nodeNameOf(ADMIN_USER), undefined);
});

test('a node credential is system:node:NAME in system:nodes, for any name', () => {
  for (const name of ['host01', 'node-7.example.com']) {
    const u = authn.authenticate(`Bearer ${nodeCredential(name, 'nodetoken')}`);
    assert.deepEqual(u, { name: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] });
    assert.equal(nodeNameOf(u!), name);
  }
});

test('wrong, bare or nameless tokens are not authenticated', () => {
  for (const h of [undefined, '', 'Basic YWJj', 'Bearer nope', 'Bearer nodetoken', 'Bearer system:node::nodetoken',
    `Bearer ${nodeCredential('host01', 'admintoken')}`, `Bearer ${nodeCredential('host01', 'nodetokenx')}`, 'Bearer system:node:host01']) {
    assert.equal(authn.authenticate(h), undefined, String(h));
  }
  assert.throws(() => authn.mustAuthenticate('Bearer nope'), (e: Error & { code?: number }) => e.code === 401 && e.message === 'Unauthorized');
});

test('without a node token, node credentials are refused', () => {
  const adminOnly = new TokenAuthenticator({ adminTokens: ['a'] });
  assert.equal(adminOnly.authenticate(`Bearer ${nodeCredential('host01', '')}`), undefined);
});

test('the bearer scheme is case-insensitive (the Python client sends "bearer"); service account tokens come after the static ones', async () => {
  const seen: string[] = [];
  const a = new TokenAuthenticator({ adminTokens: ['adm'], tokenAuthenticators: [async (t) => { seen.push(t); return t === 'sa' ? { name: 'system:serviceaccount:a:b', groups: [] } : undefined; }] });
  assert.equal(a.authenticate('bearer adm')?.name, 'kubernetes-admin');
  assert.equal(a.authenticate('BEARER  adm')?.name, 'kubernetes-admin');
  assert.equal(a.authenticate('Basic adm'), undefined);
  assert.equal((await a.authenticateAsync('bearer sa'))?.name, 'system:serviceaccount:a:b');
  assert.equal((await a.authenticateAsync('Bearer adm'))?.name, 'kubernetes-admin');
  assert.deepEqual(seen, ['sa'], 'a static token never reaches the service account authenticator');
  await assert.rejects(a.mustAuthenticateAsync('Bearer nope'), /Unauthorized/);
});

test('the node token vouches for the agents\' kube-proxy credential: system:kube-proxy, not a node', () => {
  const u = authn.authenticate(`Bearer ${proxyCredential('nodetoken')}`);
  assert.deepEqual(u, { name: 'system:kube-proxy', groups: ['system:authenticated'] });
  assert.equal(nodeNameOf(u!), undefined);
  assert.equal(authn.authenticate(`Bearer ${proxyCredential('wrong')}`), undefined);
  assert.equal(new TokenAuthenticator({ adminTokens: ['admintoken'] }).authenticate(`Bearer ${proxyCredential('')}`), undefined);
});

test('certificateUser: a verified client certificate is its CN, with each O a group; an unverified one, or none, is no one', () => {
  let parsed = 0;
  const socket = (authorized: boolean, subject: Record<string, string | string[]>) => ({ authorized, getPeerCertificate: () => { parsed++; return { subject }; } });
  const jane = socket(true, { CN: 'jane', O: ['devs', 'ops'] });
  assert.deepEqual(certificateUser(jane), { name: 'jane', groups: ['devs', 'ops', 'system:authenticated'] });
  assert.deepEqual(certificateUser(jane), { name: 'jane', groups: ['devs', 'ops', 'system:authenticated'] });
  assert.equal(parsed, 1, 'one parse a connection');
  assert.deepEqual(certificateUser(socket(true, { CN: 'system:node:host01', O: 'system:nodes' })), { name: 'system:node:host01', groups: ['system:nodes', 'system:authenticated'] });
  assert.equal(certificateUser(socket(false, { CN: 'mallory' })), undefined, 'a certificate the handshake did not verify');
  assert.equal(certificateUser(socket(true, { O: 'devs' })), undefined, 'no common name');
  assert.equal(certificateUser({}), undefined, 'plain HTTP (the local socket)');
  assert.equal(certificateUser(undefined), undefined);
});

test('authenticateRequest: a verified client certificate first, then the bearer token (401 when unknown), and without credentials the anonymous user', async () => {
  const authn = new TokenAuthenticator({ adminTokens: ['secret'] });
  const cert = { authorized: true, getPeerCertificate: () => ({ subject: { CN: 'jane' } }) };
  assert.equal((await authn.authenticateRequest('Bearer secret', cert)).name, 'jane');
  assert.deepEqual(await authn.authenticateRequest('Bearer secret', {}), ADMIN_USER);
  await assert.rejects(authn.authenticateRequest('Bearer wrong', {}), (e: { code?: number }) => e.code === 401);
  assert.deepEqual(await authn.authenticateRequest(undefined, {}), ANONYMOUS_USER);
  assert.deepEqual(ANONYMOUS_USER, { name: 'system:anonymous', groups: ['system:unauthenticated'] });
  assert.deepEqual(await authn.authenticateRequest('Basic dTpw', {}), ANONYMOUS_USER, 'no bearer token is no credential tskube knows');
  const foreign = { authorized: false, getPeerCertificate: () => ({ subject: { CN: 'mallory' } }) };
  await assert.rejects(authn.authenticateRequest(undefined, foreign), (e: { code?: number }) => e.code === 401, 'a certificate that failed verification is 401, not anonymous');
  assert.deepEqual(await authn.authenticateRequest('Bearer secret', foreign), ADMIN_USER, 'a valid token still authenticates beside it');
  assert.deepEqual(await authn.authenticateRequest(undefined, { authorized: false, getPeerCertificate: () => ({}) }), ANONYMOUS_USER, 'no certificate presented');
});
