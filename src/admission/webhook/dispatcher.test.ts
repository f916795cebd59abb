import { after, before, describe, it } from 'node:test';
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCredentials } from '../../apiserver/tls.js';
import assert from 'node:assert/strict';
import { createNamespace, startTestCluster, eventually, type TestCluster } from '../../testing/test-cluster.js';
import { Resources, type ResourceRef } from '../../client/types.js';
import type { KubeObject } from '../../api/resource.js';
import { refusal } from '../testing/refusal.js';
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
      // Labels the pod once per call: the count shows how often it was called.
      '/count': (req) => {
        const labels = ((req.object as KubeObject).metadata?.labels ?? {}) as Record<string, string>;
        return { allowed: true, ...jsonPatch([{ op: 'add', path: '/metadata/labels/count', value: String(Number(labels.count ?? 0) + 1) }]) };
      },
      '/late': () => ({ allowed: true, ...jsonPatch([{ op: 'add', path: '/metadata/labels/late', value: 'yes' }]) }),
      '/warn': () => ({ allowed: true, warnings: ['first warning', 'second warning'] }),
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
    await createNamespace(tc.client, 'locked', { team: 'locked' });
    assert.match((await refusal(tc.client.create(Resources.pods, 'locked', pod('any')))).message, /"nssel.example.com" denied/);
    assert.match((await refusal(tc.client.create(Resources.pods, 'default', pod('x-cond')))).message, /"cond.example.com" denied/);
    await tc.client.create(Resources.pods, 'default', pod('free'));
    // The configmaps rule matches every operation, DELETE too (validating webhooks see oldObject).
    assert.match((await refusal(tc.client.create(Resources.configmaps, 'default', { metadata: { name: 'c' } }))).message, /"cm.example.com" denied/);
    await tc.client.delete(VWC, undefined, 'sel');
  });

  it('reinvocationPolicy IfNeeded calls a webhook again when a later one changed the object', async () => {
    await tc.client.create(MWC, undefined, { metadata: { name: 'a-count' }, webhooks: [webhook('count.example.com', `${hooks.url}/count`, hooks.caBundle, { reinvocationPolicy: 'IfNeeded' })] });
    await tc.client.create(MWC, undefined, { metadata: { name: 'b-late' }, webhooks: [webhook('late.example.com', `${hooks.url}/late`, hooks.caBundle)] });
    const p = await eventually(async () => {
      const created = await tc.client.create(Resources.pods, 'default', pod(`again-${Math.random().toString(36).slice(2, 7)}`));
      assert.equal(created.metadata?.labels?.late, 'yes');
      return created;
    });
    assert.equal(p.metadata?.labels?.count, '2');
    await tc.client.patch(MWC, undefined, 'a-count', { webhooks: [webhook('count.example.com', `${hooks.url}/count`, hooks.caBundle, { reinvocationPolicy: 'Never' })] }, 'merge');
    await eventually(async () => {
      const created = await tc.client.create(Resources.pods, 'default', pod(`once-${Math.random().toString(36).slice(2, 7)}`));
      assert.equal(created.metadata?.labels?.count, '1');
    });
    await tc.client.delete(MWC, undefined, 'a-count');
    await tc.client.delete(MWC, undefined, 'b-late');
  });

  it('a Service clientConfig is called at its endpoint, verified against <name>.<namespace>.svc', async () => {
    await tc.client.create(Resources.services, 'default', { metadata: { name: 'webhook' }, spec: { ports: [{ name: 'https', port: 443, targetPort: hooks.port }] } });
    await tc.client.create(Resources.endpoints, 'default', { metadata: { name: 'webhook' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: hooks.port }] }] });
    await tc.client.create(VWC, undefined, { metadata: { name: 'svc' }, webhooks: [{
      ...webhook('svc.example.com', '', hooks.caBundle),
      clientConfig: { service: { namespace: 'default', name: 'webhook', path: '/deny-bare' }, caBundle: hooks.caBundle },
    }] });
    const e = await eventually(() => refusal(tc.client.create(Resources.pods, 'default', pod(`svc-${Math.random().toString(36).slice(2, 7)}`))));
    assert.equal(e.message, 'admission webhook "svc.example.com" denied the request without explanation');
    await tc.client.delete(VWC, undefined, 'svc');
  });

  it('a webhook slower than timeoutSeconds fails with context deadline exceeded; warnings reach the response', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tskube-slow-'));
    const creds = await loadOrCreateCredentials(dir);
    rmSync(dir, { recursive: true, force: true });
    // It never answers.
    const slow = https.createServer({ cert: creds.cert, key: creds.key }, () => undefined);
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const port = (slow.address() as { port: number }).port;
    const url = `https://127.0.0.1:${port}/slow`;
    await tc.client.create(VWC, undefined, { metadata: { name: 'slow' }, webhooks: [webhook('slow.example.com', url, Buffer.from(creds.caCert).toString('base64'), { timeoutSeconds: 1 })] });
    const e = await eventually(() => refusal(tc.client.create(Resources.pods, 'default', pod(`slow-${Math.random().toString(36).slice(2, 7)}`))));
    assert.equal(e.message, `Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "${url}?timeout=1s": context deadline exceeded`);
    await tc.client.delete(VWC, undefined, 'slow');
    slow.closeAllConnections();
    slow.close();

    await tc.client.create(VWC, undefined, { metadata: { name: 'warn' }, webhooks: [webhook('warn.example.com', `${hooks.url}/warn`, hooks.caBundle)] });
    const store = tc.api.storeFor('', 'v1', 'pods');
    await eventually(async () => {
      const warnings: string[] = [];
      await store.create('default', pod(`warned-${Math.random().toString(36).slice(2, 7)}`), { warnings });
      assert.deepEqual(warnings, ['first warning', 'second warning']);
    });
    await tc.client.delete(VWC, undefined, 'warn');
  });
});
