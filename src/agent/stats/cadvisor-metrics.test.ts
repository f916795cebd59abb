import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatCadvisorMetrics } from './cadvisor-metrics.js';

describe('formatCadvisorMetrics', () => {
  const at = new Date(1767225600000);
  const base = { namespace: 'default', pod: 'web', container: 'app', startTime: new Date(1767225000000), id: 'abc', image: 'nginx', cgroup: '/kubepods/besteffort/podu1/abc' };

  it('labels each series container, id (cgroup), image, name (runtime id), namespace, pod, with the measuring time', () => {
    const body = formatCadvisorMetrics({
      timestamp: at, node: { cpuSeconds: 1, workingSetBytes: 1, startTime: new Date(0) },
      containers: [{ ...base, cpuSeconds: 1.5, workingSetBytes: 2048, processCount: 2, memory: { usageBytes: 4096, rssBytes: 1024, pageFaults: 9, majorPageFaults: 1 } }],
    });
    const l = 'container="app",id="/kubepods/besteffort/podu1/abc",image="nginx",name="abc",namespace="default",pod="web"';
    assert.match(body, /^# TYPE container_cpu_usage_seconds_total counter$/m);
    assert.ok(body.includes(`\ncontainer_cpu_usage_seconds_total{${l}} 1.5 1767225600000\n`));
    assert.ok(body.includes(`\ncontainer_memory_working_set_bytes{${l}} 2048 1767225600000\n`));
    assert.ok(body.includes(`\ncontainer_memory_usage_bytes{${l}} 4096 1767225600000\n`));
    assert.ok(body.includes(`\ncontainer_memory_rss{${l}} 1024 1767225600000\n`));
    assert.ok(body.includes(`\ncontainer_processes{${l}} 2 1767225600000\n`));
    assert.ok(body.includes(`\ncontainer_start_time_seconds{${l}} 1.767225e+09 1767225600000\n`));
    assert.ok(body.includes('container_memory_failures_total{container="app",failure_type="pgmajfault",id="/kubepods/besteffort/podu1/abc",image="nginx",name="abc",namespace="default",pod="web",scope="hierarchy"} 1 1767225600000'));
  });

  it('leaves out what was not measured, and is empty without containers', () => {
    const body = formatCadvisorMetrics({ timestamp: at, node: { cpuSeconds: 1, workingSetBytes: 1, startTime: new Date(0) }, containers: [{ ...base, cgroup: undefined, cpuSeconds: 1, workingSetBytes: 1 }] });
    assert.ok(!body.includes('container_memory_rss'));
    assert.ok(!body.includes('container_memory_failures_total'));
    assert.match(body, /container_cpu_usage_seconds_total\{container="app",id="",/);
    assert.equal(formatCadvisorMetrics({ timestamp: at, node: { cpuSeconds: 1, workingSetBytes: 1, startTime: new Date(0) }, containers: [] }), '');
  });
});
