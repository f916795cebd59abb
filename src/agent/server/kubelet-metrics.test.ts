import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerInfo, PodSandboxStatus } from '../../runtime/types.js';
import { KubeletMetrics } from './kubelet-metrics.js';

function runtime(sandboxes: Partial<PodSandboxStatus>[], phases: ContainerInfo['phase'][]) {
  return {
    listPodSandbox: async () => sandboxes as PodSandboxStatus[],
    listContainers: async () => phases.map((phase, i) => ({ id: String(i), phase }) as ContainerInfo),
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
