import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { parseWindow, podMetricsInfo, RestMetricsClient } from './metrics-client.js';
import type { PodMetrics } from './types.js';

const pm = (name: string, containers: PodMetrics['containers']): PodMetrics => ({
  metadata: { name, namespace: 'default' }, timestamp: '2026-01-01T00:00:45Z', window: '15.5s', containers,
});

describe('podMetricsInfo', () => {
  it('sums a pod\'s containers in milli-units, with the timestamp and window', () => {
    const m = podMetricsInfo([pm('a', [{ name: 'x', usage: { cpu: '12345678n', memory: '1Ki' } }, { name: 'y', usage: { cpu: '5m', memory: '1Ki' } }])], 'cpu', '');
    assert.deepEqual(m.get('a'), { timestamp: new Date('2026-01-01T00:00:45Z'), windowMs: 15_500, value: 13 + 5 });
    assert.equal(podMetricsInfo([pm('a', [{ name: 'x', usage: { memory: '1Ki' } }])], 'memory', '').get('a')?.value, 1024_000);
  });
  it('leaves out a pod without containers or missing the resource in one of them', () => {
    const m = podMetricsInfo([pm('empty', []), pm('half', [{ name: 'x', usage: { cpu: '1m' } }, { name: 'y', usage: { memory: '1' } }])], 'cpu', '');
    assert.equal(m.size, 0);
  });
  it('takes one container\'s usage, and refuses a pod that lacks the container', () => {
    const items = [pm('a', [{ name: 'app', usage: { cpu: '100m' } }, { name: 'log', usage: { cpu: '900m' } }])];
    assert.equal(podMetricsInfo(items, 'cpu', 'app').get('a')?.value, 100);
    assert.throws(() => podMetricsInfo(items, 'cpu', 'db'), { message: 'container db not present in metrics for pod default/a' });
  });
  it('reads Go durations', () => {
    assert.deepEqual(['15s', '15.011s', '1m0s', '500ms', '1h2m3s', ''].map(parseWindow), [15_000, 15_011, 60_000, 500, 3_723_000, 0]);
  });
});

describe('RestMetricsClient', () => {
  let tc: TestCluster;
  before(async () => { tc = await startTestCluster(); });
  after(async () => { await tc?.close(); });
  it('asks the API server\'s metrics.k8s.io and says when it returned nothing', async () => {
    const c = new RestMetricsClient(tc.client);
    await assert.rejects(c.getResourceMetric('cpu', 'default', 'app=web', ''), { message: 'no metrics returned from resource metrics API' });
    await assert.rejects(c.getResourceMetric('cpu', 'default', 'app in', ''), (e: Error) => e.message.startsWith('unable to fetch metrics from resource metrics API: '));
  });
});
