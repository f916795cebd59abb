import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResourceMetrics, parseSample } from './decode.js';

describe('parseSample', () => {
  it('reads name, labels (with escapes), value and timestamp', () => {
    assert.deepEqual(parseSample('container_cpu_usage_seconds_total{container="c",namespace="ns",pod="p\\"q\\\\"} 1.5e+01 1700000000123'), {
      name: 'container_cpu_usage_seconds_total', labels: { container: 'c', namespace: 'ns', pod: 'p"q\\' }, value: 15, timestamp: 1700000000123,
    });
    assert.deepEqual(parseSample('resource_scrape_error 0'), { name: 'resource_scrape_error', labels: {}, value: 0 });
    assert.deepEqual(parseSample('x{a="1",} 2'), { name: 'x', labels: { a: '1' }, value: 2 });
  });
  it('skips comments, blank and malformed lines', () => {
    for (const l of ['# HELP x y', '', '   ', 'x{a="1" 2', 'x{a=1} 2', 'x', 'x abc', '{a="1"} 2', 'x 1 notatime']) assert.equal(parseSample(l), undefined, l);
  });
});

describe('decodeResourceMetrics', () => {
  it('collects the node point and each container point; samples without a timestamp take the scrape time', () => {
    const text = [
      '# TYPE node_cpu_usage_seconds_total counter',
      'node_cpu_usage_seconds_total 100.5 2000',
      'node_memory_working_set_bytes 1e+09 2000',
      'container_cpu_usage_seconds_total{container="app",namespace="default",pod="web"} 3 2000',
      'container_memory_working_set_bytes{container="app",namespace="default",pod="web"} 4096 2000',
      'container_start_time_seconds{container="app",namespace="default",pod="web"} 1.5 2000',
      'container_cpu_usage_seconds_total{container="side",namespace="default",pod="web"} 0',
      'container_memory_working_set_bytes{container="side",namespace="default",pod="web"} 0',
      'pod_cpu_usage_seconds_total{namespace="default",pod="web"} 3 2000',
    ].join('\n');
    const b = decodeResourceMetrics(text, 5000);
    assert.deepEqual(b.node, { startTime: 0, timestamp: 2000, cpuSeconds: 100.5, memoryBytes: 1e9 });
    assert.deepEqual([...b.pods.keys()], ['default/web']);
    assert.deepEqual(Object.fromEntries(b.pods.get('default/web')!), {
      app: { startTime: 1500, timestamp: 2000, cpuSeconds: 3, memoryBytes: 4096 },
      side: { startTime: 0, timestamp: 5000, cpuSeconds: 0, memoryBytes: 0 },
    });
  });
  it('leaves out a node or container that lacks its CPU or memory sample', () => {
    const b = decodeResourceMetrics([
      'node_cpu_usage_seconds_total 1 2000',
      'container_cpu_usage_seconds_total{container="a",namespace="n",pod="p"} 1 2000',
      'container_memory_working_set_bytes{container="b",namespace="n",pod="p"} 1 2000',
    ].join('\n'), 0);
    assert.equal(b.node, undefined);
    assert.equal(b.pods.size, 0);
  });
});
