import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneJSON } from './clone.js';

test('cloneJSON copies a decoded object deeply, equal to structuredClone and sharing nothing', () => {
  const src = JSON.parse('{"a":{"b":[1,"x",null,{"c":true}],"e":{}},"n":-1.5,"s":"","l":[]}') as Record<string, any>;
  const c = cloneJSON(src);
  assert.deepEqual(c, structuredClone(src));
  assert.notEqual(c.a, src.a);
  assert.notEqual(c.a.b, src.a.b);
  assert.notEqual(c.a.b[3], src.a.b[3]);
  c.a.b[3].c = false;
  assert.equal(src.a.b[3].c, true);
});

test('cloneJSON keeps undefined-valued keys and an own "__proto__" key as a key', () => {
  const src = JSON.parse('{"__proto__":{"polluted":1},"k":"v"}') as Record<string, unknown>;
  src.u = undefined;
  const c = cloneJSON(src);
  assert.equal(Object.getPrototypeOf(c), Object.prototype);
  assert.deepEqual(Object.keys(c), ['__proto__', 'k', 'u']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(c, '__proto__')?.value, { polluted: 1 });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('cloneJSON copies what is not plain JSON as structuredClone does', () => {
  const d = new Date('2026-01-02T03:04:05Z');
  const c = cloneJSON({ d, bytes: new Uint8Array([1, 2]) });
  assert.ok(c.d instanceof Date);
  assert.equal(c.d.getTime(), d.getTime());
  assert.notEqual(c.d, d);
  assert.deepEqual([...c.bytes], [1, 2]);
});
