import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { Resources, type ResourceRef } from '../../client/types.js';
import type { KubeObject } from '../../api/resource.js';
import { refusal } from '../testing/refusal.js';

const VAP: ResourceRef = { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingadmissionpolicies', namespaced: false };
const VAPB: ResourceRef = { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingadmissionpolicybindings', namespaced: false };

let seq = 0;
const deployment = (replicas: number, labels: Record<string, string> = {}): KubeObject => {
  const name = `web-${++seq}`;
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
};
const DEPLOYMENT_RULES = { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] };

describe('ValidatingAdmissionPolicy', () => {
  let tc: TestCluster;
  before(async () => { tc = await startTestCluster(); });
  after(async () => { await tc.close(); });

  it('a Deny binding refuses a Deployment over the limit with Kubernetes\' message; the policy gets its status', async () => {
    await tc.client.create(VAP, undefined, { metadata: { name: 'replica-limit' }, spec: { matchConstraints: DEPLOYMENT_RULES, validations: [{ expression: 'object.spec.replicas <= 5' }] } });
    await tc.client.create(VAPB, undefined, { metadata: { name: 'replica-limit-binding' }, spec: { policyName: 'replica-limit', validationActions: ['Deny'] } });
    const e = await eventually(() => refusal(tc.client.create(Resources.deployments, 'default', deployment(7))));
    assert.deepEqual([e.code, e.reason], [422, 'Invalid']);
    assert.match(e.message, /^deployments\.apps "web-\d+" is forbidden: ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-binding' denied request: failed expression: object\.spec\.replicas <= 5$/);
    await tc.client.create(Resources.deployments, 'default', deployment(3));
    const status = await eventually(async () => {
      const p = await tc.client.get(VAP, undefined, 'replica-limit');
      assert.equal((p.status as { observedGeneration?: number } | undefined)?.observedGeneration, 1);
      return p.status;
    });
    assert.deepEqual(status, { observedGeneration: 1, typeChecking: {} });
    await tc.client.delete(VAPB, undefined, 'replica-limit-binding');
    await tc.client.delete(VAP, undefined, 'replica-limit');
  });

  it('params from a ConfigMap, messageExpression, reason and matchConditions', async () => {
    await tc.client.create(Resources.configmaps, 'default', { metadata: { name: 'limits' }, data: { max: '2' } });
    await tc.client.create(VAP, undefined, { metadata: { name: 'param-limit' }, spec: {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: DEPLOYMENT_RULES,
      matchConditions: [{ name: 'not-exempt', expression: "!has(object.metadata.labels) || !('exempt' in object.metadata.labels)" }],
      variables: [{ name: 'max', expression: 'int(params.data.max)' }],
      validations: [{ expression: 'object.spec.replicas <= variables.max', messageExpression: "'replicas must be at most ' + string(variables.max)", reason: 'Forbidden' }],
    } });
    await tc.client.create(VAPB, undefined, { metadata: { name: 'param-limit' }, spec: { policyName: 'param-limit', validationActions: ['Deny'], paramRef: { name: 'limits' } } });
    const e = await eventually(() => refusal(tc.client.create(Resources.deployments, 'default', deployment(3))));
    assert.equal(e.code, 403);
    assert.match(e.message, /ValidatingAdmissionPolicy 'param-limit' with binding 'param-limit' denied request: replicas must be at most 2$/);
    await tc.client.create(Resources.deployments, 'default', deployment(3, { exempt: 'yes' }));
    // No params in another namespace: parameterNotFoundAction Deny (the default) refuses.
    await tc.client.create(Resources.namespaces, undefined, { metadata: { name: 'noparams' } });
    const np = await refusal(tc.client.create(Resources.deployments, 'noparams', deployment(1)));
    assert.match(np.message, /denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction$/);
    await tc.client.delete(VAPB, undefined, 'param-limit');
    await tc.client.delete(VAP, undefined, 'param-limit');
  });

  it('Warn adds a warning and lets the request through; failurePolicy Ignore skips evaluation errors', async () => {
    await tc.client.create(VAP, undefined, { metadata: { name: 'warn' }, spec: { matchConstraints: DEPLOYMENT_RULES, validations: [{ expression: 'object.spec.replicas <= 1', message: 'keep it small' }] } });
    await tc.client.create(VAPB, undefined, { metadata: { name: 'warn' }, spec: { policyName: 'warn', validationActions: ['Warn'] } });
    await tc.client.create(VAP, undefined, { metadata: { name: 'broken' }, spec: { failurePolicy: 'Ignore', matchConstraints: DEPLOYMENT_RULES, validations: [{ expression: 'object.spec.nothing > 1' }] } });
    await tc.client.create(VAPB, undefined, { metadata: { name: 'broken' }, spec: { policyName: 'broken', validationActions: ['Deny'] } });
    const store = tc.api.storeFor('apps', 'v1', 'deployments');
    await eventually(async () => {
      const warnings: string[] = [];
      await store.create('default', deployment(2), { warnings });
      assert.deepEqual(warnings, ["Validation failed for ValidatingAdmissionPolicy 'warn' with binding 'warn': keep it small"]);
    });
    await tc.client.patch(VAP, undefined, 'broken', { spec: { failurePolicy: 'Fail' } }, 'merge');
    const e = await eventually(() => refusal(tc.client.create(Resources.deployments, 'default', deployment(1))));
    assert.match(e.message, /ValidatingAdmissionPolicy 'broken' with binding 'broken' denied request: expression 'object\.spec\.nothing > 1' resulted in error: no such key: nothing$/);
  });
});
