import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerInfo, PodSandboxStatus } from '../../runtime/types.js';
import { FakeClock } from '../../util/clock.js';
import { ProbeWorker } from '../prober/worker.js';
import { ResultsManager } from '../prober/results.js';
import { KubeletMetrics } from './kubelet-metrics.js';

function runtime(sandboxes: Partial<PodSandboxStatus>[], phases: ContainerInfo['phase'][]) {
  const containers = phases.map((phase, i) => ({
    id: `c${i}`, phase, config: { name: `app${i}`, podName: 'web', podNamespace: 'default', podUid: 'u1' },
  }) as ContainerInfo);
  return {
    listPodSandbox: async () => sandboxes as PodSandboxStatus[],
    listContainers: async (f?: { id?: string }) => containers.filter((c) => !f?.id || c.id === f.id),
  };
}

describe('KubeletMetrics', () => {
  it('counts only its own runtime\'s pods and containers, and its own pod starts', async () => {
    const a = new KubeletMetrics('node-a', runtime([{ state: 'SANDBOX_READY' }, { state: 'SANDBOX_READY' }, { state: 'SANDBOX_NOTREADY' }], ['running', 'running', 'exited']));
    const b = new KubeletMetrics('node-b', runtime([], []));
    a.podStartDuration.observe(1.5);
    const ta = await a.text();
    const tb = await b.text();
    assert.match(ta, /^kubelet_node_name\{node="node-a"\} 1$/m);
    assert.match(ta, /^kubelet_running_pods 2$/m);
    assert.match(ta, /^kubelet_running_containers\{container_state="running"\} 2$/m);
    assert.match(ta, /^kubelet_running_containers\{container_state="exited"\} 1$/m);
    assert.match(ta, /^kubelet_pod_start_duration_seconds_bucket\{le="2"\} 1$/m);
    assert.match(ta, /^kubelet_pod_start_duration_seconds_count 1$/m);
    assert.match(tb, /^kubelet_node_name\{node="node-b"\} 1$/m);
    assert.match(tb, /^kubelet_running_pods 0$/m);
    assert.match(tb, /^kubelet_pod_start_duration_seconds_count 0$/m);
    assert.ok(!ta.includes('scheduler_'), 'no other component\'s series');
  });
});

describe('KubeletMetrics /metrics/probes', () => {
  it('counts every probe run on its own containers by type and result, not errored runs nor other agents\' containers', async () => {
    const m = new KubeletMetrics('node-a', runtime([], ['running']));
    const clock = new FakeClock();
    const outcomes = [{ ok: true, output: '' }, { ok: false, output: 'HTTP probe failed with statuscode: 500' }, { ok: false, output: 'x', errored: true }, { ok: true, output: '' }];
    const worker = (containerId: string) => new ProbeWorker({
      containerId, containerName: 'app0', kind: 'readiness', probe: { httpGet: { port: 80 }, periodSeconds: 1 }, startedAt: clock.now(), clock,
      target: { podIP: '127.0.0.1', ports: {}, exec: async () => ({ exitCode: 0, output: '', timedOut: false }) },
      results: new ResultsManager(() => {}), onFailedAttempt: () => {},
      runner: async () => outcomes.shift() ?? { ok: true, output: '' },
    });
    const mine = worker('c0');
    const theirs = worker('not-mine');
    void mine.run();
    // runs at 0, 1, 2 and 3 s: ok, failed, errored, ok
    for (let i = 0; i < 4; i++) await clock.step(1000);
    mine.stop();
    void theirs.run();
    await clock.step(1000);
    theirs.stop();
    await new Promise((r) => setImmediate(r));
    const text = await m.probesText();
    m.close();
    assert.match(text, /^# HELP prober_probe_total \[BETA\] Cumulative number of a liveness, readiness or startup probe for a container by result\.$/m);
    assert.match(text, /^prober_probe_total\{container="app0",namespace="default",pod="web",pod_uid="u1",probe_type="Readiness",result="successful"\} 2$/m);
    assert.match(text, /^prober_probe_total\{container="app0",namespace="default",pod="web",pod_uid="u1",probe_type="Readiness",result="failed"\} 1$/m);
    assert.equal(text.match(/^prober_probe_total\{/gm)?.length, 2, 'the other agent\'s container is not counted here');
  });
});
