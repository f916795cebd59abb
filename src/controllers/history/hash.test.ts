import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeHash, controllerRevisionName, fnv32, fnv32a, goJSON, hashControllerRevision, safeEncodeString } from './hash.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('FNV-32', () => {
  it('matches the reference vectors of FNV-1 and FNV-1a', () => {
    assert.equal(fnv32(bytes('')), 0x811c9dc5);
    assert.equal(fnv32(bytes('a')), 0x050c5d7e);
    assert.equal(fnv32(bytes('foobar')), 0x31f0b262);
    assert.equal(fnv32a(bytes('a')), 0xe40c292c);
    assert.equal(fnv32a(bytes('foobar')), 0xbf9cf968);
  });
  it('continues from a seed as writing more bytes would', () => {
    assert.equal(fnv32a(bytes('bar'), fnv32a(bytes('foo'))), fnv32a(bytes('foobar')));
    assert.equal(fnv32(bytes('bar'), fnv32(bytes('foo'))), fnv32(bytes('foobar')));
  });
});

describe('safeEncodeString', () => {
  it('maps each character into the vowel-free alphabet', () => {
    assert.equal(safeEncodeString('0'), '4');
    assert.equal(safeEncodeString('9'), 'f');
    assert.match(safeEncodeString('3735928559'), /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  });
});

describe('goJSON', () => {
  it('sorts keys at every level, keeps array order, escapes HTML characters as Go does', () => {
    assert.equal(goJSON({ b: 1, a: { d: [3, 1], c: null } }), '{"a":{"c":null,"d":[3,1]},"b":1}');
    assert.equal(goJSON({ cmd: 'a && b <c>' }), '{"cmd":"a \\u0026\\u0026 b \\u003cc\\u003e"}');
  });
});

describe('computeHash and hashControllerRevision', () => {
  const t1 = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } };
  const t1Reordered = { spec: { containers: [{ image: 'busybox:1.36', name: 'c' }] }, metadata: { labels: { app: 'a' } } };
  const t2 = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] } };
  it('equal templates hash equal whatever the key order; other templates differ', () => {
    assert.equal(computeHash(t1), computeHash(t1Reordered));
    assert.notEqual(computeHash(t1), computeHash(t2));
    assert.match(computeHash(t1), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });
  it('a collision count moves the hash; absent and null are the same', () => {
    assert.notEqual(computeHash(t1, 1), computeHash(t1));
    assert.notEqual(computeHash(t1, 1), computeHash(t1, 2));
    assert.equal(computeHash(t1, null), computeHash(t1));
    assert.notEqual(hashControllerRevision(t1, 1), hashControllerRevision(t1, 0));
    assert.equal(hashControllerRevision(t1), hashControllerRevision(t1Reordered));
  });
  it('names are prefix-hash with the prefix cut to 223 characters', () => {
    assert.equal(controllerRevisionName('web', 'abc'), 'web-abc');
    assert.equal(controllerRevisionName('x'.repeat(300), 'abc').length, 227);
  });
});
