import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerInfo, Runtime } from '../../runtime/types.js';
import { AgentServer } from './server.js';
import type { KubeletSettings } from './configz.js';

// The kubelet's read-only routes of the agent's server, over fakes: what each answers, and 404 for the rest.
const TOKEN = 't0ken';
const running: ContainerInfo = {
  id: 'c1', sandboxId: 's1', phase: 'running',
  config: { podUid: 'u1', podName: 'web', podNamespace: 'default', name: 'nginx', attempt: 0, image: 'nginx', argv: [], env: {}, mounts: [], logPath: '/dev/null' },
};
const runtime = { listContainers: async () => [running] } as unknown as Runtime;
const summaryCalls: boolean[] = [];

let server: AgentServer;
let base: string;
before(async () => {
  server = new AgentServer({
    host: '127.0.0.1', port: 0, token: TOKEN, runtime, now: () => new Date(), findPod: () => undefined,
    pods: () => [{ metadata: { name: 'web', namespace: 'default', uid: 'u1' }, status: { phase: 'Running' } }],
    settings: () => ({ clusterDNS: ['10.96.0.10'], evictionHard: {}, imageGC: {}, logging: {} } as unknown as KubeletSettings),
    metrics: { text: async () => 'kubelet_running_pods 1\n', probesText: async () => 'prober_probe_total 0\n' },
    summary: { get: async (only) => { summaryCalls.push(only ?? false); return { node: { nodeName: 'n1', startTime: 'x' }, pods: [] }; } },
  });
  base = `http://127.0.0.1:${await server.listen()}`;
});
after(() => server.close());

async function get(p: string): Promise<{ status: number; type: string | null; body: string }> {
  const r = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
}

describe('the kubelet\'s read-only routes', () => {
  it('/pods is the PodList of the agent\'s pods', async () => {
    const r = await get('/pods');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/json');
    assert.equal(JSON.parse(r.body).items[0].metadata.name, 'web');
  });
  it('/runningpods/ is the runtime\'s running pods', async () => {
    const r = await get('/runningpods/');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body).items[0].spec.containers, [{ name: 'nginx', image: 'nginx', resources: {} }]);
  });
  it('/configz wraps the settings in kubeletconfig', async () => {
    const r = await get('/configz');
    assert.deepEqual(JSON.parse(r.body).kubeletconfig.clusterDNS, ['10.96.0.10']);
  });
  it('/metrics is the agent\'s own registry', async () => {
    const r = await get('/metrics');
    assert.equal(r.body, 'kubelet_running_pods 1\n');
    assert.equal(r.type, 'text/plain; version=0.0.4; charset=utf-8');
  });
  it('/stats/summary passes only_cpu_and_memory=true (exactly that) on', async () => {
    summaryCalls.length = 0;
    assert.equal(JSON.parse((await get('/stats/summary')).body).node.nodeName, 'n1');
    await get('/stats/summary?only_cpu_and_memory=true');
    await get('/stats/summary?only_cpu_and_memory=1');
    assert.deepEqual(summaryCalls, [false, true, false]);
    const r = await get('/stats/summary');
    assert.equal(r.type, 'application/json');
    assert.equal(r.body, '{\n "node": {\n  "nodeName": "n1",\n  "startTime": "x"\n },\n "pods": []\n}', 'indented by one space as go-restful writes it');
  });
  it('/metrics/probes is the probe registry; /logs/ and unknown paths are the kubelet\'s 404; no token is 401', async () => {
    assert.equal((await get('/metrics/probes')).body, 'prober_probe_total 0\n');
    for (const p of ['/logs/', '/stats/', '/nope']) {
      const r = await get(p);
      assert.equal(r.status, 404, p);
      assert.equal(r.body, '404 page not found\n', p);
    }
    assert.equal((await fetch(`${base}/pods`)).status, 401);
  });
});
