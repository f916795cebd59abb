import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually } from '../../testing/test-cluster.js';
import { RestClient } from '../../client/rest.js';
import { Resources } from '../../client/types.js';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { parseJWT } from './jwt.js';
import { TokenIssuer } from './issuer.js';
import { ServiceAccountAuthenticator } from './authenticator.js';
import { createToken } from './token-request.js';

const rbac = (plural: string, namespaced: boolean) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', plural, namespaced });

async function refused(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail('the request was allowed');
}

test('TokenRequest: a service account token authenticates, RBAC decides, a pod-bound token dies with its pod', async (t) => {
  const tc = await startTestCluster();
  t.after(() => tc.close());
  const c = tc.client;
  await c.create(Resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  const sa: KubeObject = await c.create<KubeObject>(Resources.serviceaccounts, 'team', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });

  // validation and defaults
  const short = await refused(c.createSubresource(Resources.serviceaccounts, 'team', 'robot', 'token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 599 } }));
  assert.equal(short.message, 'TokenRequest.authentication.k8s.io "robot" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
  const missing = await refused(c.createSubresource(Resources.serviceaccounts, 'team', 'nobody', 'token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }));
  assert.equal(missing.message, 'serviceaccounts "nobody" not found');
  const tr = await c.createSubresource(Resources.serviceaccounts, 'team', 'robot', 'token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  const spec = tr.spec as { audiences: string[]; expirationSeconds: number };
  assert.deepEqual(spec, { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600 });
  const token = (tr.status as { token: string }).token;
  const claims = parseJWT(token)!.claims;
  assert.equal(claims.iss, 'https://kubernetes.default.svc.cluster.local');
  assert.equal(claims.sub, 'system:serviceaccount:team:robot');
  assert.deepEqual(claims['kubernetes.io'], { namespace: 'team', serviceaccount: { name: 'robot', uid: sa.metadata!.uid } });
  assert.equal((claims.exp as number) - (claims.iat as number), 3600);

  // the token is the service account's user: refused with Kubernetes' message until a role allows
  const robot = new RestClient({ server: tc.api.url, token });
  const denied = await refused(robot.list(Resources.pods, 'team'));
  assert.equal(denied.code, 403);
  assert.equal(denied.message, 'pods is forbidden: User "system:serviceaccount:team:robot" cannot list resource "pods" in API group "" in the namespace "team"');
  await c.create(rbac('roles', true), 'team', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader' }, rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }] });
  await c.create(rbac('rolebindings', true), 'team', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'robot-reads-pods' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'team' }],
  });
  await eventually(() => robot.list(Resources.pods, 'team'));
  const other = await refused(robot.list(Resources.pods, 'default'));
  assert.equal(other.message, 'pods is forbidden: User "system:serviceaccount:team:robot" cannot list resource "pods" in API group "" in the namespace "default"');

  // a garbage token and a token of a recreated service account are 401
  assert.equal((await refused(new RestClient({ server: tc.api.url, token: token.slice(0, -4) + 'AAAA' }).list(Resources.pods, 'team'))).code, 401);

  // a pod-bound token: valid while the pod lives
  const pod: KubeObject = await c.create<KubeObject>(Resources.pods, 'team', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox' }] } });
  const bound = await c.createSubresource(Resources.serviceaccounts, 'team', 'robot', 'token', {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p', uid: pod.metadata!.uid } },
  });
  const boundClaims = parseJWT((bound.status as { token: string }).token)!.claims;
  assert.deepEqual((boundClaims['kubernetes.io'] as { pod: unknown }).pod, { name: 'p', uid: pod.metadata!.uid });
  const inPod = new RestClient({ server: tc.api.url, token: (bound.status as { token: string }).token });
  await inPod.list(Resources.pods, 'team');
  const wrongUID = await refused(c.createSubresource(Resources.serviceaccounts, 'team', 'robot', 'token', {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'other' } },
  }));
  assert.equal(wrongUID.code, 409);
  await c.delete(Resources.pods, 'team', 'p', { gracePeriodSeconds: 0 } as never);
  await eventually(async () => assert.equal((await refused(inPod.list(Resources.pods, 'team'))).code, 401));

  // TokenReview answers for service account tokens
  const review = await c.create({ group: 'authentication.k8s.io', version: 'v1', plural: 'tokenreviews', namespaced: false }, undefined, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } as KubeObject);
  assert.deepEqual(review.status, {
    authenticated: true, audiences: ['https://kubernetes.default.svc.cluster.local'],
    user: {
      username: 'system:serviceaccount:team:robot', uid: sa.metadata!.uid, groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] },
    },
  });
});

