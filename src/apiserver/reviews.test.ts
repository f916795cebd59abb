import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_USER, TokenAuthenticator, nodeCredential } from './authn.js';
import { podRefs, type NodeGraph, type PodRefs } from './authz.js';
import { reviewObject, type ReviewDeps } from './reviews.js';
import { rulesFor, NODE_RULES_INCOMPLETE } from './bootstrap-policy.js';
import { ruleAllows } from './rbac/rules.js';
import {
  localsubjectaccessreviews, selfsubjectaccessreviews, selfsubjectreviews, selfsubjectrulesreviews, subjectaccessreviews, tokenreviews,
} from '../api/authorization/reviews.js';
import { StatusError } from '../apimachinery/errors.js';

const authn = new TokenAuthenticator({ adminTokens: ['admin'], nodeToken: 'nt' });
const host01 = authn.authenticate(`Bearer ${nodeCredential('host01', 'nt')}`)!;
const pods: PodRefs[] = [podRefs({ metadata: { namespace: 'default', name: 'web' }, spec: { nodeName: 'host01', volumes: [{ name: 's', secret: { secretName: 's1' } }] } })];
const graph: NodeGraph = {
  async pod(ns, name) { return pods.find((p) => p.namespace === ns && p.name === name); },
  async podsOnNode(node, ns) { return pods.filter((p) => p.nodeName === node && (!ns || p.namespace === ns)); },
  async claimVolume() { return undefined; },
};
const deps: ReviewDeps = { graph, authn };
const ssar = (resourceAttributes: object) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: { creationTimestamp: null }, spec: { resourceAttributes } });

test('SelfSubjectAccessReview: the admin may create pods; a node may not list secrets but may get one its pod uses', async () => {
  const admin = await reviewObject(selfsubjectaccessreviews, ssar({ namespace: 'default', verb: 'create', resource: 'pods' }), ADMIN_USER, '', deps);
  assert.deepEqual(admin.status, { allowed: true });
  assert.deepEqual(admin.spec, { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } });
  assert.deepEqual(admin.metadata, { creationTimestamp: null });

  const list = await reviewObject(selfsubjectaccessreviews, ssar({ namespace: 'default', verb: 'get', resource: 'secrets' }), host01, '', deps);
  assert.deepEqual(list.status, { allowed: false, reason: 'No Object name found' });
  const own = await reviewObject(selfsubjectaccessreviews, ssar({ namespace: 'default', verb: 'get', resource: 'secrets', name: 's1' }), host01, '', deps);
  assert.deepEqual(own.status, { allowed: true });
  const podsOnNode = await reviewObject(selfsubjectaccessreviews, ssar({ verb: 'list', resource: 'pods', fieldSelector: { rawSelector: 'spec.nodeName=host01' } }), host01, '', deps);
  assert.deepEqual(podsOnNode.status, { allowed: true });
  // NodeRestriction is admission: the authorizer itself lets a node patch node objects.
  const nodeStatus = await reviewObject(selfsubjectaccessreviews, ssar({ verb: 'patch', resource: 'nodes', subresource: 'status', name: 'host02' }), host01, '', deps);
  assert.deepEqual(nodeStatus.status, { allowed: true });
  const selfReview = await reviewObject(selfsubjectaccessreviews, ssar({ verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }), host01, '', deps);
  assert.deepEqual(selfReview.status, { allowed: true });
});

