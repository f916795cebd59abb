import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Toleration } from '../nodelifecycle/pod-conditions.js';
import type { Taint } from '../nodelifecycle/taints.js';
import { getMatchingTolerations, getMinTolerationTime, toleratesTaint } from './tolerations.js';

const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const dedicated: Taint = { key: 'dedicated', value: 'db', effect: 'NoExecute' };

describe('toleratesTaint', () => {
  const cases: [string, Toleration, Taint, boolean][] = [
    ['Exists on the key', { key: unreachable.key, operator: 'Exists' }, unreachable, true],
    ['Exists without key tolerates everything', { operator: 'Exists' }, dedicated, true],
    ['other effect', { key: unreachable.key, operator: 'Exists', effect: 'NoSchedule' }, unreachable, false],
    ['Equal with the value', { key: 'dedicated', operator: 'Equal', value: 'db' }, dedicated, true],
    ['empty operator means Equal', { key: 'dedicated', value: 'db' }, dedicated, true],
    ['Equal with another value', { key: 'dedicated', value: 'web' }, dedicated, false],
    ['other key', { key: 'x', operator: 'Exists' }, dedicated, false],
    ['unknown operator', { key: 'dedicated', operator: 'Gt', value: 'db' }, dedicated, false],
  ];
  for (const [name, t, taint, want] of cases) it(name, () => assert.equal(toleratesTaint(t, taint), want));
});

describe('getMatchingTolerations and getMinTolerationTime', () => {
  it('needs every taint tolerated', () => {
    assert.deepEqual(getMatchingTolerations([unreachable, dedicated], [{ key: unreachable.key, operator: 'Exists' }]), { allTolerated: false, used: [] });
    assert.deepEqual(getMatchingTolerations([], []), { allTolerated: true, used: [] });
  });
  it('returns the first matching toleration per taint', () => {
    const a: Toleration = { key: unreachable.key, operator: 'Exists', tolerationSeconds: 30 };
    const b: Toleration = { operator: 'Exists', tolerationSeconds: 10 };
    assert.deepEqual(getMatchingTolerations([unreachable, dedicated], [a, b]), { allTolerated: true, used: [a, b] });
  });
  const times: [string, Toleration[], number][] = [
    ['none: evict now', [], 0],
    ['no limit: forever', [{ operator: 'Exists' }], -1],
    ['the shortest', [{ tolerationSeconds: 300 }, { tolerationSeconds: 20 }, {}], 20_000],
    ['zero or negative: now', [{ tolerationSeconds: 300 }, { tolerationSeconds: -5 }], 0],
  ];
  for (const [name, ts, want] of times) it(`min toleration: ${name}`, () => assert.equal(getMinTolerationTime(ts), want));
});
