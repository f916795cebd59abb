import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentServer } from '../server/server.js';
import { FakeRuntime } from '../../runtime/testing/fake-runtime.js';
import type { ResourceStats } from './resource-analyzer.js';

describe('the agent\'s /metrics/resource', () => {
  const stats: ResourceStats = {
    timestamp: new Date(1767225600000),
    node: { cpuSeconds: 12.5, workingSetBytes: 1024, startTime: new Date(0) },
    containers: [{ namespace: 'default', pod: 'web', container: 'app', cpuSeconds: 1.5, workingSetBytes: 2048, startTime: new Date(1767225000000) }],
  };
  let server: AgentServer;
  let base: string;
  before(async () => {
    server = new AgentServer({
      host: '127.0.0.1', port: 0, token: 's3cret', runtime: new FakeRuntime(() => new Date()),
      findPod: () => undefined, now: () => new Date(), stats: { collect: async () => stats },
    });
    base = `http://127.0.0.1:${await server.listen()}`;
  });
  after(() => server.close());

  it('serves the collection in the Prometheus text format to the API server (its token)', async () => {
    const r = await fetch(`${base}/metrics/resource`, { headers: { authorization: 'Bearer s3cret' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const body = await r.text();
    assert.match(body, /^container_cpu_usage_seconds_total\{container="app",namespace="default",pod="web"\} 1\.5 1767225600000$/m);
    assert.match(body, /^node_cpu_usage_seconds_total 12\.5 1767225600000$/m);
  });

  it('refuses anyone without the token, and other methods', async () => {
    assert.equal((await fetch(`${base}/metrics/resource`)).status, 401);
    assert.equal((await fetch(`${base}/metrics/resource`, { method: 'POST', headers: { authorization: 'Bearer s3cret' } })).status, 404);
  });
});
