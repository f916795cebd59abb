import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestCluster } from '../testing/test-cluster.js';
import { Resources } from '../client/types.js';
import { splitSchemeNamePort } from './proxy-subresource.js';

test('splitSchemeNamePort reads name, name:port and scheme:name:port', () => {
  assert.deepEqual(splitSchemeNamePort('web'), { scheme: '', name: 'web', port: '' });
  assert.deepEqual(splitSchemeNamePort('web:80'), { scheme: '', name: 'web', port: '80' });
  assert.deepEqual(splitSchemeNamePort('https:web:443'), { scheme: 'https', name: 'web', port: '443' });
  assert.equal(splitSchemeNamePort('a:b:c:d'), undefined);
});

test('services/NAME:PORT/proxy and pods/NAME/proxy reach the backend; a bare .../proxy is redirected; no endpoints is 503', async () => {
  const backend = http.createServer((req, res) => { res.writeHead(200, { 'X-Backend': 'yes' }); res.end(`${req.method} ${req.url}`); });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const port = (backend.address() as AddressInfo).port;
  const tc = await startTestCluster();
  const call = (path: string, method = 'GET') => fetch(tc.api.url + path, { method, headers: { Authorization: 'Bearer t0k' }, redirect: 'manual' });
  try {
    await tc.client.create(Resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 80, targetPort: port }] } });
    let r = await call('/api/v1/namespaces/default/services/web:http/proxy/');
    assert.equal(r.status, 503);
    assert.match(await r.text(), /no endpoints available for service \\"web\\"/);
    await tc.client.create(Resources.endpoints, 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'http', port }] }] });
    r = await call('/api/v1/namespaces/default/services/web:80/proxy/some/path?x=1');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-backend'), 'yes');
    assert.equal(await r.text(), 'GET /some/path?x=1');
    r = await call('/api/v1/namespaces/default/services/web/proxy/', 'POST');
    assert.equal(await r.text(), 'POST /');
    r = await call('/api/v1/namespaces/default/services/web:80/proxy');
    assert.equal(r.status, 301);
    assert.equal(r.headers.get('location'), '/api/v1/namespaces/default/services/web:80/proxy/');
    r = await call('/api/v1/namespaces/default/services/web:81/proxy/');
    assert.equal(r.status, 400);
    await tc.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ name: 'web', containerPort: port }] }] } });
    await tc.client.patch(Resources.pods, 'default', 'p', { status: { podIP: '127.0.0.1' } }, 'merge', 'status');
    r = await call('/api/v1/namespaces/default/pods/p:web/proxy/x');
    assert.equal(await r.text(), 'GET /x');
    r = await call(`/api/v1/namespaces/default/pods/p:${port + 1 === 65536 ? 1 : port + 1}/proxy/`);
    assert.equal(r.status, 503);
    assert.match(await r.text(), /error trying to reach service: dial tcp 127\.0\.0\.1:\d+: connect: connection refused/);
  } finally {
    await tc.close();
    backend.close();
  }
});
