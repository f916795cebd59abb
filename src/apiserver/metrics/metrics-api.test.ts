import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Resources } from '../../client/types.js';
import { startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { FakeClock } from '../../util/clock.js';
import { parseRequestInfo, type ResourceRequestInfo } from '../request-info.js';
import { writeError } from '../response.js';
import { MetricsAPI } from './metrics-api.js';

let tc: TestCluster;
let server: http.Server;
let base: string;
const clock = new FakeClock(new Date('2026-01-01T00:00:00Z'));
/** what each agent (by port) answers; the fake fetch reads it */
const agents = new Map<number, () => string>();
let api: MetricsAPI;

const node = (name: string, port: number, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name, labels },
  status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
});
const pod = (name: string, ns: string, labels: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: 'app', image: 'busybox' }] },
});

/** agentText is one agent's /metrics/resource at the fake clock's now, with each container having used cpuRate cores since 0. */
function agentText(nodeCpu: number, containers: { ns: string; pod: string; c: string; cpuRate: number; mem: number }[]): () => string {
  return () => {
    const t = clock.now().getTime();
    const secs = t / 1000 - Date.parse('2026-01-01T00:00:00Z') / 1000;
    return [
      `node_cpu_usage_seconds_total ${nodeCpu * secs} ${t}`,
      `node_memory_working_set_bytes 1073741824 ${t}`,
      ...containers.flatMap((c) => [
        `container_cpu_usage_seconds_total{container="${c.c}",namespace="${c.ns}",pod="${c.pod}"} ${c.cpuRate * secs} ${t}`,
        `container_memory_working_set_bytes{container="${c.c}",namespace="${c.ns}",pod="${c.pod}"} ${c.mem} ${t}`,
        `container_start_time_seconds{container="${c.c}",namespace="${c.ns}",pod="${c.pod}"} ${Date.parse('2025-12-31T00:00:00Z') / 1000} ${t}`,
      ]),
    ].join('\n') + '\n';
  };
}

async function get(path: string, accept = 'application/json'): Promise<{ status: number; body: any }> {
  const r = await fetch(base + path, { headers: { accept } });
  return { status: r.status, body: await r.json() };
}

before(async () => {
  tc = await startTestCluster();
  await tc.client.create(Resources.nodes, undefined, node('n1', 1, { zone: 'a' }));
  await tc.client.create(Resources.nodes, undefined, node('n2', 2, { zone: 'b' }));
  await tc.client.create(Resources.nodes, undefined, node('down', 3));
  await tc.client.create(Resources.pods, 'default', pod('web-1', 'default', { app: 'web' }));
  await tc.client.create(Resources.pods, 'default', pod('web-2', 'default', { app: 'web' }));
  await tc.client.create(Resources.pods, 'default', pod('db', 'default', { app: 'db' }));
  await tc.client.create(Resources.pods, 'kube-system', pod('dns', 'kube-system', { app: 'dns' }));
  agents.set(1, agentText(0.5, [{ ns: 'default', pod: 'web-1', c: 'app', cpuRate: 0.25, mem: 5 * 2 ** 20 }, { ns: 'kube-system', pod: 'dns', c: 'app', cpuRate: 0.001, mem: 1000 }]));
  agents.set(2, agentText(1, [{ ns: 'default', pod: 'web-2', c: 'app', cpuRate: 0.75, mem: 5251072 }, { ns: 'default', pod: 'db', c: 'app', cpuRate: 0, mem: 0 }]));
  agents.set(3, () => { throw new Error('connection refused'); });
  api = new MetricsAPI({
    nodes: () => tc.api.storeFor('', 'v1', 'nodes'), pods: () => tc.api.storeFor('', 'v1', 'pods'), clock,
    fetchMetrics: async (ep) => agents.get(ep.port)!(),
  });
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    api.handle(req, res, url, parseRequestInfo(url.pathname) as ResourceRequestInfo).catch((e) => writeError(res, e));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server?.close();
  await tc?.close();
});

