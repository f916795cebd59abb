import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareKeys, keyRangeEnd } from './key-range.js';

describe('keyRangeEnd', () => {
  it('increments the last character, so [prefix, end) holds exactly the keys with the prefix', () => {
    assert.equal(keyRangeEnd('/registry/pods/'), '/registry/pods0');
    assert.equal(keyRangeEnd('a'), 'b');
    assert.equal(keyRangeEnd(''), null);
    assert.equal(keyRangeEnd('a\u{10FFFF}'), 'b');
    assert.equal(keyRangeEnd('\u{10FFFF}'), null);
  });
});

describe('compareKeys', () => {
  it('orders by code point like UTF-8 bytes, not by UTF-16 units', () => {
    const keys = ['/b', '/a/x', '/a', '/\u{1F600}', '/\uFFFD', '/a0'];
    const bytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual([...keys].sort(compareKeys), bytes);
  });
});
