import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatResourceMetrics, goFloat } from './metrics-resource.js';

describe('goFloat', () => {
  it('writes floats as Go\'s shortest %g: exponent form below 1e-4 and from 1e6 on', () => {
    assert.deepEqual(
      [0, 7.574727, 123456, 1234567, 15679488, 1.7e9, 0.00012, 0.00001234, -2.5].map(goFloat),
      ['0', '7.574727', '123456', '1.234567e+06', '1.5679488e+07', '1.7e+09', '0.00012', '1.234e-05', '-2.5'],
    );
  });
});

describe('formatResourceMetrics', () => {
  it('renders the kubelet\'s /metrics/resource families, samples stamped with the measurement time', () => {
    const text = formatResourceMetrics({
      timestamp: new Date(1767225660123),
      node: { cpuSeconds: 1234.5, workingSetBytes: 2e9, startTime: new Date(0) },
      containers: [
        { namespace: 'default', pod: 'web', container: 'b', cpuSeconds: 0.5, workingSetBytes: 4096, startTime: new Date(1767225600000) },
        { namespace: 'default', pod: 'web', container: 'a', cpuSeconds: 1.25, workingSetBytes: 1048576, startTime: new Date(1767225600000) },
      ],
    });
    assert.equal(text, [
      '# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds',
      '# TYPE container_cpu_usage_seconds_total counter',
      'container_cpu_usage_seconds_total{container="a",namespace="default",pod="web"} 1.25 1767225660123',
      'container_cpu_usage_seconds_total{container="b",namespace="default",pod="web"} 0.5 1767225660123',
      '# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes',
      '# TYPE container_memory_working_set_bytes gauge',
      'container_memory_working_set_bytes{container="a",namespace="default",pod="web"} 1.048576e+06 1767225660123',
      'container_memory_working_set_bytes{container="b",namespace="default",pod="web"} 4096 1767225660123',
      '# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds',
      '# TYPE container_start_time_seconds gauge',
      'container_start_time_seconds{container="a",namespace="default",pod="web"} 1.7672256e+09 1767225660123',
      'container_start_time_seconds{container="b",namespace="default",pod="web"} 1.7672256e+09 1767225660123',
      '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
      '# TYPE node_cpu_usage_seconds_total counter',
      'node_cpu_usage_seconds_total 1234.5 1767225660123',
      '# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes',
      '# TYPE node_memory_working_set_bytes gauge',
      'node_memory_working_set_bytes 2e+09 1767225660123',
      '# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds',
      '# TYPE pod_cpu_usage_seconds_total counter',
      'pod_cpu_usage_seconds_total{namespace="default",pod="web"} 1.75 1767225660123',
      '# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes',
      '# TYPE pod_memory_working_set_bytes gauge',
      'pod_memory_working_set_bytes{namespace="default",pod="web"} 1.052672e+06 1767225660123',
      '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
      '# TYPE resource_scrape_error gauge',
      'resource_scrape_error 0',
      '',
    ].join('\n'));
  });

  it('escapes label values', () => {
    const text = formatResourceMetrics({
      timestamp: new Date(0), node: { cpuSeconds: 0, workingSetBytes: 0, startTime: new Date(0) },
      containers: [{ namespace: 'n', pod: 'p"q\\', container: 'c', cpuSeconds: 0, workingSetBytes: 0, startTime: new Date(0) }],
    });
    assert.match(text, /pod="p\\"q\\\\"/);
  });
});
