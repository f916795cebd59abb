import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_USER, TokenAuthenticator, nodeCredential, nodeNameOf } from './authn.js';

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
