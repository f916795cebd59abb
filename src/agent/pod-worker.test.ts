import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod, ContainerStatus } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/resource.js';
import { Resources } from '../client/types.js';
import { FakeClock } from '../util/clock.js';
import { configureLogging } from '../util/log.js';
import { Backoff } from '../util/backoff.js';
import { KubeletEventRecorder } from './events.js';
import { clientConfigSource } from './node-agent.js';
import { PodWorker } from './pod-worker.js';
import { GenericPLEG } from './pleg.js';
import { FakeClient } from '../client/testing/fake-client.js';
import { FakeRuntime } from '../runtime/testing/fake-runtime.js';

function makePod(spec: Partial<Pod['spec']> & { containers: NonNullable<Pod['spec']>['containers'] }): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'uid1', resourceVersion: '1' },
    spec: { nodeName: 'n1', terminationGracePeriodSeconds: 30, ...spec },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
  };
}

async function setup(pod: Pod) {
  const clock = new FakeClock();
  const client = new FakeClient();
  client.put(Resources.pods, pod as unknown as KubeObject);
  const rt = new FakeRuntime(() => clock.now());
  const recorder = new KubeletEventRecorder(client, 'n1', clock);
  const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-test-'));
  let terminated = false;
  const w = new PodWorker(pod, {
    client, runtime: rt, clock, recorder, backoff: new Backoff(clock), config: clientConfigSource(client),
    node: { cpu: 2, memory: 2 ** 30 }, nodeName: 'n1', hostIP: '127.0.0.1', rootDir, onTerminated() { terminated = true; },
  });
  // The worker learns of exits from the PLEG, as in the agent; the fake runtime's events make it relist at once.
  const pleg = new GenericPLEG({ runtime: rt, clock, onEvent: (e) => w.handlePlegEvent(e) });
  rt.getContainerEvents(() => setImmediate(() => void pleg.relist()));
  const settle = async () => {
    for (let i = 0; i < 8; i++) { await w.whenIdle(); await pleg.relist(); await new Promise((r) => setImmediate(r)); }
    await recorder.flush();
  };
  w.kick();
  await settle();
  const status = () => (client.objects.get('pods/default/p') as { status: Pod['status'] }).status!;
  const cs = (name: string): ContainerStatus => status().containerStatuses!.find((c) => c.name === name)!;
  return { clock, client, rt, w, settle, status, cs, rootDir, isTerminated: () => terminated };
}

const one = (policy: 'Always' | 'OnFailure' | 'Never') => makePod({ restartPolicy: policy, containers: [{ name: 'c', image: 'busybox', command: ['sh'] }] });
const two = (policy: 'Always' | 'OnFailure' | 'Never') => makePod({ restartPolicy: policy, containers: [{ name: 'a', image: 'busybox', command: ['sh'] }, { name: 'b', image: 'busybox', command: ['sh'] }] });

// Table 2.15: one container exits successfully / with failure; two containers, one fails; both OOM-killed.
const table: { name: string; pod: (p: 'Always' | 'OnFailure' | 'Never') => Pod; exits: [string, number, string?][]; want: Record<string, string> }[] = [
  { name: '1 container exits 0', pod: one, exits: [['c', 0]], want: { Always: 'Running', OnFailure: 'Succeeded', Never: 'Succeeded' } },
  { name: '1 container fails', pod: one, exits: [['c', 1]], want: { Always: 'Running', OnFailure: 'Running', Never: 'Failed' } },
  { name: '2 containers, 1 fails', pod: two, exits: [['a', 1]], want: { Always: 'Running', OnFailure: 'Running', Never: 'Running' } },
  { name: '2 containers OOM-killed', pod: two, exits: [['a', 137, 'OOMKilled'], ['b', 137, 'OOMKilled']], want: { Always: 'Running', OnFailure: 'Running', Never: 'Failed' } },
];
for (const row of table) {
  for (const policy of ['Always', 'OnFailure', 'Never'] as const) {
    test(`table 2.15: ${row.name}, restartPolicy=${policy} → ${row.want[policy]}`, async () => {
      const t = await setup(row.pod(policy));
      assert.equal(t.status().phase, 'Running');
      for (const [name, code, reason] of row.exits) t.rt.exit(t.rt.running(name)!, code, reason);
      await t.settle();
      assert.equal(t.status().phase, row.want[policy]);
      t.w.stop();
    });
  }
}

