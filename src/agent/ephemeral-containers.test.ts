import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/resource.js';
import { FakeClock } from '../util/clock.js';
import { ephemeralContainersToStart, pidNamespaceOptions } from './ephemeral-containers.js';
import { setupPodWorker } from './testing/pod-worker-harness.js';


const basePod = (): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'uid-web', resourceVersion: '1' },
  spec: { nodeName: 'n1', restartPolicy: 'Always', containers: [{ name: 'main', image: 'busybox', command: ['sleep', '1000'] }] },
  status: { phase: 'Pending' },
});

test('an added ephemeral container runs once in the target\'s PID namespace; its status is never ready', async () => {
  const pod = basePod();
  const t = await setupPodWorker(pod);
  const mainId = t.rt.running('main')!;
  assert.ok(mainId);
  const withDebugger: Pod = structuredClone(pod);
  withDebugger.spec!.ephemeralContainers = [{ name: 'debugger', image: 'busybox', stdin: true, tty: true, targetContainerName: 'main' }];
  t.w.update(withDebugger);
  await t.settle();
  const started = t.rt.started.find((c) => c.name === 'debugger')!;
  assert.deepEqual([started.stdin, started.tty, started.namespaceOptions], [true, true, { pid: 'TARGET', targetId: mainId }]);
  const es = t.status().ephemeralContainerStatuses!;
  assert.deepEqual(es.map((s) => [s.name, s.ready, !!s.state?.running]), [['debugger', false, true]]);
  assert.equal(t.status().containerStatuses!.length, 1);

  // It exits: it stays terminated (never restarted), the pod keeps running.
  t.rt.exit(t.rt.running('debugger')!, 0);
  await t.settle();
  assert.equal(t.rt.started.filter((c) => c.name === 'debugger').length, 1);
  assert.equal(t.status().ephemeralContainerStatuses![0].state?.terminated?.exitCode, 0);
  assert.equal(t.status().phase, 'Running');
  const events = [...t.client.objects.values()].filter((o) => (o as KubeObject).kind === 'Event' || (o as { reason?: string }).reason);
  assert.ok(events.some((e) => (e as { involvedObject?: { fieldPath?: string } }).involvedObject?.fieldPath === 'spec.ephemeralContainers{debugger}'));
});

test('hostPID pods get the node\'s PID namespace; ephemeral containers already run are not started again', () => {
  const pod = basePod();
  assert.equal(pidNamespaceOptions(pod, undefined), undefined);
  assert.deepEqual(pidNamespaceOptions(pod, 'c1'), { pid: 'TARGET', targetId: 'c1' });
  pod.spec!.shareProcessNamespace = true;
  assert.deepEqual(pidNamespaceOptions(pod, 'c1'), { pid: 'POD' });
  pod.spec!.hostPID = true;
  assert.deepEqual(pidNamespaceOptions(pod, undefined), { pid: 'NODE' });
  pod.spec!.ephemeralContainers = [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }];
  assert.deepEqual(ephemeralContainersToStart(pod, (n) => n === 'a').map((e) => e.name), ['b']);
});

test('a restarted agent adopts an ephemeral container that ran: it is not started again', async () => {
  const pod = basePod();
  pod.spec!.ephemeralContainers = [{ name: 'debugger', image: 'busybox', command: ['true'] }];
  const first = await setupPodWorker(pod);
  assert.equal(first.rt.started.filter((c) => c.name === 'debugger').length, 1);
  first.rt.exit(first.rt.running('debugger')!, 0);
  await first.settle();
  first.w.stop();
  // A new agent over the same runtime (the containers a previous agent left).
  const again = await setupPodWorker(pod, { rt: first.rt, clock: new FakeClock() });
  assert.equal(again.rt.started.filter((c) => c.name === 'debugger').length, 1);
  assert.equal(again.status().ephemeralContainerStatuses?.[0].state?.terminated?.exitCode, 0);
});
