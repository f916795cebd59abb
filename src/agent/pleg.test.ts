import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeRuntime } from '../runtime/testing/fake-runtime.js';
import type { PodSandboxConfig } from '../runtime/types.js';
import { FakeClock } from '../util/clock.js';
import { diffSnapshots, GenericPLEG, generateEvents, type PlegState, type PodLifecycleEvent, type Snapshot } from './pleg.js';

// The kubelet's generateEvents, transition by transition.
const transitions: [PlegState, PlegState, string[]][] = [
  ['non-existent', 'running', ['ContainerStarted']],
  ['unknown', 'running', ['ContainerStarted']],
  ['running', 'exited', ['ContainerDied']],
  ['non-existent', 'exited', ['ContainerDied']],
  ['non-existent', 'unknown', ['ContainerChanged']],
  ['exited', 'non-existent', ['ContainerRemoved']],
  ['running', 'non-existent', ['ContainerDied', 'ContainerRemoved']],
  ['unknown', 'non-existent', ['ContainerDied', 'ContainerRemoved']],
  ['running', 'running', []],
  ['exited', 'exited', []],
];
for (const [from, to, want] of transitions) {
  test(`generateEvents: ${from} → ${to} gives [${want.join(', ')}]`, () => {
    assert.deepEqual(generateEvents('pod1', 'c1', false, from, to).map((e) => e.type), want);
  });
}

test('diffSnapshots: per pod and id, sandboxes flagged', () => {
  const snap = (entries: [string, string, PlegState, boolean][]): Snapshot => {
    const s: Snapshot = new Map();
    for (const [uid, id, state, sandbox] of entries) {
      if (!s.has(uid)) s.set(uid, new Map());
      s.get(uid)!.set(id, { state, sandbox });
    }
    return s;
  };
  const old = snap([['a', 's1', 'running', true], ['a', 'c1', 'running', false], ['b', 'c2', 'exited', false]]);
  const cur = snap([['a', 's1', 'exited', true], ['a', 'c1', 'exited', false], ['a', 'c3', 'running', false], ['c', 'c4', 'unknown', false]]);
  const got = diffSnapshots(old, cur).map((e) => `${e.podUid} ${e.id} ${e.type}${e.sandbox ? ' (sandbox)' : ''}`).sort();
  assert.deepEqual(got, [
    'a c1 ContainerDied', 'a c3 ContainerStarted', 'a s1 ContainerDied (sandbox)', 'b c2 ContainerRemoved', 'c c4 ContainerChanged',
  ]);
});

const sandboxConfig = (name: string): PodSandboxConfig => ({ metadata: { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 }, hostname: name });
const config = (podUid: string, name: string) => ({ podUid, podName: 'p', podNamespace: 'default', name, attempt: 0, image: 'busybox', argv: ['sh'], env: {}, mounts: [], logPath: '/dev/null' });

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

test('GenericPLEG relists every second on the injected clock and reports what changed since the last relist', async () => {
  const clock = new FakeClock();
  const rt = new FakeRuntime(() => clock.now(), undefined, false); // no event stream: only relisting finds changes
  const events: PodLifecycleEvent[] = [];
  const pleg = new GenericPLEG({ runtime: rt, clock, onEvent: (e) => events.push(e) });
  const ac = new AbortController();
  const running = pleg.run(ac.signal);
  await flush();
  assert.equal(events.length, 0);
  assert.ok(pleg.healthy());

  const sb = await rt.runPodSandbox(sandboxConfig('p'));
  const c = await rt.createContainer(sb, config('uid-p', 'main'), sandboxConfig('p'));
  await rt.startContainer(c);
  await flush();
  assert.equal(events.length, 0, 'nothing until the next relist');
  await clock.step(1000);
  await flush();
  assert.deepEqual(events.map((e) => `${e.type} ${e.id}`).sort(), [`ContainerStarted ${c}`, `ContainerStarted ${sb}`]);

  events.length = 0;
  rt.exit(c, 1);
  await clock.step(1000);
  await flush();
  assert.deepEqual(events, [{ podUid: 'uid-p', type: 'ContainerDied', id: c, sandbox: false }]);

  events.length = 0;
  await rt.removeContainer(c);
  rt.killSandbox(sb);
  await clock.step(1000);
  await flush();
  assert.deepEqual(events.map((e) => `${e.type} ${e.id} ${e.sandbox}`).sort(), [`ContainerDied ${sb} true`, `ContainerRemoved ${c} false`]);

  events.length = 0;
  await clock.step(5000);
  await flush();
  assert.equal(events.length, 0, 'a steady runtime gives no events');
  ac.abort();
  await running;
});

test('GenericPLEG: a runtime\'s container events make it relist at once (no clock step)', async () => {
  const clock = new FakeClock();
  const rt = new FakeRuntime(() => clock.now());
  const events: PodLifecycleEvent[] = [];
  const pleg = new GenericPLEG({ runtime: rt, clock, onEvent: (e) => events.push(e) });
  const ac = new AbortController();
  const running = pleg.run(ac.signal);
  await flush();
  const sb = await rt.runPodSandbox(sandboxConfig('q'));
  const c = await rt.createContainer(sb, config('uid-q', 'main'), sandboxConfig('q'));
  await rt.startContainer(c);
  await flush();
  assert.ok(events.some((e) => e.type === 'ContainerStarted' && e.id === c));
  rt.exit(c, 0);
  await flush();
  assert.ok(events.some((e) => e.type === 'ContainerDied' && e.id === c));
  ac.abort();
  await running;
});

test('GenericPLEG: concurrent relists coalesce, and a failing handler does not stop the others', async () => {
  const clock = new FakeClock();
  const rt = new FakeRuntime(() => clock.now(), undefined, false);
  let lists = 0;
  const list = rt.listContainers.bind(rt);
  rt.listContainers = async (f) => { lists++; return list(f); };
  const seen: string[] = [];
  const pleg = new GenericPLEG({ runtime: rt, clock, onEvent: (e) => { if (e.sandbox) throw new Error('handler bug'); seen.push(e.id); } });
  const sb = await rt.runPodSandbox(sandboxConfig('r'));
  const c = await rt.createContainer(sb, config('uid-r', 'main'), sandboxConfig('r'));
  await rt.startContainer(c);
  await Promise.all([pleg.relist(), pleg.relist(), pleg.relist()]);
  assert.ok(lists <= 2, `${lists} lists for 3 concurrent relists`);
  assert.deepEqual(seen, [c]);
});
