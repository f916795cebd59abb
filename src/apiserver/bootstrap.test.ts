import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { ServiceAllocator } from '../registry/service/service-allocator.js';
import { parseServiceIP } from '../registry/service/ranges.js';
import { realClock } from '../util/clock.js';
import { startApiServer } from './server.js';
import { bootstrapCluster } from './bootstrap.js';

const get = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
};

test('/readyz and /healthz fail until the bootstrap is done (kube-apiserver\'s post-start hooks); /livez answers at once', async () => {
  const api = await startApiServer({ backend: new MemoryBackend(), tokens: ['t0k'] });
  try {
    const before = await get(`${api.url}/readyz`);
    assert.equal(before.status, 500);
    assert.match(before.body, /^\[-\]poststarthook\/bootstrap-controller failed: reason withheld$/m);
    assert.match(before.body, /readyz check failed/);
    assert.equal((await get(`${api.url}/healthz`)).status, 500);
    assert.deepEqual(await get(`${api.url}/livez`), { status: 200, body: 'ok' });
    await bootstrapCluster(api);
    for (const path of ['/readyz', '/healthz', '/livez']) assert.deepEqual(await get(`${api.url}${path}`), { status: 200, body: 'ok' });
  } finally {
    await api.close();
  }
});

test('a start stopped between the kubernetes Service\'s address record and the Service leaves a record the next start releases; another Service\'s address is not taken', async () => {
  const backend = new MemoryBackend();
  const ips = new ServiceAllocator({ backend, clock: realClock }).ips;
  // What the interrupted start wrote: 10.96.0.1's record for default/kubernetes, no Service.
  await ips.allocate(parseServiceIP('10.96.0.1')!, { namespace: 'default', name: 'kubernetes', uid: 'the-first-start' });
  const api = await startApiServer({ backend, tokens: ['t0k'] });
  try {
    await bootstrapCluster(api);
    const svc = await api.storeFor('', 'v1', 'services').get('default', 'kubernetes');
    assert.equal((svc.spec as { clusterIP?: string }).clusterIP, '10.96.0.1');
    assert.equal((await ips.get(parseServiceIP('10.96.0.1')!))?.owner.uid, svc.metadata?.uid);
  } finally {
    await api.close();
  }

  // 10.96.0.2 held by a Service that exists: the bootstrap asked for it fails, and nothing is released.
  const other = new MemoryBackend();
  const api2 = await startApiServer({ backend: other, tokens: ['t0k'] });
  try {
    await bootstrapCluster(api2);
    await api2.storeFor('', 'v1', 'services').create('default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: '10.96.0.2', ports: [{ port: 80 }] } });
    await api2.storeFor('', 'v1', 'services').delete('default', 'kubernetes');
    await assert.rejects(bootstrapCluster(api2, { kubernetesServiceIP: '10.96.0.2' }), /provided IP is already allocated/);
    assert.equal(await api2.releaseOrphanedServiceIP('10.96.0.2', 'default', 'web'), false);
    assert.equal((await api2.storeFor('', 'v1', 'services').get('default', 'web')).metadata?.name, 'web');
  } finally {
    await api2.close();
  }
});
