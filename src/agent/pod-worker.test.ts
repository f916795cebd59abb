import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/resource.js';
import { Resources } from '../client/types.js';
import { FakeClock } from '../util/clock.js';
import { configureLogging } from '../util/log.js';
import { Backoff } from '../util/backoff.js';
import { KubeletEventRecorder } from './events.js';
import { clientConfigSource } from './node-agent.js';
import { canonicalJSON, PodWorker, VOLUME_REFRESH_MS } from './pod-worker.js';
import { NETWORK_UNAVAILABLE } from '../runtime/types.js';
import { FakeClient } from '../client/testing/fake-client.js';
import { FakeRuntime } from '../runtime/testing/fake-runtime.js';
import { setupPodWorker, tmpDir } from './testing/pod-worker-harness.js';

function makePod(spec: Partial<Pod['spec']> & { containers: NonNullable<Pod['spec']>['containers'] }): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'uid1', resourceVersion: '1' },
    spec: { nodeName: 'n1', terminationGracePeriodSeconds: 30, ...spec },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] },
  };
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
      const t = await setupPodWorker(row.pod(policy));
      assert.equal(t.status().phase, 'Running');
      for (const [name, code, reason] of row.exits) t.rt.exit(t.rt.running(name)!, code, reason);
      await t.settle();
      assert.equal(t.status().phase, row.want[policy]);
      t.w.stop();
    });
  }
}