test('CrashLoopBackOff: immediate first restart, then 10s, 20s back-off with Kubernetes wording', async () => {
  const t = await setup(one('Always'));
  t.rt.exit(t.rt.running('c')!, 1);
  await t.settle();
  assert.equal(t.cs('c').restartCount, 1);
  assert.ok(t.cs('c').state!.running);
  assert.equal(t.cs('c').lastState!.terminated!.exitCode, 1);
  assert.equal(t.cs('c').lastState!.terminated!.reason, 'Error');
  t.rt.exit(t.rt.running('c')!, 1);
  await t.settle();
  assert.deepEqual(t.cs('c').state!.waiting, { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=c pod=p_default(uid1)' });
  assert.equal(t.status().phase, 'Running');
  assert.ok(t.client.events().some((e) => e.reason === 'BackOff' && e.message === 'Back-off restarting failed container c in pod p_default(uid1)' && e.fieldPath === 'spec.containers{c}'));
  await t.clock.step(9_000);
  await t.settle();
  assert.equal(t.rt.running('c'), undefined);
  await t.clock.step(1_100);
  await t.settle();
  assert.ok(t.rt.running('c'));
  assert.equal(t.cs('c').restartCount, 2);
  t.rt.exit(t.rt.running('c')!, 2);
  await t.settle();
  assert.match(t.cs('c').state!.waiting!.message!, /^back-off 20s /);
  t.w.stop();
});

test('back-off resets after the container ran 10 minutes', async () => {
  const t = await setup(one('Always'));
  t.rt.exit(t.rt.running('c')!, 1);
  await t.settle();
  t.rt.exit(t.rt.running('c')!, 1);
  await t.settle();
  await t.clock.step(10_500);
  await t.settle();
  await t.clock.step(11 * 60_000);
  t.rt.exit(t.rt.running('c')!, 1);
  await t.settle();
  assert.ok(t.cs('c').state!.running, 'restarted at once after a long run');
  t.w.stop();
});

test('init containers run first, one at a time; app waits with PodInitializing', async () => {
  const t = await setup(makePod({
    initContainers: [{ name: 'init1', image: 'busybox', command: ['true'] }],
    containers: [{ name: 'app', image: 'busybox', command: ['sleep', '1'] }],
  }));
  assert.equal(t.status().phase, 'Pending');
  assert.ok(t.rt.running('init1'));
  assert.equal(t.rt.running('app'), undefined);
  assert.equal(t.cs('app').state!.waiting!.reason, 'PodInitializing');
  const initCond = t.status().conditions!.find((c) => c.type === 'Initialized')!;
  assert.equal(initCond.status, 'False');
  assert.equal(initCond.message, 'containers with incomplete status: [init1]');
  t.rt.exit(t.rt.running('init1')!, 0);
  await t.settle();
  assert.ok(t.rt.running('app'));
  assert.equal(t.status().phase, 'Running');
  assert.equal(t.status().initContainerStatuses![0].state!.terminated!.reason, 'Completed');
  t.w.stop();
});

test('failed init container with restartPolicy Never fails the pod', async () => {
  const t = await setup(makePod({
    restartPolicy: 'Never',
    initContainers: [{ name: 'init1', image: 'busybox', command: ['false'] }],
    containers: [{ name: 'app', image: 'busybox', command: ['sleep', '1'] }],
  }));
  t.rt.exit(t.rt.running('init1')!, 1);
  await t.settle();
  assert.equal(t.status().phase, 'Failed');
  assert.equal(t.rt.started.filter((c) => c.name === 'app').length, 0);
  t.w.stop();
});

test('missing ConfigMap: CreateContainerConfigError, then starts once it appears', async () => {
  const t = await setup(makePod({
    containers: [{
      name: 'c', image: 'busybox', command: ['sh', '-c', 'echo $(APPLOGLEVEL)'],
      env: [{ name: 'APPLOGLEVEL', valueFrom: { configMapKeyRef: { name: 'cm-appvars', key: 'apploglevel' } } }],
    }],
  }));
  assert.deepEqual(t.cs('c').state!.waiting, { reason: 'CreateContainerConfigError', message: 'configmap "cm-appvars" not found' });
  t.client.put(Resources.configmaps, { metadata: { name: 'cm-appvars', namespace: 'default' }, data: { other: 'x' } });
  await t.clock.step(2_100);
  await t.settle();
  assert.equal(t.cs('c').state!.waiting!.message, "couldn't find key apploglevel in ConfigMap default/cm-appvars");
  t.client.put(Resources.configmaps, { metadata: { name: 'cm-appvars', namespace: 'default' }, data: { apploglevel: 'info' } });
  await t.clock.step(2_100);
  await t.settle();
  assert.ok(t.cs('c').state!.running);
  const cfg = t.rt.started.find((c) => c.name === 'c')!;
  assert.equal(cfg.env.APPLOGLEVEL, 'info');
  assert.deepEqual(cfg.argv, ['sh', '-c', 'echo info']);
  t.w.stop();
});

test('unknown image without command: ErrImagePull then ImagePullBackOff', async () => {
  const t = await setup(makePod({ containers: [{ name: 'c', image: 'nosuch/image' }] }));
  assert.equal(t.cs('c').state!.waiting!.reason, 'ErrImagePull');
  await t.clock.step(10_100);
  await t.settle();
  assert.equal(t.cs('c').state!.waiting!.reason, 'ImagePullBackOff');
  t.w.stop();
});

test('deletion: SIGTERM with the grace period, then DELETE gracePeriodSeconds=0 and directory removed', async () => {
  const pod = one('Always');
  const t = await setup(pod);
  const cid = t.rt.running('c')!;
  const deleting: Pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } };
  t.w.update(deleting);
  await t.settle();
  assert.deepEqual(t.rt.stops.find((s) => s.id === cid), { id: cid, graceMs: 30_000 });
  const del = t.client.calls.find((c) => c.verb === 'delete' && c.plural === 'pods')!;
  assert.deepEqual(del.body, { gracePeriodSeconds: 0, preconditions: { uid: 'uid1' } });
  assert.ok(t.isTerminated());
  assert.equal(fs.existsSync(path.join(t.rootDir, 'pods', 'uid1')), false);
  assert.ok(t.client.events().some((e) => e.reason === 'Killing' && e.message === 'Stopping container c'));
});

