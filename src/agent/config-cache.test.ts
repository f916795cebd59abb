import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Resources } from '../client/types.js';
import { realClock } from '../util/clock.js';
import { eventually, startTestCluster, type TestCluster } from '../testing/test-cluster.js';
import { ConfigCache, podConfigRefs } from './config-cache.js';

let tc: TestCluster;
before(async () => { tc = await startTestCluster(); });
after(async () => { await tc.close(); });

const pod = (uid: string, spec: Partial<Pod['spec']>): Pod =>
  ({ metadata: { name: `p-${uid}`, namespace: 'default', uid }, spec: { containers: [], ...spec } as Pod['spec'] });

test('podConfigRefs lists the ConfigMaps and Secrets of volumes, projected sources, env and envFrom of every container', () => {
  const refs = podConfigRefs(pod('1', {
    volumes: [
      { name: 'a', configMap: { name: 'cm-vol' } },
      { name: 'b', secret: { secretName: 's-vol' } },
      { name: 'c', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }, { secret: { name: 's-proj' } }, { serviceAccountToken: { path: 'token' } }] } },
    ],
    initContainers: [{ name: 'i', envFrom: [{ configMapRef: { name: 'cm-init' } }] }],
    containers: [{ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's-env', key: 'k' } } }, { name: 'Y', valueFrom: { configMapKeyRef: { name: 'cm-env', key: 'k' } } }] }],
  }));
  assert.deepEqual([...refs.configMaps].sort(), ['cm-env', 'cm-init', 'cm-vol', 'kube-root-ca.crt']);
  assert.deepEqual([...refs.secrets].sort(), ['s-env', 's-proj', 's-vol']);
});

test('ConfigCache watches each referenced object once, shared by its pods, reports changes with the pods using it, and stops watching when they are gone', async () => {
  await tc.client.create(Resources.configmaps, 'default', { metadata: { name: 'shared' }, data: { k: 'v1' } });
  await tc.client.create(Resources.secrets, 'default', { metadata: { name: 'creds' }, data: { password: Buffer.from('s3cret').toString('base64') } });
  const changes: string[] = [];
  const cache = new ConfigCache(tc.client, realClock, (kind, ns, name, pods) => changes.push(`${kind} ${ns}/${name} ${[...pods].sort().join(',')}`));
  try {
    cache.registerPod(pod('a', { volumes: [{ name: 'v', configMap: { name: 'shared' } }] }));
    cache.registerPod(pod('b', { volumes: [{ name: 'v', configMap: { name: 'shared' } }, { name: 's', secret: { secretName: 'creds' } }] }));
    assert.deepEqual(cache.watching, { configMaps: 1, secrets: 1 });

    assert.deepEqual(await cache.configMap('default', 'shared'), { data: { k: 'v1' }, binaryData: undefined });
    assert.deepEqual(await cache.secret('default', 'creds'), { password: 's3cret' });

    // An edit reaches the cache through the watch and names both pods.
    await tc.client.patch(Resources.configmaps, 'default', 'shared', { data: { k: 'v2' } }, 'merge');
    await eventually(() => assert.deepEqual(changes, ['configmap default/shared a,b']));
    assert.deepEqual((await cache.configMap('default', 'shared'))?.data, { k: 'v2' });

    // A referenced object that does not exist reads as not found, and its creation is reported.
    cache.registerPod(pod('c', { containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'later' } }] }] }));
    assert.equal(await cache.configMap('default', 'later'), undefined);
    await tc.client.create(Resources.configmaps, 'default', { metadata: { name: 'later' }, data: { x: '1' } });
    await eventually(() => assert.ok(changes.includes('configmap default/later c')));
    assert.deepEqual((await cache.configMap('default', 'later'))?.data, { x: '1' });

    // Released with the last pod that references it.
    cache.unregisterPod('a');
    assert.deepEqual(cache.watching, { configMaps: 2, secrets: 1 });
    cache.unregisterPod('b');
    assert.deepEqual(cache.watching, { configMaps: 1, secrets: 0 });
    // A pod whose references change gives up the old ones.
    cache.registerPod(pod('c', { containers: [{ name: 'c' }] }));
    assert.deepEqual(cache.watching, { configMaps: 0, secrets: 0 });
  } finally {
    cache.stop();
  }
});

test('ConfigCache reads an object no pod references with a GET', async () => {
  await tc.client.create(Resources.configmaps, 'default', { metadata: { name: 'unreferenced' }, data: { a: 'b' } });
  const cache = new ConfigCache(tc.client, realClock, () => undefined);
  try {
    assert.deepEqual((await cache.configMap('default', 'unreferenced'))?.data, { a: 'b' });
    assert.equal(await cache.secret('default', 'missing'), undefined);
    assert.deepEqual(cache.watching, { configMaps: 0, secrets: 0 });
  } finally {
    cache.stop();
  }
});
