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

test('deepClone copies a decoded object deeply, equal to structuredClone and sharing nothing', () => {
  const src = JSON.parse('{"a":{"b":[1,"x",null,{"c":true}],"e":{}},"n":-1.5,"s":"","l":[]}') as Record<string, any>;
  const c = deepClone(src);
  assert.deepEqual(c, structuredClone(src));
  assert.notEqual(c.a, src.a);
  assert.notEqual(c.a.b, src.a.b);
  assert.notEqual(c.a.b[3], src.a.b[3]);
  c.a.b[3].c = false;
  assert.equal(src.a.b[3].c, true);
});

test('deepClone keeps undefined-valued keys and an own "__proto__" key as a key', () => {
  const src = JSON.parse('{"__proto__":{"polluted":1},"k":"v"}') as Record<string, unknown>;
  src.u = undefined;
  const c = deepClone(src);
  assert.equal(Object.getPrototypeOf(c), Object.prototype);
  assert.deepEqual(Object.keys(c), ['__proto__', 'k', 'u']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(c, '__proto__')?.value, { polluted: 1 });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('deepClone copies what is not plain JSON as structuredClone does', () => {
  const d = new Date('2026-01-02T03:04:05Z');
  const c = deepClone({ d, bytes: new Uint8Array([1, 2]) });
  assert.ok(c.d instanceof Date);
  assert.equal(c.d.getTime(), d.getTime());
  assert.notEqual(c.d, d);
  assert.deepEqual([...c.bytes], [1, 2]);
});