test('status: conditions, IPs, containerID and events as Kubernetes words them', async () => {
  const t = await setup(one('Always'));
  const st = t.status();
  assert.equal(st.podIP, '10.244.0.2');
  assert.deepEqual(st.podIPs, [{ ip: '10.244.0.2' }]);
  assert.deepEqual(st.hostIPs, [{ ip: '127.0.0.1' }]);
  assert.deepEqual(st.conditions!.map((c) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
  assert.match(t.cs('c').containerID!, /^tskube:\/\//);
  assert.equal(t.cs('c').image, 'docker.io/library/busybox:latest');
  assert.equal(t.cs('c').started, true);
  const msgs = t.client.events().map((e) => `${e.reason}: ${e.message}`);
  assert.deepEqual(msgs, ['Pulled: Container image "busybox" already present on machine', 'Created: Created container c', 'Started: Started container c']);
  t.w.stop();
});

test('a failed sync is always logged at error level with the pod and container (no debug switch needed)', async () => {
  const lines: string[] = [];
  configureLogging({ format: 'json', destination: { write: (s: string) => { lines.push(s); return true; } } as unknown as NodeJS.WritableStream });
  try {
    const pod = one('Always');
    const clock = new FakeClock();
    const client = new FakeClient();
    client.put(Resources.pods, pod as unknown as KubeObject);
    const rt = new FakeRuntime(() => clock.now());
    rt.createContainer = async () => { throw new Error('runtime socket closed'); };
    const w = new PodWorker(pod, {
      client, runtime: rt, clock, recorder: new KubeletEventRecorder(client, 'n1', clock), backoff: new Backoff(clock),
      config: clientConfigSource(client), node: { cpu: 2, memory: 2 ** 30 }, nodeName: 'n1', hostIP: '127.0.0.1',
      rootDir: fs.mkdtempSync(path.join(os.tmpdir(), 'agent-test-')), onTerminated() {},
    });
    w.kick();
    await w.whenIdle();
    const errors = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'error');
    assert.equal(errors.length, 1, lines.join(''));
    const e = errors[0] as { msg: string; component: string; node: string; pod: string; podUID: string; container: string; err: { message: string; stack: string } };
    assert.deepEqual([e.msg, e.component, e.node, e.pod, e.podUID, e.container], ['Error syncing pod, skipping', 'kubelet', 'n1', 'default/p', 'uid1', 'c']);
    assert.equal(e.err.message, 'runtime socket closed');
    assert.match(e.err.stack, /runtime socket closed/);
    w.stop();
  } finally {
    configureLogging({});
  }
});
