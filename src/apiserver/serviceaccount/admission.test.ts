import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestCluster } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import { Resources } from '../../client/types.js';
import type { KubeObject } from '../../api/resource.js';
import { mountServiceAccountToken, shouldAutomount, tokenVolume } from './admission.js';

interface Spec { serviceAccountName?: string; automountServiceAccountToken?: boolean; imagePullSecrets?: { name: string }[]; volumes?: { name: string }[]; containers: { name: string; volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[]; initContainers?: { name: string; volumeMounts?: unknown[] }[] }

test('mountServiceAccountToken: the volume once, a mount in every container that has none at the path', () => {
  const spec = { containers: [{ name: 'a' }, { name: 'b', volumeMounts: [{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }], initContainers: [{ name: 'i' }] } as Spec;
  mountServiceAccountToken(spec as never, 'x2b4z');
  assert.deepEqual(spec.volumes, [tokenVolume('kube-api-access-x2b4z')]);
  const mount = { name: 'kube-api-access-x2b4z', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
  assert.deepEqual(spec.containers[0].volumeMounts, [mount]);
  assert.deepEqual(spec.containers[1].volumeMounts, [{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  assert.deepEqual(spec.initContainers![0].volumeMounts, [mount]);
  assert.equal(shouldAutomount(undefined, { automountServiceAccountToken: false }), false);
  assert.equal(shouldAutomount({ automountServiceAccountToken: false }, {}), false);
  assert.equal(shouldAutomount({ automountServiceAccountToken: false }, { automountServiceAccountToken: true }), true);
  assert.equal(shouldAutomount(undefined, {}), true);
});

test('pods get kube-api-access-XXXXX unless automount is off; the account\'s imagePullSecrets', async (t) => {
  const tc = await startTestCluster();
  t.after(() => tc.close());
  const c = tc.client;
  await c.create(Resources.serviceaccounts, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet' }, automountServiceAccountToken: false, imagePullSecrets: [{ name: 'regcred' }] });
  const pod = (name: string, spec: Record<string, unknown> = {}) => c.create<KubeObject>(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });
  const a = (await pod('a')).spec as unknown as Spec;
  assert.equal(a.serviceAccountName, 'default');
  assert.match(a.volumes![0].name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.deepEqual(a.volumes![0], tokenVolume(a.volumes![0].name));
  assert.deepEqual(a.containers[0].volumeMounts, [{ name: a.volumes![0].name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  const b = (await pod('b', { automountServiceAccountToken: false })).spec as unknown as Spec;
  assert.equal(b.volumes, undefined);
  const q = (await pod('q', { serviceAccountName: 'quiet' })).spec as unknown as Spec;
  assert.equal(q.volumes, undefined);
  assert.deepEqual(q.imagePullSecrets, [{ name: 'regcred' }]);
});

test('mountServiceAccountToken: null volumes, containers and mounts are left for validation (once a 500)', () => {
  const spec = { volumes: [null, { name: 'v', emptyDir: {} }], containers: [null, { name: 'a', volumeMounts: [null] }], initContainers: [null] };
  mountServiceAccountToken(spec as never, 'x2b4z');
  assert.deepEqual(spec.volumes, [null, { name: 'v', emptyDir: {} }, tokenVolume('kube-api-access-x2b4z')]);
  assert.deepEqual(spec.containers, [null, { name: 'a', volumeMounts: [null, { name: 'kube-api-access-x2b4z', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }]);
  assert.deepEqual(spec.initContainers, [null]);
});

test('a pod with a null volume is validation\'s 422, not a crash in the plugin', async (t) => {
  const tc = await startTestCluster();
  t.after(() => tc.close());
  const res = await fetch(`${tc.api.url}/api/v1/namespaces/default/pods`, {
    method: 'POST', headers: { authorization: 'Bearer t0k', 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { volumes: [null], containers: [{ name: 'c', image: 'busybox' }] } }),
  });
  assert.equal(res.status, 422);
  assert.match((await res.json() as { message: string }).message, /spec\.volumes\[0\]\.name: Required value/);
});

test('a pod whose service account is missing is refused (403); a missing `default` is looked up again until the controller makes it', async (t) => {
  const tc = await startTestCluster();
  t.after(() => tc.close());
  const c = tc.client;
  const pod = (ns: string, metadata: Record<string, string>, spec: Record<string, unknown> = {}) =>
    c.create<KubeObject>(Resources.pods, ns, { apiVersion: 'v1', kind: 'Pod', metadata, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });
  await assert.rejects(pod('default', { name: 'p' }, { serviceAccountName: 'ghost' }), (e: { code?: number; message?: string }) =>
    e.code === 403 && e.message === 'pods "p" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
  await assert.rejects(pod('default', { generateName: 'web-5d4f8-' }, { serviceAccountName: 'ghost' }), (e: { message?: string }) =>
    e.message === 'pods "web-5d4f8-" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
});

test('a missing `default` account is looked up again, 100–200 ms apart, ten times in all (the admission clock)', async (t) => {
  const clock = new FakeClock(new Date());
  const tc = await startTestCluster({ clock });
  t.after(() => tc.close());
  const c = tc.client;
  const pod = (ns: string, name: string) => c.create<KubeObject>(Resources.pods, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  /** stepUntil lets 200 ms pass at a time until done() (the lookups run between steps); returns how many steps it took. */
  const stepUntil = async (done: () => boolean) => {
    let steps = 0;
    for (; !done() && steps < 100; steps++) {
      await clock.step(200);
      await new Promise((r) => setTimeout(r, 10));
    }
    return steps;
  };
  // a new namespace's default account, made while the pod waits for it
  await c.create(Resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } });
  let created: KubeObject | undefined;
  const waiting = pod('fresh', 'early').then((p) => { created = p; return p; });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(created, undefined, 'the pod waits for its account');
  await c.create(Resources.serviceaccounts, 'fresh', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  await stepUntil(() => created !== undefined);
  assert.equal(((await waiting).spec as { serviceAccountName?: string }).serviceAccountName, 'default');
  // and one that never comes: refused after the tenth lookup
  await c.create(Resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'empty' } });
  let outcome: unknown;
  const late = pod('empty', 'late').then(() => { outcome = 'created'; }, (e: unknown) => { outcome = e; });
  // nine sleeps of at least 100 ms of the admission clock: five 200 ms steps at the least
  const steps = await stepUntil(() => outcome !== undefined);
  assert.ok(steps >= 5 && steps < 100, `refused after ${steps} steps of 200 ms`);
  await late;
  const e = outcome as { code?: number; message?: string };
  assert.deepEqual([e.code, e.message], [403, 'pods "late" is forbidden: error looking up service account empty/default: serviceaccount "default" not found']);
});
