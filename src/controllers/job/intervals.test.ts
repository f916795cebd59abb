import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIntervals, hasIndex, mergeIntervals, parseIndexesFromString, totalIndexes, withOrderedIndexes } from './intervals.js';

describe('completion index intervals', () => {
  const cases: { name: string; in: string; completions: number; want: [number, number][]; out: string }[] = [
    { name: 'empty', in: '', completions: 5, want: [], out: '' },
    { name: 'single', in: '3', completions: 5, want: [[3, 3]], out: '3' },
    { name: 'two in a row print with a comma', in: '1,2', completions: 5, want: [[1, 2]], out: '1,2' },
    { name: 'three or more print as a range', in: '0-2,4', completions: 5, want: [[0, 2], [4, 4]], out: '0-2,4' },
    { name: 'adjacent parts join', in: '0-1,2-3', completions: 10, want: [[0, 3]], out: '0-3' },
    { name: 'indexes past completions are dropped', in: '1,3-8,9', completions: 5, want: [[1, 1], [3, 4]], out: '1,3,4' },
    { name: 'a corrupted part is skipped', in: '1,x,3', completions: 5, want: [[1, 1], [3, 3]], out: '1,3' },
  ];
  for (const c of cases) {
    it(`parse/format: ${c.name}`, () => {
      const iv = parseIndexesFromString(c.in, c.completions);
      assert.deepEqual(iv.map((x) => [x.first, x.last]), c.want);
      assert.equal(formatIntervals(iv), c.out);
    });
  }

  it('withOrderedIndexes merges new indexes, joining neighbours', () => {
    const iv = withOrderedIndexes(parseIndexesFromString('0,5-6', 10), [1, 3, 4, 9]);
    assert.equal(formatIntervals(iv), '0,1,3-6,9');
    assert.equal(totalIndexes(iv), 7);
  });

  it('mergeIntervals is a union', () => {
    const a = parseIndexesFromString('0-2,7', 10);
    const b = parseIndexesFromString('2-4,8', 10);
    assert.equal(formatIntervals(mergeIntervals(a, b)), '0-4,7,8');
  });

  it('hasIndex', () => {
    const iv = parseIndexesFromString('1,3-5,9', 10);
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 9, 10].map((i) => hasIndex(iv, i)), [false, true, false, true, true, true, false, true, false]);
    assert.equal(hasIndex(undefined, 0), false);
  });
});
