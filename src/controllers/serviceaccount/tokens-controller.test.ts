import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, eventually } from '../../testing/test-cluster.js';
import { Resources } from '../../client/types.js';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { realClock } from '../../util/clock.js';
import { TokensController } from './tokens-controller.js';

const decode = (s: KubeObject) => Object.fromEntries(Object.entries((s.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));

test('a service-account-token Secret is filled with a token, ca.crt and the namespace; it goes with its account', async (t) => {
  const tc = await startTestCluster();
  const stop = new AbortController();
  t.after(async () => { stop.abort(); await tc.close(); });
  const c = tc.client;
  const ctrl = new TokensController({ client: c, informers: tc.informers, clock: realClock, rootCA: 'CA PEM', sign: (ns, sa, secret) => `signed:${ns}:${sa.name}:${sa.uid}:${secret}` });
  await tc.start();
  void ctrl.run(stop.signal, 1);
  const sa = await c.create<KubeObject>(Resources.serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'build-robot' } });
  await c.create(Resources.secrets, 'default', {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
    metadata: { name: 'build-robot-secret', annotations: { 'kubernetes.io/service-account.name': 'build-robot' } },
  });
  const filled = await eventually(async () => {
    const s = await c.get<KubeObject>(Resources.secrets, 'default', 'build-robot-secret');
    assert.ok((s.data as Record<string, string> | undefined)?.token);
    return s;
  });
  assert.deepEqual(decode(filled), { token: `signed:default:build-robot:${sa.metadata!.uid}:build-robot-secret`, 'ca.crt': 'CA PEM', namespace: 'default' });
  assert.equal(filled.metadata?.annotations?.['kubernetes.io/service-account.uid'], sa.metadata!.uid);
  // an Opaque secret is left alone
  await c.create(Resources.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain', annotations: { 'kubernetes.io/service-account.name': 'build-robot' } }, data: {} });
  await c.delete(Resources.serviceaccounts, 'default', 'build-robot');
  await eventually(async () => {
    const gone = await c.get(Resources.secrets, 'default', 'build-robot-secret').then(() => false, (e) => e instanceof StatusError && e.code === 404);
    assert.ok(gone, 'the token secret is deleted with its account');
  });
  assert.ok(await c.get(Resources.secrets, 'default', 'plain'));
});
