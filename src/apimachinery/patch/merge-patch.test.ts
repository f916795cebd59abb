import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.js';
import { applyMergePatch } from './merge-patch.js';

test('applyMergePatch follows RFC 7396', () => {
  const cases: Array<[string, unknown, unknown, unknown]> = [
    ['scale', { spec: { replicas: 1, selector: { a: 'b' } } }, { spec: { replicas: 5 } }, { spec: { replicas: 5, selector: { a: 'b' } } }],
    ['null deletes', { metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { a: null } } }, { metadata: { labels: { b: '2' } } }],
    ['lists replace', { spec: { containers: [{ name: 'a' }, { name: 'b' }] } }, { spec: { containers: [{ name: 'c', x: null }] } }, { spec: { containers: [{ name: 'c' }] } }],
    ['new nested object drops nulls', {}, { a: { b: null, c: 1 } }, { a: { c: 1 } }],
    ['object replaces scalar', { a: 1 }, { a: { b: 2 } }, { a: { b: 2 } }],
    ['empty patch', { a: 1 }, {}, { a: 1 }],
  ];
  for (const [name, doc, patch, want] of cases) {
    const before = structuredClone(doc);
    assert.deepEqual(applyMergePatch(doc, patch), want, name);
    assert.deepEqual(doc, before, `${name}: input untouched`);
  }
});

test('applyMergePatch rejects patches that are not objects', () => {
  for (const p of [null, 'x', 3, []]) {
    assert.throws(() => applyMergePatch({}, p), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === 'Invalid JSON Patch', JSON.stringify(p));
  }
});

// before: mergeValue recursed once per level and overflowed the stack (a 500 InternalError)
test('applyMergePatch: a patch nested past MAX_JSON_DEPTH is a 400 in the decoder\'s words', () => {
  const patch = JSON.parse('{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}');
  assert.throws(() => applyMergePatch({}, patch), (e: unknown) =>
    e instanceof StatusError && e.code === 400 && e.message === "error decoding patch: invalid character '[' exceeded max depth");
  const shallow = JSON.parse('{"a":'.repeat(50) + '1' + '}'.repeat(50));
  assert.deepEqual(applyMergePatch({}, shallow), shallow);
});
