import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { gatherText, legacyRegistry } from '../util/metrics/legacy-registry.js';
import type { Runtime } from '../runtime/types.js';
import { PodStartupLatencyTracker, hasPodStarted, registerRuntimeMetrics } from './metrics.js';

const pod = (uid: string, running: string[], containers = ['a', 'b']): Pod => ({
  metadata: { uid, name: uid, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { containers: containers.map((name) => ({ name })) },
  status: { containerStatuses: containers.map((name) => ({ name, image: 'i', imageID: '', ready: true, restartCount: 0, state: running.includes(name) ? { running: { startedAt: '2026-01-01T00:00:01Z' } } : { waiting: { reason: 'ContainerCreating' } } })) },
});

describe('kubelet metrics', () => {
  it('hasPodStarted wants every container running', () => {
    assert.equal(hasPodStarted(pod('p', ['a'])), false);
    assert.equal(hasPodStarted(pod('p', ['a', 'b'])), true);
    assert.equal(hasPodStarted({ spec: { containers: [{ name: 'a' }] } }), false, 'no statuses yet');
  });

  it('pod start duration: once per pod, from creation to all containers started on the watch; pods found running are not reported', () => {
    const seen: number[] = [];
    const t = new PodStartupLatencyTracker({ observe: (v: number) => { seen.push(v); } } as never);
    t.observedPodOnWatch(pod('p1', []), new Date('2026-01-01T00:00:00.500Z'));
    t.observedPodOnWatch(pod('p1', ['a']), new Date('2026-01-01T00:00:01Z'));
    t.observedPodOnWatch(pod('p1', ['a', 'b']), new Date('2026-01-01T00:00:02.250Z'));
    t.observedPodOnWatch(pod('p1', ['a', 'b']), new Date('2026-01-01T00:00:09Z'));
    t.observedPodOnWatch(pod('old', ['a', 'b']), new Date('2026-01-01T01:00:00Z'));
    assert.deepEqual(seen, [2.25]);
    t.deletePodStartupState('p1');
    t.observedPodOnWatch(pod('p1', ['a', 'b']), new Date('2026-01-01T00:00:10Z'));
    assert.deepEqual(seen, [2.25], 'a pod seen first when already started is not reported');
  });

  it('running pods and containers are counted from the registered runtimes at scrape time', async () => {
    const rt = {
      listPodSandbox: async () => [{ state: 'SANDBOX_READY' }, { state: 'SANDBOX_NOTREADY' }, { state: 'SANDBOX_READY' }],
      listContainers: async () => [{ phase: 'running' }, { phase: 'running' }, { phase: 'exited' }],
    } as unknown as Runtime;
    const unregister = registerRuntimeMetrics(rt);
    const scrape = async () => gatherText(legacyRegistry);
    try {
      const text = await scrape();
      assert.match(text, /^kubelet_running_pods 2$/m);
      assert.match(text, /^kubelet_running_containers\{container_state="running"\} 2$/m);
      assert.match(text, /^kubelet_running_containers\{container_state="exited"\} 1$/m);
      assert.match(text, /^kubelet_running_containers\{container_state="created"\} 0$/m);
      assert.match(text, /^# TYPE kubelet_pod_start_duration_seconds histogram$/m);
    } finally {
      unregister();
    }
    assert.match(await scrape(), /^kubelet_running_pods 0$/m, 'a stopped agent counts no more');
  });
});

describe('the agent server\'s /metrics', () => {
  it('serves the process registry in the text format to a caller with the token', async () => {
    const { AgentServer } = await import('./server/server.js');
    const server = new AgentServer({ host: '127.0.0.1', port: 0, token: 'tok', runtime: {} as Runtime, findPod: () => undefined, now: () => new Date() });
    const port = await server.listen();
    try {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { Authorization: 'Bearer tok' } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      assert.match(await r.text(), /^# TYPE kubelet_running_pods gauge$/m);
      assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 401);
    } finally {
      await server.close();
    }
  });
});
