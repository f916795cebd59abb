import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { RestClient } from '../client/rest.js';
import { Resources } from '../client/types.js';
import { startApiServer, type ApiServer } from './server.js';
import { bootstrapCluster } from './bootstrap.js';
import { nodeCredential } from './authn.js';

// The API server with an admin token and a node token: what node host01 may read follows the pods
// bound to it, through the server's own stores (storeNodeGraph).
let api: ApiServer;
let admin: RestClient;
let host01: RestClient;

const pod = (name: string, nodeName: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name },
  spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], ...spec },
});

before(async () => {
  api = await startApiServer({ backend: new MemoryBackend(), tokens: ['t0k'], nodeToken: 'nt' });
  await bootstrapCluster(api);
  admin = new RestClient({ server: api.url, token: 't0k' });
  host01 = new RestClient({ server: api.url, token: nodeCredential('host01', 'nt') });
  await admin.create(Resources.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { p: 'x' } });
  await admin.create(Resources.secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other' }, stringData: { p: 'y' } });
  await admin.create(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf' }, data: { a: 'b' } });
  await admin.create(Resources.persistentvolumeclaims, 'default', {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } }, volumeName: 'pv-data' },
  });
  await admin.create(Resources.pods, 'default', pod('web', 'host01', {
    containers: [{ name: 'c', image: 'busybox', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'p' } } }] }],
    volumes: [{ name: 'conf', configMap: { name: 'conf' } }, { name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
  }));
  await admin.create(Resources.pods, 'default', pod('elsewhere', 'host02', { volumes: [{ name: 's', secret: { secretName: 'other' } }] }));
});
after(async () => { await api?.close(); });

const code = async (p: Promise<unknown>) => p.then(() => 200, (e: { code?: number }) => e.code);

test('a node reads what the pods bound to it reference', async () => {
  assert.equal(await code(host01.get(Resources.secrets, 'default', 'db')), 200);
  assert.equal(await code(host01.get(Resources.configmaps, 'default', 'conf')), 200);
  assert.equal(await code(host01.get(Resources.persistentvolumeclaims, 'default', 'data')), 200);
  assert.equal(await code(host01.get(Resources.pods, 'default', 'web')), 200);
  // related, but missing: the handler's 404, as Kubernetes answers a referenced object not created yet
  assert.equal(await code(host01.get(Resources.persistentvolumes, undefined, 'pv-data')), 404);
});

test('a node cannot read what only other nodes\' pods reference, nor list them', async () => {
  await assert.rejects(host01.get(Resources.secrets, 'default', 'other'), (e: Error & { code?: number }) =>
    e.code === 403 && e.message === 'secrets "other" is forbidden: User "system:node:host01" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'host01\' and this object');
  assert.equal(await code(host01.get(Resources.pods, 'default', 'elsewhere')), 403);
  assert.equal(await code(host01.list(Resources.secrets, 'default')), 403);
  assert.equal(await code(host01.list(Resources.pods, undefined)), 403);
  assert.equal(await code(host01.list(Resources.pods, undefined, { fieldSelector: 'spec.nodeName=host01' })), 200);
});

test('a node writes the status of its own pods only, and deletes only its own pods', async () => {
  assert.equal(await code(host01.patch(Resources.pods, 'default', 'web', { status: { phase: 'Running' } }, 'merge', 'status')), 200);
  await assert.rejects(host01.patch(Resources.pods, 'default', 'elsewhere', { status: { phase: 'Running' } }, 'merge', 'status'),
    (e: Error & { code?: number }) => e.code === 403 && e.message === 'pods "elsewhere" is forbidden: node "host01" can only update pod status for pods with spec.nodeName set to itself');
  assert.equal(await code(host01.delete(Resources.pods, 'default', 'elsewhere')), 403);
  assert.equal(await code(host01.delete(Resources.pods, 'default', 'web')), 200);
});

test('the admin token keeps every right; a bare node token is no credential', async () => {
  assert.equal(await code(admin.list(Resources.secrets, undefined)), 200);
  const bare = new RestClient({ server: api.url, token: 'nt' });
  assert.equal(await code(bare.list(Resources.pods, 'default')), 401);
});
