import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_USER, TokenAuthenticator, nodeCredential } from './authn.js';
import { authorize, type NodeGraph } from './authz.js';
import { impersonate } from './impersonation.js';
import type { StatusError } from '../apimachinery/errors.js';

const graph: NodeGraph = { async pod() { return undefined; }, async podsOnNode() { return []; }, async claimVolume() { return undefined; } };
const authz = (a: Parameters<typeof authorize>[0]) => authorize(a, graph);
const host01 = new TokenAuthenticator({ adminTokens: [], nodeToken: 'nt' }).authenticate(`Bearer ${nodeCredential('host01', 'nt')}`)!;

test('no impersonation headers: the requester itself', async () => {
  assert.equal(await impersonate(ADMIN_USER, {}, authz), ADMIN_USER);
});

test('the admin may act as a user, with system:authenticated added, or as the groups it names', async () => {
  assert.deepEqual(await impersonate(ADMIN_USER, { 'impersonate-user': ['jane'] }, authz), { name: 'jane', groups: ['system:authenticated'] });
  assert.deepEqual(await impersonate(ADMIN_USER, { 'impersonate-user': ['system:node:host01'], 'impersonate-group': ['system:nodes'] }, authz),
    { name: 'system:node:host01', groups: ['system:nodes', 'system:authenticated'] });
  assert.deepEqual(await impersonate(ADMIN_USER, { 'impersonate-user': ['system:serviceaccount:dev:builder'] }, authz),
    { name: 'system:serviceaccount:dev:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'] });
});

test('a node may not impersonate; groups without a user are an error', async () => {
  await assert.rejects(impersonate(host01, { 'impersonate-user': ['jane'] }, authz), (e: StatusError) =>
    e.code === 403 && e.message === 'users "jane" is forbidden: User "system:node:host01" cannot impersonate resource "users" in API group "" at the cluster scope');
  await assert.rejects(impersonate(host01, { 'impersonate-user': ['system:serviceaccount:dev:builder'] }, authz), (e: StatusError) =>
    e.message === 'serviceaccounts "builder" is forbidden: User "system:node:host01" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "dev": can only create tokens for individual service accounts');
  await assert.rejects(impersonate(ADMIN_USER, { 'impersonate-group': ['g'] }, authz), (e: StatusError) =>
    e.code === 500 && /requested \[\{Group  g\}\] without impersonating a user/.test(e.message));
});

test('the impersonated uid and extras become the user\'s (kubectl --as-uid, --as-user-extra)', async () => {
  assert.deepEqual(await impersonate(ADMIN_USER, { 'impersonate-user': ['jane'], 'impersonate-uid': ['u-1'], 'impersonate-extra-scopes': ['view', 'edit'], 'impersonate-extra-example.com%2fteam': ['a'] }, authz),
    { name: 'jane', groups: ['system:authenticated'], uid: 'u-1', extra: { scopes: ['view', 'edit'], 'example.com/team': ['a'] } });
});
