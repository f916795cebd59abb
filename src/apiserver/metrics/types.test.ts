import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpuQuantity, memoryQuantity, nodeMetricsObject, podMetricsObject, podMetricsResource } from './types.js';

describe('metrics quantities and durations', () => {
  it('writes CPU in nanocores and memory as a binary quantity, as metrics-server does', () => {
    assert.deepEqual([0, 12_345_678, 12_000_000, 2e9].map(cpuQuantity), ['0', '12345678n', '12m', '2']);
    assert.deepEqual([0, 1000, 5_251_072, 13_950_977, 2 ** 30].map(memoryQuantity), ['0', '1k', '5128Ki', '13950977', '1Gi']);
  });
});

describe('metrics objects', () => {
  const now = new Date('2026-01-01T00:01:00Z');
  it('builds a NodeMetrics', () => {
    assert.deepEqual(nodeMetricsObject({ name: 'host01', labels: { a: 'b' } }, { node: 'host01', cpuNanoCores: 250_000_000, memoryBytes: 2 ** 20, timestamp: Date.parse('2026-01-01T00:00:45Z'), windowMs: 15_022 }, now), {
      kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'host01', creationTimestamp: '2026-01-01T00:01:00Z', labels: { a: 'b' } },
      timestamp: '2026-01-01T00:00:45Z', window: '15.022s', usage: { cpu: '250m', memory: '1Mi' },
    });
  });
  it('builds a PodMetrics, and its table row sums the containers', () => {
    const pm = podMetricsObject({ name: 'web', namespace: 'default' }, {
      namespace: 'default', name: 'web', timestamp: Date.parse('2026-01-01T00:00:45Z'), windowMs: 15_000,
      containers: [{ name: 'a', cpuNanoCores: 1_500_000, memoryBytes: 1024 }, { name: 'b', cpuNanoCores: 500_000, memoryBytes: 2048 }],
    }, now);
    assert.deepEqual(pm.containers, [{ name: 'a', usage: { cpu: '1500u', memory: '1Ki' } }, { name: 'b', usage: { cpu: '500u', memory: '2Ki' } }]);
    assert.deepEqual(pm.metadata, { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:01:00Z' });
    assert.deepEqual(podMetricsResource.table!.columns.map((c) => c.name), ['Name', 'cpu', 'memory', 'Window']);
    assert.deepEqual(podMetricsResource.table!.cells(pm, now), ['web', '2m', '3Ki', '15s']);
  });
});
