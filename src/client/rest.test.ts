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
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCredentials } from '../apiserver/tls.js';

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

describe('RestClient over the API server\'s local socket (plain HTTP beside HTTPS)', () => {
  it('requests and watches go over the socket, which only its owner may open and which still wants a token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tskube-sock-'));
    const creds = await loadOrCreateCredentials(dir, []);
    const api = await startApiServer({ backend: new MemoryBackend(), tokens: ['t0k'], tls: { cert: creds.cert, key: creds.key }, localSocket: join(dir, 'api.sock') });
    try {
      await bootstrapCluster(api);
      assert.equal(api.localSocket, join(dir, 'api.sock'));
      assert.equal(statSync(api.localSocket).mode & 0o777, 0o600);
      assert.ok(api.url.startsWith('https://'));
      const client = new RestClient({ server: api.url, token: 't0k', socketPath: api.localSocket });
      const ac = new AbortController();
      const events: string[] = [];
      const watching = (async () => {
        for await (const ev of client.watch(Resources.configmaps, 'default', { signal: ac.signal })) {
          events.push(`${ev.type} ${ev.object.metadata?.name}`);
          if (events.length === 1) ac.abort();
        }
      })();
      await new Promise((r) => setTimeout(r, 100));
      await client.create(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'over-socket' } });
      await watching;
      assert.deepEqual(events, ['ADDED over-socket']);
      assert.equal((await client.get(Resources.configmaps, 'default', 'over-socket')).metadata?.name, 'over-socket');
      // no credentials over the socket either: the anonymous user, whom RBAC grants nothing here
      const anonymous = new RestClient({ server: api.url, socketPath: api.localSocket });
      await assert.rejects(anonymous.get(Resources.configmaps, 'default', 'over-socket'), (e: unknown) => e instanceof StatusError && e.code === 403 && /User "system:anonymous" cannot get resource "configmaps"/.test(e.message));
    } finally {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(existsSync(join(dir, 'api.sock')), false);
  });
});