test('SelfSubjectAccessReview: non-resource URLs and validation', async () => {
  const url = await reviewObject(selfsubjectaccessreviews, { spec: { nonResourceAttributes: { verb: 'get', path: '/healthz' } } }, host01, '', deps);
  assert.deepEqual(url.status, { allowed: true });
  await assert.rejects(reviewObject(selfsubjectaccessreviews, { spec: {} }, ADMIN_USER, '', deps), (e: StatusError) =>
    e.code === 422 && e.message === 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: nil: exactly one of nonResourceAttributes or resourceAttributes must be specified');
  await assert.rejects(reviewObject(selfsubjectaccessreviews, { metadata: { name: 'x' }, spec: { nonResourceAttributes: { verb: 'get', path: '/' } } }, ADMIN_USER, '', deps), (e: StatusError) =>
    e.code === 422 && /metadata: Invalid value: .*must be empty/.test(e.message));
});

test('SubjectAccessReview and LocalSubjectAccessReview ask about another user', async () => {
  const sar = await reviewObject(subjectaccessreviews, { spec: { user: 'system:node:host01', groups: ['system:nodes', 'system:authenticated'], resourceAttributes: { verb: 'get', resource: 'secrets', namespace: 'default', name: 's2' } } }, ADMIN_USER, '', deps);
  assert.deepEqual(sar.status, { allowed: false, reason: "no relationship found between node 'host01' and this object" });
  await assert.rejects(reviewObject(subjectaccessreviews, { spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } }, ADMIN_USER, '', deps), (e: StatusError) =>
    e.message === 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
  const local = await reviewObject(localsubjectaccessreviews, { spec: { groups: ['system:masters'], resourceAttributes: { verb: 'delete', resource: 'pods', namespace: 'team' } } }, ADMIN_USER, 'team', deps);
  assert.deepEqual([local.metadata?.namespace, local.status], ['team', { allowed: true }]);
  await assert.rejects(reviewObject(localsubjectaccessreviews, { spec: { groups: ['g'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'other' } } }, ADMIN_USER, 'team', deps), (e: StatusError) =>
    e.message.includes('spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace'));
});

test('SelfSubjectRulesReview lists cluster-admin for the admin and an incomplete list for a node', async () => {
  const admin = await reviewObject(selfsubjectrulesreviews, { spec: { namespace: 'default' } }, ADMIN_USER, '', deps);
  const st = admin.status as ReturnType<typeof rulesFor>;
  assert.equal(st.incomplete, false);
  assert.deepEqual(st.resourceRules[0], { verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
  assert.ok(st.nonResourceRules.some((r) => r.nonResourceURLs.includes('/api/*')));
  const node = await reviewObject(selfsubjectrulesreviews, { spec: { namespace: 'default' } }, host01, '', deps);
  const ns = node.status as ReturnType<typeof rulesFor>;
  assert.deepEqual([ns.incomplete, ns.evaluationError], [true, NODE_RULES_INCOMPLETE]);
  assert.ok(!ns.resourceRules.some((r) => r.resources.includes('*')));
});

test('SelfSubjectRulesReview adds the RBAC rules bound to the user, each rule once', async () => {
  const jane = { name: 'jane', groups: ['system:authenticated'] };
  const withRBAC: ReviewDeps = {
    ...deps,
    rbacRules: async (user, ns) => user.name === 'jane' && ns === 'team' ? [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
      { verbs: ['get'], nonResourceURLs: ['/healthz'] },
    ] : [],
  };
  const r = await reviewObject(selfsubjectrulesreviews, { spec: { namespace: 'team' } }, jane, '', withRBAC);
  const st = r.status as ReturnType<typeof rulesFor>;
  assert.deepEqual(st.resourceRules.filter((x) => x.resources.includes('pods')), [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);
  assert.equal(st.resourceRules.filter((x) => x.resources.includes('selfsubjectrulesreviews')).length, 1, 'the basic rule is listed once');
  assert.deepEqual(st.nonResourceRules.at(-1), { verbs: ['get'], nonResourceURLs: ['/healthz'] });
  const elsewhere = await reviewObject(selfsubjectrulesreviews, { spec: { namespace: 'other' } }, jane, '', withRBAC);
  assert.ok(!(elsewhere.status as ReturnType<typeof rulesFor>).resourceRules.some((x) => x.resources.includes('pods')));
});

test('SelfSubjectReview and TokenReview tell who a credential is', async () => {
  const me = await reviewObject(selfsubjectreviews, {}, ADMIN_USER, '', deps);
  assert.deepEqual(me.status, { userInfo: { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] } });
  assert.equal(me.kind, 'SelfSubjectReview');
  const tr = await reviewObject(tokenreviews, { spec: { token: nodeCredential('host01', 'nt') } }, ADMIN_USER, '', deps);
  assert.deepEqual(tr.status, { authenticated: true, user: { username: 'system:node:host01', groups: ['system:nodes', 'system:authenticated'] }, audiences: ['https://kubernetes.default.svc.cluster.local'] });
  const bad = await reviewObject(tokenreviews, { spec: { token: 'nope' } }, ADMIN_USER, '', deps);
  assert.deepEqual(bad.status, { user: {}, authenticated: false });
  await assert.rejects(reviewObject(tokenreviews, { spec: {} }, ADMIN_USER, '', deps), (e: StatusError) => e.code === 400);
});

test('rule matching: wildcards, subresources, URL prefixes', () => {
  const a = { verb: 'get', resourceRequest: true, path: '', apiGroup: 'apps', resource: 'deployments', subresource: 'scale', name: 'x' };
  assert.ok(ruleAllows(a, { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }));
  assert.ok(!ruleAllows(a, { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }));
  assert.ok(ruleAllows(a, { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['x'] }));
  const u = { ...a, resourceRequest: false, path: '/apis/apps/v1' };
  assert.ok(ruleAllows(u, { verbs: ['get'], nonResourceURLs: ['/apis/*'] }));
  assert.ok(!ruleAllows(u, { verbs: ['get'], nonResourceURLs: ['/apis'] }));
});

test('a review body of the wrong shape is the decoder\'s 400, however deep (once a 500: the stack overflowed)', async (t) => {
  const { startTestCluster } = await import('../testing/test-cluster.js');
  const tc = await startTestCluster();
  t.after(() => tc.close());
  const post = async (plural: string, body: string) => {
    const res = await fetch(`${tc.api.url}/apis/authentication.k8s.io/v1/${plural}`, { method: 'POST', headers: { authorization: 'Bearer t0k', 'content-type': 'application/json' }, body });
    return { code: res.status, message: (await res.json() as { message: string }).message };
  };
  const deep = '['.repeat(10_000) + '"x"' + ']'.repeat(10_000);
  assert.deepEqual(await post('tokenreviews', `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"t0k","audiences":${deep}}}`), {
    code: 400, message: 'TokenReview in version "v1" cannot be handled as a TokenReview: json: cannot unmarshal array into Go struct field TokenReviewSpec.spec.audiences of type string',
  });
  assert.deepEqual(await post('tokenreviews', '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":{"a":1}}}'), {
    code: 400, message: 'TokenReview in version "v1" cannot be handled as a TokenReview: json: cannot unmarshal object into Go struct field TokenReviewSpec.spec.token of type string',
  });
  assert.equal((await post('tokenreviews', `{"apiVersion":"authentication.k8s.io/v1","kind":${deep}}`)).code, 400);
});
