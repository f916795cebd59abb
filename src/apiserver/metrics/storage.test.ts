import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsStorage, resourceUsage, type MetricsBatch, type MetricsPoint } from './storage.js';

const RES = 15_000;
const pt = (timestamp: number, cpuSeconds: number, memoryBytes = 1000, startTime = 0): MetricsPoint => ({ startTime, timestamp, cpuSeconds, memoryBytes });

function batch(nodes: Record<string, MetricsPoint>, pods: Record<string, Record<string, MetricsPoint>> = {}): MetricsBatch {
  return {
    nodes: new Map(Object.entries(nodes)),
    pods: new Map(Object.entries(pods).map(([k, v]) => [k, new Map(Object.entries(v))])),
  };
}

describe('resourceUsage', () => {
  it('is the counter\'s rate over the window, in nanocores, and the last working set', () => {
    assert.deepEqual(resourceUsage(pt(20_000, 5, 2048), pt(10_000, 2)), { cpuNanoCores: 300_000_000, memoryBytes: 2048, timestamp: 20_000, windowMs: 10_000 });
  });
  it('refuses a counter that went backwards, a start time that did, and an empty window', () => {
    assert.match(String(resourceUsage(pt(20_000, 1), pt(10_000, 2))), /unexpected decrease in cumulative CPU usage value/);
    assert.match(String(resourceUsage(pt(20_000, 3, 0, 0), pt(10_000, 2, 0, 5))), /unexpected decrease in startTime/);
    assert.ok(resourceUsage(pt(10_000, 3), pt(10_000, 2)) instanceof Error);
  });
});

describe('MetricsStorage', () => {
  it('reports a node only from its second scrape on', () => {
    const s = new MetricsStorage(RES);
    s.store(batch({ n1: pt(100_000, 10) }));
    assert.equal(s.nodeUsage('n1'), undefined);
    s.store(batch({ n1: pt(115_000, 25, 4096) }));
    assert.deepEqual(s.nodeUsage('n1'), { node: 'n1', cpuNanoCores: 1e9, memoryBytes: 4096, timestamp: 115_000, windowMs: 15_000 });
    // A scrape that brings nothing newer keeps the pair it had.
    s.store(batch({ n1: pt(115_000, 25, 4096) }));
    assert.equal(s.nodeUsage('n1')?.cpuNanoCores, 1e9);
    // A node missing from a round is gone.
    s.store(batch({}));
    assert.equal(s.nodeUsage('n1'), undefined);
  });

  it('reports a pod once every container has two points; its time is its earliest container\'s', () => {
    const s = new MetricsStorage(RES);
    s.store(batch({}, { 'ns/web': { a: pt(100_000, 1, 10), b: pt(101_000, 1, 20) } }));
    assert.equal(s.podUsage('ns', 'web'), undefined);
    s.store(batch({}, { 'ns/web': { a: pt(110_000, 2, 11), b: pt(116_000, 4, 21) } }));
    assert.deepEqual(s.podUsage('ns', 'web'), {
      namespace: 'ns', name: 'web', timestamp: 110_000, windowMs: 10_000,
      containers: [{ name: 'a', cpuNanoCores: 100_000_000, memoryBytes: 11 }, { name: 'b', cpuNanoCores: 200_000_000, memoryBytes: 21 }],
    });
    // A container that appears later (a new sidecar) hides the pod until it has two points too.
    s.store(batch({}, { 'ns/web': { a: pt(125_000, 3), b: pt(131_000, 5), c: pt(131_000, 1) } }));
    assert.equal(s.podUsage('ns', 'web'), undefined);
  });

  it('measures a container younger than one period (but at least 10 s old) from its start', () => {
    const s = new MetricsStorage(RES);
    s.store(batch({}, { 'ns/new': { app: pt(112_000, 0.6, 50, 100_000) }, 'ns/baby': { app: pt(105_000, 0.1, 50, 100_000) } }));
    assert.deepEqual(s.podUsage('ns', 'new'), { namespace: 'ns', name: 'new', timestamp: 112_000, windowMs: 12_000, containers: [{ name: 'app', cpuNanoCores: 50_000_000, memoryBytes: 50 }] });
    assert.equal(s.podUsage('ns', 'baby'), undefined, 'under 10 s the rate would be noise');
  });

  it('starts a restarted container over instead of computing a rate across the restart', () => {
    const s = new MetricsStorage(RES);
    s.store(batch({}, { 'ns/p': { app: pt(100_000, 50, 1, 0) } }));
    s.store(batch({}, { 'ns/p': { app: pt(115_000, 60, 1, 0) } }));
    assert.equal(s.podUsage('ns', 'p')?.containers[0].cpuNanoCores, 666_666_666);
    // Restarted at 120 s (after the stored point): its counter began again at 0.
    s.store(batch({}, { 'ns/p': { app: pt(150_000, 1, 1, 120_000) } }));
    assert.equal(s.podUsage('ns', 'p'), undefined);
    s.store(batch({}, { 'ns/p': { app: pt(165_000, 4, 1, 120_000) } }));
    assert.equal(s.podUsage('ns', 'p')?.containers[0].cpuNanoCores, 200_000_000);
  });
});
