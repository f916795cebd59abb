import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { ComponentHealth } from '../api/core/componentstatus.js';
import { startApiServer } from './server.js';

test('ComponentStatus over HTTP: list, get, table, the deprecation warning; no watch, no writes', async (t) => {
  const health = new ComponentHealth();
  health.register('scheduler', () => ({ status: 'True', message: 'ok' }));
  health.register('controller-manager', () => ({ status: 'True', message: 'ok' }));
  const api = await startApiServer({ backend: new MemoryBackend(), tokens: ['t0k'], componentHealth: health });
  t.after(() => api.close());
  const call = (path: string, init: RequestInit = {}) => fetch(`${api.url}${path}`, { ...init, headers: { Authorization: 'Bearer t0k', ...(init.headers ?? {}) } });

  const list = await call('/api/v1/componentstatuses');
  assert.equal(list.status, 200);
  assert.equal(list.headers.get('warning'), '299 - "v1 ComponentStatus is deprecated in v1.19+"');
  const body = await list.json();
  assert.equal(body.kind, 'ComponentStatusList');
  assert.deepEqual(body.items.map((i: { metadata: { name: string }; conditions: unknown[] }) => [i.metadata.name, i.conditions]), [
    ['scheduler', [{ type: 'Healthy', status: 'True', message: 'ok' }]],
    ['controller-manager', [{ type: 'Healthy', status: 'True', message: 'ok' }]],
    ['etcd-0', [{ type: 'Healthy', status: 'True', message: 'ok' }]],
  ]);

  const one = await call('/api/v1/componentstatuses/etcd-0');
  assert.equal(one.status, 200);
  assert.equal((await one.json()).metadata.name, 'etcd-0');

  const table = await call('/api/v1/componentstatuses', { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  const tbody = await table.json();
  assert.equal(tbody.kind, 'Table');
  assert.deepEqual(tbody.rows.map((r: { cells: unknown[] }) => r.cells), [['scheduler', 'Healthy', 'ok', ''], ['controller-manager', 'Healthy', 'ok', ''], ['etcd-0', 'Healthy', 'ok', '']]);

  const missing = await call('/api/v1/componentstatuses/nope');
  assert.equal(missing.status, 500);
  assert.equal((await missing.json()).message, 'Component not found: nope');
  const watch = await call('/api/v1/componentstatuses?watch=true');
  assert.equal(watch.status, 405);
  assert.equal((await watch.json()).message, 'watch is not supported on resources of kind "componentstatuses"');
  const del = await call('/api/v1/componentstatuses/etcd-0', { method: 'DELETE' });
  assert.equal(del.status, 405);
});
