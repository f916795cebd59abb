import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CIDRRangeNoCIDRsRemainingError, CIDRSet, CIDRSetError } from './cidr-set.js';

type Step = ['next', string] | ['next-fails'] | ['occupy', string] | ['release', string] | ['allocated', string, boolean] | ['count', number];

// Each case replays operations on one set and checks each step's outcome.
const cases: { name: string; cluster: string; mask: number; steps: Step[] }[] = [
  {
    name: 'one /24 per node, in order', cluster: '10.244.0.0/16', mask: 24,
    steps: [['next', '10.244.0.0/24'], ['next', '10.244.1.0/24'], ['next', '10.244.2.0/24'], ['count', 3]],
  },
  {
    name: 'exhaustion, then release makes room (searching on from the last one handed out)', cluster: '10.0.0.0/22', mask: 24,
    steps: [
      ['next', '10.0.0.0/24'], ['next', '10.0.1.0/24'], ['next', '10.0.2.0/24'], ['next', '10.0.3.0/24'], ['next-fails'],
      ['release', '10.0.1.0/24'], ['count', 3], ['allocated', '10.0.1.0/24', false], ['next', '10.0.1.0/24'], ['next-fails'],
    ],
  },
  {
    name: 'a released range is not handed out again before the others', cluster: '10.0.0.0/22', mask: 24,
    steps: [['next', '10.0.0.0/24'], ['release', '10.0.0.0/24'], ['next', '10.0.1.0/24'], ['next', '10.0.2.0/24'], ['next', '10.0.3.0/24'], ['next', '10.0.0.0/24']],
  },
  {
    name: 'occupied ranges (nodes that already have one) are skipped', cluster: '10.244.0.0/16', mask: 24,
    steps: [['occupy', '10.244.0.0/24'], ['occupy', '10.244.1.0/24'], ['occupy', '10.244.1.0/24'], ['count', 2], ['next', '10.244.2.0/24'], ['allocated', '10.244.1.0/24', true]],
  },
  {
    name: 'occupying a wider range (a Service range inside the cluster CIDR) takes every subnet in it', cluster: '10.0.0.0/16', mask: 24,
    steps: [['occupy', '10.0.0.0/23'], ['count', 2], ['next', '10.0.2.0/24'], ['occupy', '10.0.0.0/8'], ['count', 256], ['next-fails']],
  },
  {
    name: 'mask size equal to the cluster prefix: a single range', cluster: '192.168.0.0/24', mask: 24,
    steps: [['next', '192.168.0.0/24'], ['next-fails'], ['release', '192.168.0.0/24'], ['next', '192.168.0.0/24']],
  },
  {
    name: '/26 per node', cluster: '172.16.0.0/24', mask: 26,
    steps: [['next', '172.16.0.0/26'], ['next', '172.16.0.64/26'], ['next', '172.16.0.128/26'], ['next', '172.16.0.192/26'], ['next-fails']],
  },
];

for (const c of cases) {
  test(`CIDRSet: ${c.name}`, () => {
    const set = new CIDRSet(c.cluster, c.mask);
    for (const [i, step] of c.steps.entries()) {
      const at = `step ${i} ${JSON.stringify(step)}`;
      switch (step[0]) {
        case 'next': assert.equal(set.allocateNext(), step[1], at); break;
        case 'next-fails': assert.throws(() => set.allocateNext(), CIDRRangeNoCIDRsRemainingError, at); break;
        case 'occupy': set.occupy(step[1]); break;
        case 'release': set.release(step[1]); break;
        case 'allocated': assert.equal(set.isAllocated(step[1]), step[2], at); break;
        case 'count': assert.equal(set.allocatedCount, step[1], at); break;
      }
    }
  });
}

test('CIDRSet: ranges outside the cluster CIDR and impossible mask sizes are errors', () => {
  const set = new CIDRSet('10.244.0.0/16', 24);
  assert.equal(set.capacity, 256);
  assert.throws(() => set.occupy('10.245.0.0/24'), (e: unknown) => e instanceof CIDRSetError && /out the range of cluster cidr 10\.244\.0\.0\/16/.test(e.message));
  assert.throws(() => new CIDRSet('10.244.0.0/16', 8), CIDRSetError);
  assert.throws(() => new CIDRSet('10.0.0.0/8', 28), CIDRSetError);
  assert.throws(() => new CIDRSet('10.244.0.0', 24), /invalid CIDR address/);
  assert.equal(new CIDRSet('10.0.0.0/8', 24).capacity, 65536);
});
