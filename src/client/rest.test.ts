import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { startApiServer, type ApiServer } from '../apiserver/server.js';
import { bootstrapCluster } from '../apiserver/bootstrap.js';
import { RestClient } from './rest.js';
import { SharedInformerFactory } from './informer.js';
import { Resources } from './types.js';
import { StatusError } from '../apimachinery/errors.js';
import type { KubeObject } from '../api/resource.js';

describe('RestClient and informers against an in-process API server', () => {
  let api: ApiServer;
  let client: RestClient;
  before(async () => {
    api = await startApiServer({ backend: new MemoryBackend(), tokens: ['t0k'] });
    await bootstrapCluster(api);
    client = new RestClient({ server: api.url, token: 't0k' });
  });
  after(async () => { await api.close(); });

  it('creates, gets, patches and deletes; errors come back as StatusError', async () => {
    const cm: KubeObject = await client.create<KubeObject>(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { x: '1' } });
    assert.ok(cm.metadata?.uid);
    const patched = await client.patch(Resources.configmaps, 'default', 'a', { data: { y: '2' } }, 'merge');
    assert.deepEqual(patched.data, { x: '1', y: '2' });
    await assert.rejects(client.get(Resources.configmaps, 'default', 'missing'), (e: unknown) => e instanceof StatusError && e.code === 404 && e.message === 'configmaps "missing" not found');
    await client.delete(Resources.configmaps, 'default', 'a');
    await assert.rejects(client.get(Resources.configmaps, 'default', 'a'), (e: unknown) => e instanceof StatusError && e.reason === 'NotFound');
  });

  it('a bad token is Unauthorized', async () => {
    const bad = new RestClient({ server: api.url, token: 'nope' });
    await assert.rejects(bad.list(Resources.pods, 'default'), (e: unknown) => e instanceof StatusError && e.code === 401);
  });

  it('an informer lists, then follows adds, updates and deletes', async () => {
    const factory = new SharedInformerFactory(client);
    const inf = factory.informerFor(Resources.configmaps, { namespace: 'default' });
    const seen: string[] = [];
    inf.addEventHandler({
      add: (o) => seen.push(`add ${o.metadata?.name}`),
      update: (_o, n) => seen.push(`update ${n.metadata?.name}`),
      delete: (o) => seen.push(`delete ${o.metadata?.name}`),
    });
    await client.create(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before' } });
    const ac = new AbortController();
    factory.start(ac.signal);
    await factory.waitForCacheSync();
    assert.ok(inf.lister.get('default', 'before'));
    await client.create(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after' } });
    await client.patch(Resources.configmaps, 'default', 'after', { data: { k: 'v' } }, 'merge');
    await client.delete(Resources.configmaps, 'default', 'before');
    for (let i = 0; i < 200 && !seen.includes('delete before'); i++) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    assert.deepEqual(seen, ['add before', 'add after', 'update after', 'delete before']);
    assert.equal(inf.lister.list('default').length, 1);
    assert.deepEqual(inf.lister.get('default', 'after')?.data, { k: 'v' });
  });
});