describe('MetricsAPI', () => {
  it('has no metrics before two scrapes', async () => {
    await api.scrape();
    assert.deepEqual((await get('/apis/metrics.k8s.io/v1beta1/nodes')).body.items, []);
    const r = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-1');
    assert.equal(r.status, 404);
    assert.equal(r.body.message, 'podmetrics.metrics.k8s.io "default/web-1" not found');
  });

  it('lists NodeMetrics with rates over the window, skipping a node that cannot be scraped', async () => {
    await clock.step(15_000);
    await api.scrape();
    const r = await get('/apis/metrics.k8s.io/v1beta1/nodes');
    assert.equal(r.status, 200);
    assert.equal(r.body.kind, 'NodeMetricsList');
    assert.equal(r.body.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.deepEqual(r.body.items, [
      { metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:15Z', labels: { zone: 'a' } }, timestamp: '2026-01-01T00:00:15Z', window: '15s', usage: { cpu: '500m', memory: '1Gi' } },
      { metadata: { name: 'n2', creationTimestamp: '2026-01-01T00:00:15Z', labels: { zone: 'b' } }, timestamp: '2026-01-01T00:00:15Z', window: '15s', usage: { cpu: '1', memory: '1Gi' } },
    ]);
    assert.deepEqual((await get('/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=zone%3Db')).body.items.map((i: any) => i.metadata.name), ['n2']);
    assert.deepEqual((await get('/apis/metrics.k8s.io/v1beta1/nodes?fieldSelector=metadata.name%3Dn1')).body.items.map((i: any) => i.metadata.name), ['n1']);
  });

  it('gets one NodeMetrics; an unknown node is the node\'s NotFound, an unscraped one the metrics\'', async () => {
    const r = await get('/apis/metrics.k8s.io/v1beta1/nodes/n1');
    assert.equal(r.body.kind, 'NodeMetrics');
    assert.equal(r.body.usage.cpu, '500m');
    assert.deepEqual([(await get('/apis/metrics.k8s.io/v1beta1/nodes/nope')).body.message, (await get('/apis/metrics.k8s.io/v1beta1/nodes/down')).body.message],
      ['nodes "nope" not found', 'nodemetrics.metrics.k8s.io "down" not found']);
  });

  it('lists PodMetrics per namespace and across namespaces, by label and field', async () => {
    const r = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
    assert.equal(r.body.kind, 'PodMetricsList');
    assert.deepEqual(r.body.items.map((i: any) => [i.metadata.name, i.containers]), [
      ['db', [{ name: 'app', usage: { cpu: '0', memory: '0' } }]],
      ['web-1', [{ name: 'app', usage: { cpu: '250m', memory: '5Mi' } }]],
      ['web-2', [{ name: 'app', usage: { cpu: '750m', memory: '5128Ki' } }]],
    ]);
    assert.deepEqual(r.body.items[1].metadata, { name: 'web-1', namespace: 'default', creationTimestamp: '2026-01-01T00:00:15Z', labels: { app: 'web' } });
    assert.equal(r.body.items[1].window, '15s');
    assert.deepEqual((await get('/apis/metrics.k8s.io/v1beta1/pods')).body.items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`),
      ['default/db', 'default/web-1', 'default/web-2', 'kube-system/dns']);
    assert.deepEqual((await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb')).body.items.map((i: any) => i.metadata.name), ['web-1', 'web-2']);
    assert.deepEqual((await get('/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.namespace%3Dkube-system')).body.items.map((i: any) => i.metadata.name), ['dns']);
    const one = await get('/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods/dns');
    assert.deepEqual([one.body.kind, one.body.containers[0].usage.cpu], ['PodMetrics', '1m']);
    assert.equal((await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/gone')).body.message, 'pods "gone" not found');
  });

  it('serves metrics-server\'s Table', async () => {
    const r = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', 'application/json;as=Table;v=v1;g=meta.k8s.io');
    assert.equal(r.body.kind, 'Table');
    assert.deepEqual(r.body.columnDefinitions.map((c: any) => c.name), ['Name', 'cpu', 'memory', 'Window']);
    assert.deepEqual(r.body.rows.map((x: any) => x.cells), [['db', '0', '0', '15s'], ['web-1', '250m', '5Mi', '15s'], ['web-2', '750m', '5128Ki', '15s']]);
  });

  it('refuses what metrics-server does not serve', async () => {
    const post = await fetch(base + '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
    assert.equal((await post.json()).message, 'create is not supported on resources of kind "pods.metrics.k8s.io"');
    assert.equal((await get('/apis/metrics.k8s.io/v1beta1/nodes?watch=true')).status, 405);
    assert.equal((await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/nodes')).status, 404);
    assert.equal((await get('/apis/metrics.k8s.io/v1beta1/services')).status, 404);
    assert.equal((await get('/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=a%3D%3D%3D')).status, 400);
  });
});

describe('MetricsAPI stopped while it scrapes', () => {
  it('keeps nothing of a scrape that ends after stop (the cluster stopping: its agents refuse)', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    let fetched = 0;
    let holding = false;
    const stopping = new MetricsAPI({
      nodes: () => tc.api.storeFor('', 'v1', 'nodes'), pods: () => tc.api.storeFor('', 'v1', 'pods'), clock,
      fetchMetrics: async (ep) => { fetched++; if (holding) await held; return agents.get(ep.port)!(); },
    });
    await stopping.scrape();
    holding = true;
    await clock.step(15_000);
    const second = stopping.scrape();
    await new Promise((r) => setImmediate(r));
    stopping.stop();
    release();
    await second;
    assert.ok(fetched >= 6, 'both rounds reached the agents');
    // the first round alone gives no rates: had the second been kept, n1 would have a usage
    assert.equal(stopping.storage.nodeUsage('n1'), undefined);
  });
});
