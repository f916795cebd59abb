import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepClone, deepEqual } from './deep.js';

test('deepEqual compares JSON values structurally', () => {
  const cases: Array<[string, unknown, unknown, boolean]> = [
    ['same primitives', 1, 1, true],
    ['different primitives', 1, '1', false],
    ['null vs object', null, {}, false],
    ['nested equal', { a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }, true],
    ['key order does not matter', { a: 1, b: 2 }, { b: 2, a: 1 }, true],
    ['array order matters', [1, 2], [2, 1], false],
    ['array vs object', [], {}, false],
    ['undefined key counts as absent', { a: 1, b: undefined }, { a: 1 }, true],
    ['missing key', { a: 1 }, { a: 1, b: 2 }, false],
    ['null is a value', { a: null }, {}, false],
    ['different lengths', [1], [1, 1], false],
  ];
  for (const [name, a, b, want] of cases) {
    assert.equal(deepEqual(a, b), want, name);
    assert.equal(deepEqual(b, a), want, `${name} (swapped)`);
  }
});

test('deepClone copies without sharing', () => {
  const orig = { metadata: { labels: { app: 'x' } }, list: [1, { a: 2 }] };
  const copy = deepClone(orig);
  assert.deepEqual(copy, orig);
  copy.metadata.labels.app = 'y';
  (copy.list[1] as { a: number }).a = 3;
  assert.equal(orig.metadata.labels.app, 'x');
  assert.deepEqual(orig.list[1], { a: 2 });
});