test('CrashLoopBackOff: immediate first restart, then 10s, 20s back-off with Kubernetes wording', async () => {
  const t = await setupPodWorker(one('Always'));
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

test('a container that exits shows Terminated before its restart or back-off (get pods -w: Error, then Running or CrashLoopBackOff)', async () => {
  const t = await setupPodWorker(one('Always'));
  /** shown lists what each status write said of container c: state and restart count */
  const shown = () => t.client.calls.filter((c) => c.verb === 'patch/status').map((c) => {
    const cs = (c.body as { status: PodStatus }).status.containerStatuses![0];
    const st = cs.state!;
    return `${st.running ? 'Running' : st.terminated ? st.terminated.reason : st.waiting!.reason} ${cs.restartCount}`;
  });
  t.rt.exit(t.rt.running('c')!, 1);
  await t.settle();
  assert.deepEqual(shown().slice(-2), ['Error 0', 'Running 1']);
  t.rt.exit(t.rt.running('c')!, 1);
  await t.settle();
  assert.deepEqual(shown().slice(-2), ['Error 1', 'CrashLoopBackOff 1']);
  t.w.stop();
});

test('startSeenAfterMs: a container that dies at once is shown only ended, never Running and Ready; one that keeps running shows Running once it has run that long', async () => {
  const crash = await setupPodWorker(one('Always'), { deps: { startSeenAfterMs: 250 } });
  const shown = (t: typeof crash) => t.client.calls.filter((c) => c.verb === 'patch/status').map((c) => {
    const st = (c.body as { status: PodStatus }).status;
    const cs = st.containerStatuses![0];
    const state = cs.state!.running ? 'Running' : cs.state!.terminated ? cs.state!.terminated.reason : cs.state!.waiting!.reason;
    return `${state} ${cs.restartCount} ready=${st.conditions?.find((x) => x.type === 'Ready')?.status}`;
  });
  assert.deepEqual(shown(crash), ['ContainerCreating 0 ready=False'], 'the start is not seen yet');
  await crash.clock.step(100);
  crash.rt.exit(crash.rt.running('c')!, 1);
  await crash.settle();
  await crash.clock.step(100);
  crash.rt.exit(crash.rt.running('c')!, 1);
  await crash.settle();
  assert.ok(shown(crash).every((l) => !l.startsWith('Running') && !l.endsWith('ready=True')), shown(crash).join(', '));
  assert.deepEqual(shown(crash).slice(-2), ['Error 1 ready=False', 'CrashLoopBackOff 1 ready=False']);
  crash.w.stop();

  const runs = await setupPodWorker(one('Always'), { deps: { startSeenAfterMs: 250 } });
  await runs.clock.step(249);
  await runs.settle();
  assert.equal(runs.status().phase, 'Pending');
  await runs.clock.step(1);
  await runs.settle();
  assert.deepEqual(shown(runs).at(-1), 'Running 0 ready=True');
  assert.equal(runs.status().phase, 'Running');
  runs.w.stop();
});

test('a liveness kill restarts at once unless the instance before it ended within the back-off (kubelet: kill and start in one SyncPod)', async () => {
  const t = await setupPodWorker(makePod({ containers: [{ name: 'c', image: 'busybox', command: ['sh'],
    livenessProbe: { exec: { command: ['cat', '/tmp/health'] }, periodSeconds: 1, failureThreshold: 1 } }] }));
  t.rt.execExitCode = () => 1;
  const backOffs = () => t.client.events().filter((e) => e.reason === 'BackOff').length;
  // 1st kill: no instance had exited before it, so no back-off; 2nd: the 1st instance ended
  // before any back-off began; 3rd: the 2nd instance ended a second ago, within the 10s back-off
  for (const [kills, running] of [[1, true], [2, true], [3, false]] as const) {
    const before = t.rt.stops.length;
    for (let i = 0; i < 20 && t.rt.stops.length === before; i++) { await t.clock.step(1_000); await t.settle(); }
    assert.equal(t.rt.stops.length, before + 1, `kill ${kills}`);
    await t.settle();
    assert.equal(!!t.rt.running('c'), running, `running after kill ${kills}`);
    assert.equal(backOffs(), running ? 0 : 1, `BackOff events after kill ${kills}`);
    assert.equal(t.cs('c').restartCount, running ? kills : kills - 1);
  }
  assert.equal(t.cs('c').state!.waiting!.reason, 'CrashLoopBackOff');
  t.w.stop();
});

test('back-off resets after the container ran 10 minutes', async () => {
  const t = await setupPodWorker(one('Always'));
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
  const t = await setupPodWorker(makePod({
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

test('a sidecar (restartable init container) starts before the app containers and keeps running beside them; it is restarted when it stops, and READY counts it', async () => {
  const t = await setupPodWorker(makePod({
    initContainers: [{ name: 'side', image: 'busybox', command: ['sleep', '3600'], restartPolicy: 'Always' }, { name: 'init2', image: 'busybox', command: ['true'] }],
    containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }],
  }));
  // the sidecar runs; the next init container starts beside it, not after it
  assert.ok(t.rt.running('side'));
  t.rt.exit(t.rt.running('init2')!, 0);
  await t.settle();
  assert.ok(t.rt.running('side'), 'the sidecar is still running');
  assert.ok(t.rt.running('app'));
  const st = t.status();
  assert.equal(st.phase, 'Running');
  const side = st.initContainerStatuses!.find((c) => c.name === 'side')!;
  assert.deepEqual([!!side.state!.running, side.started, side.ready], [true, true, true]);
  assert.deepEqual(st.conditions!.filter((c) => c.type !== 'PodScheduled' && c.type !== 'PodReadyToStartContainers').map((c) => `${c.type}=${c.status}`), ['Initialized=True', 'Ready=True', 'ContainersReady=True']);
  // a sidecar that stops is started again, under restartPolicy Always of its own
  t.rt.exit(t.rt.running('side')!, 1);
  await t.settle();
  assert.ok(t.rt.running('side'), 'restarted');
  assert.equal(t.status().initContainerStatuses!.find((c) => c.name === 'side')!.restartCount, 1);
  assert.equal(t.rt.started.filter((c) => c.name === 'init2').length, 1, 'the one-time init container is not run again');
  t.w.stop();
});

test('a Job-like pod (restartPolicy Never) with a sidecar: once the app container is done the sidecar is stopped and the pod Succeeded', async () => {
  const t = await setupPodWorker(makePod({
    restartPolicy: 'Never',
    initContainers: [{ name: 'side', image: 'busybox', command: ['sleep', '3600'], restartPolicy: 'Always' }],
    containers: [{ name: 'app', image: 'busybox', command: ['true'] }],
  }));
  assert.ok(t.rt.running('side'));
  t.rt.exit(t.rt.running('app')!, 0);
  await t.settle();
  assert.equal(t.rt.running('side'), undefined, 'the sidecar was stopped');
  assert.equal(t.status().phase, 'Succeeded');
  t.w.stop();
});

test('failed init container with restartPolicy Never fails the pod', async () => {
  const t = await setupPodWorker(makePod({
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
  const t = await setupPodWorker(makePod({
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
  const t = await setupPodWorker(makePod({ containers: [{ name: 'c', image: 'nosuch/image' }] }));
  assert.equal(t.cs('c').state!.waiting!.reason, 'ErrImagePull');
  await t.clock.step(10_100);
  await t.settle();
  assert.equal(t.cs('c').state!.waiting!.reason, 'ImagePullBackOff');
  t.w.stop();
});

test('an image that is not found: every pull says Pulling, Failed and ErrImagePull; each retry also the back-off (counts as the kubelet\'s)', async () => {
  const t = await setupPodWorker(makePod({ containers: [{ name: 'c', image: 'nosuch/image' }] }));
  await t.clock.step(10_100);
  await t.settle();
  await t.clock.step(20_100);
  await t.settle();
  const counts = new Map<string, number>();
  for (const [k, e] of t.client.objects.entries()) {
    if (!k.startsWith('events/')) continue;
    const key = `${e.reason as string}: ${e.message as string}`;
    counts.set(key, (counts.get(key) ?? 0) + ((e.count as number | undefined) ?? 1));
  }
  assert.deepEqual(Object.fromEntries(counts), {
    'Pulling: Pulling image "nosuch/image"': 3,
    'Failed: image "nosuch/image" unknown': 3,   // the fake runtime's pull error
    'Failed: Error: ErrImagePull': 3,
    'BackOff: Back-off pulling image "nosuch/image"': 2,
    'Failed: Error: ImagePullBackOff': 2,
  });
  t.w.stop();
});

test('deletion: SIGTERM with the grace period, then DELETE gracePeriodSeconds=0 and directory removed', async () => {
  const pod = one('Always');
  const t = await setupPodWorker(pod);
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
  // the last status before the DELETE is terminal (kubelet's SyncTerminatingPod): the fake's stop is a 137
  const statuses = t.client.calls.filter((c) => c.verb === 'patch/status').map((c) => (c.body as { status: PodStatus }).status);
  const last = statuses[statuses.length - 1];
  assert.equal(last.phase, 'Failed');
  assert.equal(last.containerStatuses![0].state!.terminated!.exitCode, 137);
  const lastPatch = Math.max(...t.client.calls.map((c, i) => (c.verb === 'patch/status' ? i : -1)));
  assert.ok(t.client.calls.indexOf(del) > lastPatch, 'the status is written before the DELETE');
});

test('deletion while the sandbox is being made: no container is started (the kubelet cancels a running SyncPod when the pod turns terminating)', async () => {
  const pod = one('Always');
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const t = await setupPodWorker(pod, {
    prepare: (rt) => {
      const run = rt.runPodSandbox.bind(rt);
      rt.runPodSandbox = async (config) => { await gate; return run(config); };
    },
  });
  // a ReplicaSet with enough pods deletes an adopted bare pod at once (the ReplicaSet page's pod1 and pod2)
  t.w.update({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } });
  release();
  await t.settle();
  assert.deepEqual([t.rt.containers.size, t.rt.started.length], [0, 0]);
  assert.ok(t.isTerminated());
  assert.ok(t.client.calls.some((c) => c.verb === 'delete' && c.plural === 'pods'));
});

test('deletion right after a start: the terminating pod is reported Running (its container runs) while it gets its grace period, as SyncTerminatingPod reports it', async () => {
  const pod = one('Always');
  const t = await setupPodWorker(pod, { deps: { startSeenAfterMs: 250 } });
  const phases = () => t.client.calls.filter((c) => c.verb === 'patch/status').map((c) => (c.body as { status: PodStatus }).status.phase);
  assert.deepEqual(phases(), ['Pending'], 'the start is not seen yet');
  await t.clock.step(100);
  const stopsBefore = t.rt.stops.length;
  let phasesAtKill: (string | undefined)[] = [];
  const stop = t.rt.stopContainer.bind(t.rt);
  t.rt.stopContainer = async (id: string, graceMs: number) => { phasesAtKill = phases(); return stop(id, graceMs); };
  t.w.update({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } });
  await t.settle();
  assert.equal(t.rt.stops.length, stopsBefore + 1);
  assert.deepEqual(phasesAtKill, ['Pending', 'Running'], 'Running is written before the container is stopped');
  assert.ok(t.isTerminated());
});

test('deletion: a container that exits 0 on SIGTERM leaves the pod Succeeded (get pods -w: Completed) under restartPolicy Always', async () => {
  const pod = one('Always');
  const t = await setupPodWorker(pod);
  const cid = t.rt.running('c')!;
  t.rt.stopContainer = async (id: string) => { t.rt.exit(id, 0); };
  t.w.update({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } });
  await t.settle();
  assert.equal(t.rt.running('c'), undefined, cid);
  const statuses = t.client.calls.filter((c) => c.verb === 'patch/status').map((c) => (c.body as { status: PodStatus }).status);
  assert.equal(statuses[statuses.length - 1].phase, 'Succeeded');
});

test('status: conditions, IPs, containerID and events as Kubernetes words them', async () => {
  const t = await setupPodWorker(one('Always'));
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

test('events: imagePullPolicy Always pulls (the process runtime looks the image up in its catalog), as the kubelet reports a pull', async () => {
  const t = await setupPodWorker(makePod({ containers: [{ name: 'c', image: 'busybox', command: ['sh'], imagePullPolicy: 'Always' }] }));
  const msgs = t.client.events().map((e) => `${e.reason}: ${e.message}`);
  assert.equal(msgs[0], 'Pulling: Pulling image "busybox"');
  assert.match(msgs[1], /^Pulled: Successfully pulled image "busybox" in \d+(\.\d+)?m?s \(\d+(\.\d+)?m?s including waiting\)\. Image size: \d+ bytes\.$/);
  assert.deepEqual(msgs.slice(2), ['Created: Created container c', 'Started: Started container c']);
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
      rootDir: tmpDir('agent-test-'), onTerminated() {},
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

// ---------------------------------------------------------------- pod sandbox and network

/** typedEvents are the recorded events with their type (Normal/Warning). */
function typedEvents(client: FakeClient): { type: string; reason: string; message: string }[] {
  return [...client.objects.entries()].filter(([k]) => k.startsWith('events/')).map(([, e]) => ({ type: e.type as string, reason: e.reason as string, message: e.message as string }));
}

test('the pod runs in a sandbox of its own network: status.podIP(s) is the sandbox\'s, /etc/hosts is mounted with it', async () => {
  const t = await setupPodWorker(one('Always'));
  const sb = t.rt.sandboxOf('p')!;
  assert.equal(sb.linux.namespaces.options.network, 'POD');
  assert.equal(sb.metadata.attempt, 0);
  assert.equal(t.status().podIP, sb.network!.ip);
  assert.equal(t.status().hostIP, '127.0.0.1');
  const cfg = t.rt.started.find((c) => c.name === 'c')!;
  const hosts = cfg.mounts.find((m) => m.containerPath === '/etc/hosts')!;
  assert.match(fs.readFileSync(hosts.hostPath, 'utf8'), new RegExp(`^# Kubernetes-managed hosts file\\.\\n[^]*\\n${sb.network!.ip.replaceAll('.', '\\.')}\\tp\\n$`));
  const created = t.rt.sandboxes.get(sb.id)!.config;
  assert.deepEqual(created.dnsConfig!.searches.slice(0, 3), ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
  assert.deepEqual(created.dnsConfig!.servers, ['10.96.0.10']);
  assert.equal(created.hostname, 'p');
  t.w.stop();
});

test('network not ready (no podCIDR yet): the pod waits with the kubelet\'s NetworkNotReady event, then starts once it is', async () => {
  const t = await setupPodWorker(one('Always'), { prepare: (rt) => { rt.network = { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' }; } });
  assert.equal(t.rt.sandboxes.size, 0);
  assert.equal(t.status().phase, 'Pending');
  assert.equal(t.status().podIP, undefined);
  assert.deepEqual(t.cs('c').state!.waiting, { reason: 'ContainerCreating' });
  const ev = typedEvents(t.client).filter((e) => e.reason === 'NetworkNotReady');
  assert.deepEqual(ev.map((e) => `${e.type} ${e.message}`), ['Warning network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized']);
  t.rt.network = { type: 'NetworkReady', status: true };
  await t.clock.step(1_000);
  await t.settle();
  assert.ok(t.rt.running('c'));
  assert.equal(t.status().phase, 'Running');
  assert.match(t.status().podIP!, /^10\.244\.0\./);
  t.w.stop();
});

test('no pod network on this node (not root, no CNI plugins): the pod shares the node\'s network, with a warning saying why', async () => {
  const why = 'CNI plugins not installed (bridge not found in /usr/lib/cni) — apt-get install containernetworking-plugins';
  const t = await setupPodWorker(one('Always'), { prepare: (rt) => { rt.network = { type: 'NetworkReady', status: false, reason: NETWORK_UNAVAILABLE, message: why }; } });
  assert.equal(t.rt.sandboxOf('p')!.linux.namespaces.options.network, 'NODE');
  assert.ok(t.rt.running('c'));
  assert.equal(t.status().podIP, '127.0.0.1');
  const ev = typedEvents(t.client).filter((e) => e.reason === 'HostNetworkFallback');
  assert.equal(ev.length, 1);
  assert.equal(ev[0].type, 'Warning');
  assert.ok(ev[0].message!.includes(why), ev[0].message);
  assert.ok(ev[0].message!.includes('apt-get install containernetworking-plugins'));
  t.w.stop();
});

test('two pods in the node\'s network wanting one port: the second gets a clear CreateContainerError, and starts once the port is free', async () => {
  const clock = new FakeClock();
  const client = new FakeClient();
  const rt = new FakeRuntime(() => clock.now());
  rt.network = { type: 'NetworkReady', status: false, reason: NETWORK_UNAVAILABLE, message: 'the node agent is not root, so it cannot create network namespaces' };
  const web = (name: string, uid: string): Pod => ({ ...makePod({ containers: [{ name: 'nginx', image: 'nginx', command: ['nginx'], ports: [{ containerPort: 80 }] }] }), metadata: { name, namespace: 'default', uid, resourceVersion: '1' } });
  const workers: PodWorker[] = [];
  const nodePortsInUse = (except: string) => {
    const m = new Map<string, string>();
    for (const w of workers) if (w.uid !== except && w.inNodeNetwork) m.set('80/TCP', `default/${w.current.metadata!.name}`);
    return m;
  };
  const a = await setupPodWorker(web('web1', 'u1'), { clock, client, rt, deps: { nodePortsInUse } });
  workers.push(a.w);
  const b = await setupPodWorker(web('web2', 'u2'), { clock, client, rt, deps: { nodePortsInUse } });
  workers.push(b.w);
  await b.clock.step(2_100);
  await b.settle();
  assert.equal(a.cs('nginx').state!.running !== undefined, true);
  assert.deepEqual(b.cs('nginx').state!.waiting, {
    reason: 'CreateContainerError',
    message: 'port 80/TCP is already in use on node n1 by pod default/web1; pods share the node\'s network: the node agent is not root, so it cannot create network namespaces',
  });
  assert.ok(client.events().some((e) => e.reason === 'Failed' && e.message!.startsWith('Error: port 80/TCP is already in use on node n1 by pod default/web1')));
  a.w.update({ ...a.w.current, metadata: { ...a.w.current.metadata, deletionTimestamp: '2026-01-01T00:00:01Z', deletionGracePeriodSeconds: 0 } });
  await a.settle();
  await b.clock.step(2_100);
  await b.settle();
  assert.ok(b.cs('nginx').state!.running, JSON.stringify(b.cs('nginx').state));
  b.w.stop();
});

test('a sandbox that dies is re-created (SandboxChanged): its containers are killed and start again in the new one, with a new address', async () => {
  const t = await setupPodWorker(makePod({
    initContainers: [{ name: 'init', image: 'busybox', command: ['true'] }],
    containers: [{ name: 'c', image: 'busybox', command: ['sh'] }],
  }));
  t.rt.exit(t.rt.running('init')!, 0);
  await t.settle();
  const first = t.rt.sandboxOf('p')!;
  const oldC = t.rt.running('c')!;
  t.rt.killSandbox(first.id);
  await t.settle();
  assert.ok(t.client.events().some((e) => e.reason === 'SandboxChanged' && e.message === 'Pod sandbox changed, it will be killed and re-created.'));
  const second = t.rt.sandboxOf('p')!;
  assert.notEqual(second.id, first.id);
  assert.equal(second.metadata.attempt, 1);
  assert.ok(!t.rt.sandboxes.has(first.id), 'the dead sandbox is removed');
  assert.equal((await t.rt.containerStatus(oldC))?.phase ?? 'exited', 'exited');
  // init containers run again in the new sandbox, then the app container
  assert.ok(t.rt.running('init'));
  t.rt.exit(t.rt.running('init')!, 0);
  await t.settle();
  assert.ok(t.rt.running('c'));
  assert.equal(t.status().podIP, second.network!.ip);
  assert.notEqual(second.network!.ip, first.network!.ip);
  t.w.stop();
});

test('hostNetwork: the sandbox is in the node\'s network, podIP is the node\'s, /etc/hosts is the node\'s under the kubelet\'s header', async () => {
  const hostsFile = path.join(tmpDir('hosts-'), 'hosts');
  fs.writeFileSync(hostsFile, '127.0.0.1\tlocalhost\n192.0.2.2\tvm\n');
  const t = await setupPodWorker(makePod({ hostNetwork: true, containers: [{ name: 'c', image: 'busybox', command: ['sh'] }] }), { deps: { hostsFile } });
  const sb = t.rt.sandboxOf('p')!;
  assert.equal(sb.linux.namespaces.options.network, 'NODE');
  assert.equal(t.rt.sandboxes.get(sb.id)!.config.hostname, '');
  assert.deepEqual(t.status().podIPs, [{ ip: '127.0.0.1' }]);
  const hosts = t.rt.started[0].mounts.find((m) => m.containerPath === '/etc/hosts')!;
  assert.equal(fs.readFileSync(hosts.hostPath, 'utf8'), '# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n192.0.2.2\tvm\n');
  assert.ok(!t.client.events().some((e) => e.reason === 'HostNetworkFallback'));
  t.w.stop();
});

test('deletion releases the sandbox (its address) before the pod object goes; a finished pod releases it too', async () => {
  const pod = one('Always');
  const t = await setupPodWorker(pod);
  const sb = t.rt.sandboxOf('p')!;
  t.w.update({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } });
  await t.settle();
  assert.ok(t.rt.calls.includes(`removePodSandbox ${sb.id}`));
  assert.equal(t.rt.sandboxes.size, 0);
  assert.ok(t.isTerminated());

  const done = await setupPodWorker({ ...one('Never'), metadata: { name: 'q', namespace: 'default', uid: 'uid2', resourceVersion: '1' } });
  const sb2 = done.rt.sandboxOf('q')!;
  done.rt.exit(done.rt.running('c')!, 0);
  await done.settle();
  assert.equal(done.status().phase, 'Succeeded');
  assert.ok(!done.rt.sandboxes.has(sb2.id), 'a Succeeded pod gives its address back');
  assert.equal(done.status().podIP, sb2.network!.ip, 'status keeps the address it had');
  done.w.stop();
});

test('a new agent adopts the ready sandbox its predecessor left (the pod keeps its address) and restarts the stopped container', async () => {
  const pod = one('Always');
  const t = await setupPodWorker(pod);
  const sb = t.rt.sandboxOf('p')!;
  const old = t.rt.running('c')!;
  t.w.stop();
  t.rt.exit(old, 137, 'Error');
  const again = await setupPodWorker(pod, { clock: t.clock, client: t.client, rt: t.rt });
  assert.equal(again.rt.sandboxOf('p')!.id, sb.id);
  assert.equal(again.status().podIP, sb.network!.ip);
  assert.ok(again.rt.running('c'));
  assert.equal(again.cs('c').restartCount, 1);
  assert.equal(again.cs('c').lastState!.terminated!.exitCode, 137);
  again.w.stop();
});

test('a cluster stopped and started again: a finished pod is not run again (its status and logs stay); a running one goes on counting restarts from its log files', async () => {
  // The first agent: a Job-like pod that completes and a Deployment-like one that runs.
  const done = await setupPodWorker({ ...one('Never'), metadata: { name: 'done', namespace: 'default', uid: 'uid-done', resourceVersion: '1' } });
  done.rt.exit(done.rt.running('c')!, 0);
  await done.settle();
  assert.equal(done.status().phase, 'Succeeded');
  const logs = (uid: string) => path.join(done.rootDir, 'pods', uid, 'containers', 'c');
  // The fake runtime writes no logs: the process runtime's file of attempt 0.
  fs.mkdirSync(logs('uid-done'), { recursive: true });
  fs.writeFileSync(path.join(logs('uid-done'), '0.log'), '2026-01-01T00:00:00.000000000Z stdout F done\n');
  done.w.stop();
  const runs = await setupPodWorker({ ...one('Always'), metadata: { name: 'runs', namespace: 'default', uid: 'uid-runs', resourceVersion: '1' } }, { clock: done.clock, client: done.client, rootDir: done.rootDir });
  assert.equal(runs.cs('c').restartCount, 0);
  fs.mkdirSync(logs('uid-runs'), { recursive: true });
  fs.writeFileSync(path.join(logs('uid-runs'), '0.log'), '');
  runs.w.stop();

  // Started again: the runtime kept nothing (a stopped cluster stops its containers).
  const fresh = new FakeRuntime(() => done.clock.now());
  const stored = (name: string) => done.client.objects.get(`pods/default/${name}`) as unknown as Pod;
  const writesBefore = done.client.calls.filter((c) => c.verb === 'patch/status').length;
  const again = await setupPodWorker(stored('done'), { clock: done.clock, client: done.client, rt: fresh, rootDir: done.rootDir });
  assert.equal(fresh.running('c'), undefined, 'a finished pod never runs again');
  assert.equal(fresh.sandboxOf('done'), undefined, 'nor gets a sandbox (an address)');
  assert.equal(again.status().phase, 'Succeeded');
  assert.equal(done.client.calls.filter((c) => c.verb === 'patch/status').length, writesBefore, 'its status is left as it was');
  assert.equal(again.w.containerInstance('c')?.logPath, path.join(logs('uid-done'), '0.log'), 'its log is still served');
  again.w.stop();

  const resumed = await setupPodWorker(stored('runs'), { clock: done.clock, client: done.client, rt: fresh, rootDir: done.rootDir });
  assert.ok(fresh.running('c'), 'a running pod runs again');
  assert.equal(resumed.cs('c').restartCount, 1, 'RESTARTS goes on from the log files');
  assert.equal(resumed.w.containerInstance('c', true)?.logPath, undefined, 'no previous instance is known to have terminated');
  resumed.w.stop();
});

test('termination message: the file mounted at terminationMessagePath becomes state.terminated.message; FallbackToLogsOnError uses the log of a failed container', async () => {
  const t = await setupPodWorker(makePod({
    restartPolicy: 'Never',
    containers: [
      { name: 'file', image: 'busybox', command: ['sh'], terminationMessagePath: '/dev/termination-custom-log' },
      { name: 'logs', image: 'busybox', command: ['sh'], terminationMessagePolicy: 'FallbackToLogsOnError' },
    ],
  }));
  const cfg = (name: string) => t.rt.started.find((c) => c.name === name)!;
  const mount = cfg('file').mounts.find((m) => m.containerPath === '/dev/termination-custom-log');
  assert.ok(mount, 'the termination message file is mounted at its path');
  assert.ok(cfg('logs').mounts.some((m) => m.containerPath === '/dev/termination-log'));
  fs.writeFileSync(mount.hostPath, 'DONE');
  fs.mkdirSync(path.dirname(cfg('logs').logPath), { recursive: true });
  fs.writeFileSync(cfg('logs').logPath, '2024-01-01T00:00:00.000000000Z stdout F failed here\n');
  t.rt.exit(t.rt.running('file')!, 0);
  t.rt.exit(t.rt.running('logs')!, 1);
  await t.settle();
  assert.equal(t.cs('file').state?.terminated?.message, 'DONE');
  assert.equal(t.cs('logs').state?.terminated?.message, 'failed here\n');
  t.w.stop();
});

test('ConfigMap volumes follow edits of a quiet running pod (periodic volume refresh)', async () => {
  const client = new FakeClient();
  client.put(Resources.configmaps, { metadata: { name: 'cfg', namespace: 'default' }, data: { 'data-1': 'value-1' } });
  const t = await setupPodWorker(makePod({
    volumes: [{ name: 'v', configMap: { name: 'cfg' } }],
    containers: [{ name: 'c', image: 'busybox', command: ['sh'], volumeMounts: [{ name: 'v', mountPath: '/etc/cfg' }] }],
  }), { client });
  const file = path.join(t.rt.started[0].mounts.find((m) => m.containerPath === '/etc/cfg')!.hostPath, 'data-1');
  assert.equal(fs.readFileSync(file, 'utf8'), 'value-1');
  client.put(Resources.configmaps, { metadata: { name: 'cfg', namespace: 'default' }, data: { 'data-1': 'value-2' } });
  await t.clock.step(VOLUME_REFRESH_MS + 100);
  await t.settle();
  assert.equal(fs.readFileSync(file, 'utf8'), 'value-2');
  t.w.stop();
});

test('lifecycle hooks: postStart runs in the container after it starts, preStop before it is stopped; a failed postStart kills it (FailedPostStartHook)', async () => {
  const t = await setupPodWorker(makePod({
    containers: [{
      name: 'c', image: 'busybox', command: ['sh'],
      lifecycle: { postStart: { exec: { command: ['echo', 'poststart'] } }, preStop: { exec: { command: ['echo', 'prestop'] } } },
    }],
  }));
  const id = t.rt.running('c')!;
  assert.deepEqual(t.rt.execs, [{ id, argv: ['echo', 'poststart'] }]);
  assert.ok(t.cs('c').state!.running);
  const cur = t.w.current;
  t.w.update({ ...cur, metadata: { ...cur.metadata, deletionTimestamp: t.clock.now().toISOString(), deletionGracePeriodSeconds: 30 } });
  await t.settle();
  assert.deepEqual(t.rt.execs.map((e) => e.argv[1]), ['poststart', 'prestop']);
  t.w.stop();

  const f = await setupPodWorker(makePod({
    restartPolicy: 'Never',
    containers: [{ name: 'c', image: 'busybox', command: ['sh'], lifecycle: { postStart: { exec: { command: ['false'] } } } }],
  }), { prepare: (rt) => { rt.execExitCode = () => 1; } });
  await f.settle();
  assert.ok(f.cs('c').state!.terminated, JSON.stringify(f.cs('c').state));
  const events = [...f.client.objects.values()].filter((o) => (o as { kind?: string; reason?: string }).reason === 'FailedPostStartHook');
  assert.equal(events.length, 1);
  f.w.stop();
});

test('status: written once when the API hands back the same status with its keys in another order', async () => {
  const t = await setupPodWorker(one('Always'));
  const patches = () => t.client.calls.filter((c) => c.verb === 'patch/status' && c.plural === 'pods').length;
  const before = patches();
  assert.equal(t.status().phase, 'Running');
  // The API server's copy of a condition the agent keeps (PodScheduled) lists its keys in its own order.
  const reorder = (o: object) => Object.fromEntries(Object.entries(o).reverse());
  const cur = t.client.objects.get('pods/default/p') as unknown as Pod;
  const echoed: Pod = { ...cur, metadata: { ...cur.metadata, resourceVersion: '99' }, status: { ...cur.status, conditions: cur.status!.conditions!.map(reorder) as never } };
  t.w.update(echoed);
  await t.settle();
  assert.equal(patches(), before);
  assert.equal(canonicalJSON({ b: 1, a: { d: [{ f: 1, e: 2 }], c: null } }), '{"a":{"c":null,"d":[{"e":2,"f":1}]},"b":1}');
  t.w.stop();
});

test('status: a starting pod is first reported Pending with its containers waiting ContainerCreating (as the kubelet, before the sandbox), then Running, in that order', async () => {
  const t = await setupPodWorker(one('Always'));
  const statuses = t.client.calls
    .filter((c) => c.verb === 'patch/status' && c.plural === 'pods')
    .map((c) => (c.body as { status: PodStatus }).status);
  assert.ok(statuses.length >= 2, `${statuses.length} status writes`);
  assert.equal(statuses[0].phase, 'Pending');
  assert.deepEqual(statuses[0].containerStatuses?.map((s) => s.state), [{ waiting: { reason: 'ContainerCreating' } }]);
  assert.equal(statuses[0].podIP, undefined);
  assert.equal(statuses.at(-1)!.phase, 'Running');
  t.w.stop();
});
