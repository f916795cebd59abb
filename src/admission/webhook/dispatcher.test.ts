import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { Resources, type ResourceRef } from '../../client/types.js';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { jsonPatch, startWebhookServer, type TestWebhookServer } from '../testing/webhook-server.js';

type Obj = Record<string, unknown>;
const MWC: ResourceRef = { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', namespaced: false };
const VWC: ResourceRef = { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingwebhookconfigurations', namespaced: false };

const pod = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] },
});

function webhook(name: string, url: string, caBundle: string, extra: Obj = {}): Obj {
  return {
    name, clientConfig: { url, caBundle }, sideEffects: 'None', admissionReviewVersions: ['v1'],
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    ...extra,
  };
}

async function refusal(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('the request was admitted');
}

describe('admission webhooks', () => {
  let tc: TestCluster;
  let hooks: TestWebhookServer;
  before(async () => {
    tc = await startTestCluster();
    hooks = await startWebhookServer({
      '/mutate': () => ({ allowed: true, ...jsonPatch([{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }]), warnings: ['mutated by test'] }),
      '/validate': (req) => {
        const labels = ((req.object as KubeObject | undefined)?.metadata?.labels ?? {}) as Record<string, string>;
        return labels.forbidden === 'true' ? { allowed: false, status: { code: 403, message: 'pods labelled forbidden=true are refused' } } : { allowed: true };
      },
      '/deny-bare': () => ({ allowed: false }),
    });
  });
  after(async () => {
    await hooks.close();
    await tc.close();
  });

  it('a mutating webhook patches the object; a validating one refuses with Kubernetes\' message', async () => {
    await tc.client.create(MWC, undefined, { metadata: { name: 'm' }, webhooks: [webhook('label.example.com', `${hooks.url}/mutate`, hooks.caBundle)] });
    await tc.client.create(VWC, undefined, { metadata: { name: 'v' }, webhooks: [webhook('refuse.example.com', `${hooks.url}/validate`, hooks.caBundle)] });
    const created = await eventually(async () => {
      const p = await tc.client.create(Resources.pods, 'default', pod(`web-${Math.random().toString(36).slice(2, 7)}`));
      assert.equal(p.metadata?.labels?.mutated, 'yes');
      return p;
    });
    const req = hooks.calls.get('/mutate')!.at(-1)!;
    assert.deepEqual([req.kind, req.resource, req.operation, req.namespace, req.name, (req.userInfo as Obj).username, req.dryRun],
      [{ group: '', version: 'v1', kind: 'Pod' }, { group: '', version: 'v1', resource: 'pods' }, 'CREATE', 'default', created.metadata?.name, 'kubernetes-admin', false]);
    assert.deepEqual(req.options, { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' });
    // The validating webhook sees the mutated object.
    assert.equal(((hooks.calls.get('/validate')!.at(-1)!.object as KubeObject).metadata?.labels ?? {}).mutated, 'yes');
    const e = await refusal(tc.client.create(Resources.pods, 'default', pod('bad', { forbidden: 'true' })));
    assert.deepEqual([e.code, e.message], [403, 'admission webhook "refuse.example.com" denied the request: pods labelled forbidden=true are refused']);
    await tc.client.delete(MWC, undefined, 'm');
    await tc.client.delete(VWC, undefined, 'v');
  });

  it('failurePolicy: Fail refuses with "failed calling webhook", Ignore lets the request through', async () => {
    const down = `https://127.0.0.1:1/validate`;
    await tc.client.create(VWC, undefined, { metadata: { name: 'down' }, webhooks: [webhook('down.example.com', down, hooks.caBundle, { failurePolicy: 'Fail' })] });
    const e = await eventually(() => refusal(tc.client.create(Resources.pods, 'default', pod(`p1-${Math.random().toString(36).slice(2, 7)}`))));
    assert.deepEqual([e.code, e.reason, e.message], [500, 'InternalError',
      'Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://127.0.0.1:1/validate?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused']);
    await tc.client.patch(VWC, undefined, 'down', { webhooks: [{ ...webhook('down.example.com', down, hooks.caBundle), failurePolicy: 'Ignore' }] }, 'merge');
    await eventually(() => tc.client.create(Resources.pods, 'default', pod(`p2-${Math.random().toString(36).slice(2, 7)}`)));
    await tc.client.delete(VWC, undefined, 'down');
  });

  it('selectors, matchConditions and rules decide which requests a webhook sees', async () => {
    const base = `${hooks.url}/deny-bare`;
    await tc.client.create(VWC, undefined, { metadata: { name: 'sel' }, webhooks: [
      webhook('objsel.example.com', base, hooks.caBundle, { objectSelector: { matchLabels: { guarded: 'yes' } } }),
      webhook('nssel.example.com', base, hooks.caBundle, { namespaceSelector: { matchLabels: { team: 'locked' } } }),
      webhook('cond.example.com', base, hooks.caBundle, { matchConditions: [{ name: 'named-x', expression: "object.metadata.name == 'x-cond'" }] }),
      webhook('cm.example.com', base, hooks.caBundle, { rules: [{ operations: ['*'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }] }),
    ] });
    const e = await eventually(() => refusal(tc.client.create(Resources.pods, 'default', pod(`guarded-${Math.random().toString(36).slice(2, 7)}`, { guarded: 'yes' }))));
    assert.equal(e.message, 'admission webhook "objsel.example.com" denied the request without explanation');
    assert.equal(e.code, 400);
    await tc.client.create(Resources.namespaces, undefined, { metadata: { name: 'locked', labels: { team: 'locked' } } });
    assert.match((await refusal(tc.client.create(Resources.pods, 'locked', pod('any')))).message, /"nssel.example.com" denied/);
    assert.match((await refusal(tc.client.create(Resources.pods, 'default', pod('x-cond')))).message, /"cond.example.com" denied/);
    await tc.client.create(Resources.pods, 'default', pod('free'));
    // The configmaps rule matches every operation, DELETE too (validating webhooks see oldObject).
    assert.match((await refusal(tc.client.create(Resources.configmaps, 'default', { metadata: { name: 'c' } }))).message, /"cm.example.com" denied/);
    await tc.client.delete(VWC, undefined, 'sel');
  });
});
