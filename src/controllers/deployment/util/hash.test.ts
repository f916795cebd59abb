import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAFE_ENCODE_ALPHANUMS, canonicalJSON, computeHash, fnv32a, safeEncodeString } from './hash.js';

const enc = (s: string) => new TextEncoder().encode(s);

test('fnv32a matches the FNV-1a reference vectors', () => {
  assert.equal(fnv32a(enc('')), 0x811c9dc5);
  assert.equal(fnv32a(enc('a')), 0xe40c292c);
  assert.equal(fnv32a(enc('foobar')), 0xbf9cf968);
  // Continuing a hash equals hashing the concatenation.
  assert.equal(fnv32a(enc('bar'), fnv32a(enc('foo'))), fnv32a(enc('foobar')));
});

test('safeEncodeString maps digits as rand.SafeEncodeString does (27-letter alphabet, code point modulo)', () => {
  assert.equal(SAFE_ENCODE_ALPHANUMS.length, 27);
  assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  // The ReplicaSet of the book's first example decodes back to a uint32.
  const decode = (h: string) => [...h].map((c) => '0123456789'['456789bcdf'.indexOf(c)]).join('');
  assert.equal(decode('7c5ddbdf54'), '3718868910');
  assert.ok(Number(decode('7c5ddbdf54')) <= 0xffffffff);
});

test('canonicalJSON ignores key order and null members', () => {
  assert.equal(canonicalJSON({ b: 1, a: { d: null, c: [1, { y: 2, x: 1 }] } }), '{"a":{"c":[1,{"x":1,"y":2}]},"b":1}');
});

test('computeHash: stable, order-independent, at most 10 safe characters, changed by template and collisionCount', () => {
  const t1 = { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } };
  const t1b = { spec: { containers: [{ image: 'nginx:1.25', name: 'nginx' }] }, metadata: { labels: { app: 'nginx' } } };
  const t2 = { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } };
  const h = computeHash(t1);
  assert.equal(h, computeHash(t1b));
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.notEqual(h, computeHash(t2));
  assert.notEqual(h, computeHash(t1, 1));
  assert.notEqual(computeHash(t1, 1), computeHash(t1, 2));
  // collisionCount 0 still changes the input (upstream writes the 8 bytes whenever it is set).
  assert.notEqual(h, computeHash(t1, 0));
  // Only digit characters reach the encoder: 4-9, b, c, d, f.
  for (let i = 0; i < 50; i++) assert.match(computeHash({ i }), /^[456789bcdf]+$/);
});
