import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/cycle-state.js';
import { makeNode, makePod } from '../../testing/wrappers.js';
import { ErrReasonNodeName, NodeName } from './node-name.js';

test('NodeName filter', () => {
  const cases = [
    { name: 'no host specified', pod: makePod().name('p'), node: 'foo', want: undefined },
    { name: 'host matches', pod: makePod().name('p').node('foo'), node: 'foo', want: undefined },
    { name: 'host does not match', pod: makePod().name('p').node('bar'), node: 'foo', want: ErrReasonNodeName },
  ];
  for (const c of cases) {
    const s = new NodeName().filter(new CycleState(), c.pod.info(), makeNode().name(c.node).info());
    assert.equal(s?.message(), c.want, c.name);
    if (c.want) assert.equal(s?.code, 'UnschedulableAndUnresolvable', c.name);
  }
});

test('NodeName hint: only the named node being added helps', () => {
  const hint = new NodeName().eventsToRegister()[0].hint!;
  const pod = makePod().name('p').node('foo').obj();
  assert.equal(hint(pod, undefined, makeNode().name('foo').obj()), 'Queue');
  assert.equal(hint(pod, undefined, makeNode().name('bar').obj()), 'QueueSkip');
});
