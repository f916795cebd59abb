import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerEvents, listMatching } from './container-records.js';
import type { ContainerEvent, ContainerInfo } from './types.js';

const info = (id: string, sandboxId: string, podUid: string, phase: ContainerInfo['phase']): ContainerInfo => ({
  id, sandboxId, phase,
  config: { podUid, podName: 'p', podNamespace: 'default', name: 'c', attempt: 0, image: 'busybox', argv: ['sh'], env: {}, mounts: [], logPath: '/dev/null' },
});

test('listMatching selects by id, sandbox, pod and phase, and returns copies', () => {
  const all = [info('a', 's1', 'u1', 'running'), info('b', 's1', 'u1', 'exited'), info('c', 's2', 'u2', 'running')];
  assert.deepEqual(listMatching(all).map((i) => i.id), ['a', 'b', 'c']);
  assert.deepEqual(listMatching(all, { sandboxId: 's1', phase: 'running' }).map((i) => i.id), ['a']);
  assert.deepEqual(listMatching(all, { podUid: 'u2' }).map((i) => i.id), ['c']);
  assert.deepEqual(listMatching(all, { id: 'b' }).map((i) => i.id), ['b']);
  const [copy] = listMatching(all, { id: 'a' });
  copy.phase = 'exited';
  assert.equal(all[0].phase, 'running');
});

test('ContainerEvents reaches every subscriber, survives a throwing one, and stops after unsubscribe', () => {
  const events = new ContainerEvents();
  const seen: ContainerEvent[] = [];
  events.subscribe(() => { throw new Error('mine'); });
  const stop = events.subscribe((e) => seen.push(e));
  events.emit('c1', 's1', 'u1', 'CONTAINER_STARTED_EVENT');
  stop();
  events.emit('c2', 's1', 'u1', 'CONTAINER_STOPPED_EVENT');
  assert.deepEqual(seen, [{ containerId: 'c1', sandboxId: 's1', podUid: 'u1', type: 'CONTAINER_STARTED_EVENT' }]);
});
