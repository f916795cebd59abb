import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newQueuedPodInfo } from '../../framework/types.js';
import { makePod } from '../../testing/wrappers.js';
import { PrioritySort } from './priority-sort.js';

test('PrioritySort: higher priority first, then earlier timestamp', () => {
  const q = (prio: number, ts: number) => newQueuedPodInfo(makePod().name(`p${prio}-${ts}`).priority(prio).info(), ts);
  const pl = new PrioritySort();
  const cases = [
    { name: 'higher priority wins', a: q(10, 5), b: q(1, 1), want: true },
    { name: 'lower priority loses', a: q(1, 1), b: q(10, 5), want: false },
    { name: 'equal priority, earlier wins', a: q(5, 1), b: q(5, 2), want: true },
    { name: 'equal priority, later loses', a: q(5, 2), b: q(5, 1), want: false },
  ];
  for (const c of cases) assert.equal(pl.less(c.a, c.b), c.want, c.name);
});