test('OIDC discovery: the issuer and the key that verifies its tokens', async (t) => {
  const tc = await startTestCluster();
  t.after(() => tc.close());
  const get = async (path: string) => {
    const r = await fetch(tc.api.url + path, { headers: { Authorization: 'Bearer t0k' } });
    return { type: r.headers.get('content-type'), body: await r.json() as Record<string, unknown> };
  };
  const conf = await get('/.well-known/openid-configuration');
  assert.equal(conf.type, 'application/json');
  assert.equal(conf.body.issuer, 'https://kubernetes.default.svc.cluster.local');
  assert.equal(conf.body.jwks_uri, 'https://kubernetes.default.svc.cluster.local/openid/v1/jwks');
  const jwks = await get('/openid/v1/jwks');
  assert.equal(jwks.type, 'application/jwk-set+json');
  const keys = jwks.body.keys as { kid: string; use: string }[];
  assert.equal(keys.length, 1);
  assert.equal(keys[0].use, 'sig');
  assert.deepEqual(conf.body.id_token_signing_alg_values_supported, [(keys[0] as unknown as { alg: string }).alg]);
});

test('legacy Secret tokens authenticate while their Secret holds them and the account is the same', async () => {
  const issuer = new TokenIssuer();
  const token = issuer.issueLegacy('ci', { name: 'builder', uid: 'u1' }, 'builder-token');
  const objects = new Map<string, KubeObject>([
    ['ServiceAccount/ci/builder', { metadata: { name: 'builder', uid: 'u1' } }],
    ['Secret/ci/builder-token', { metadata: { name: 'builder-token', uid: 's1' }, data: { token: Buffer.from(token).toString('base64') } }],
  ]);
  const authn = new ServiceAccountAuthenticator(issuer, async (kind, ns, name) => objects.get(`${kind}/${ns}/${name}`), ['https://kubernetes.default.svc.cluster.local']);
  assert.equal((await authn.authenticate(token))?.user.name, 'system:serviceaccount:ci:builder');
  assert.equal(parseJWT(token)!.claims.iss, 'kubernetes/serviceaccount');
  objects.set('ServiceAccount/ci/builder', { metadata: { name: 'builder', uid: 'u2' } });
  assert.equal(await authn.authenticate(token), undefined, 'a recreated account does not inherit the token');
  objects.set('ServiceAccount/ci/builder', { metadata: { name: 'builder', uid: 'u1' } });
  objects.delete('Secret/ci/builder-token');
  assert.equal(await authn.authenticate(token), undefined, 'deleting the Secret revokes the token');
});

test('a node may get tokens only bound to pods scheduled on it (NodeRestriction)', async (t) => {
  const tc = await startTestCluster();
  t.after(() => tc.close());
  const c = tc.client;
  const node = { name: 'system:node:host01', groups: ['system:nodes', 'system:authenticated'] };
  const deps = {
    issuer: new TokenIssuer(), apiAudiences: ['https://kubernetes.default.svc.cluster.local'],
    store: (kind: 'ServiceAccount' | 'Pod' | 'Secret' | 'Node') => tc.api.storeFor('', 'v1', { ServiceAccount: 'serviceaccounts', Pod: 'pods', Secret: 'secrets', Node: 'nodes' }[kind]),
  };
  await c.create(Resources.serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }).catch(() => undefined);
  const here = await c.create<KubeObject>(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'here' }, spec: { nodeName: 'host01', containers: [{ name: 'c', image: 'busybox' }] } });
  const there = await c.create<KubeObject>(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'there' }, spec: { nodeName: 'host02', containers: [{ name: 'c', image: 'busybox' }] } });
  const ask = (boundObjectRef?: Record<string, unknown>) => createToken('default', 'default', { spec: { boundObjectRef } }, deps, node);
  const refused = async (p: Promise<unknown>) => { try { await p; } catch (e) { return (e as StatusError).message; } return 'allowed'; };
  assert.equal(await refused(ask()), 'serviceaccounts "default" is forbidden: node requested token not bound to a pod');
  assert.equal(await refused(ask({ apiVersion: 'v1', kind: 'Pod', name: 'here' })), 'serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid');
  assert.equal(await refused(ask({ apiVersion: 'v1', kind: 'Pod', name: 'there', uid: there.metadata!.uid })), 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node');
  const ok = await ask({ apiVersion: 'v1', kind: 'Pod', name: 'here', uid: here.metadata!.uid });
  assert.ok((ok.status as { token: string }).token);
});
