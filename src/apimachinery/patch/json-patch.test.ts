import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.js';
import { applyJsonPatch } from './json-patch.js';

test('applyJsonPatch applies RFC 6902 operations', () => {
  const doc = { metadata: { labels: { a: '1' } }, spec: { replicas: 1, list: [1, 2] } };
  const cases: Array<[string, unknown[], unknown]> = [
    ['add', [{ op: 'add', path: '/metadata/labels/b', value: '2' }], { metadata: { labels: { a: '1', b: '2' } }, spec: { replicas: 1, list: [1, 2] } }],
    ['replace', [{ op: 'replace', path: '/spec/replicas', value: 3 }], { metadata: { labels: { a: '1' } }, spec: { replicas: 3, list: [1, 2] } }],
    ['remove', [{ op: 'remove', path: '/metadata/labels/a' }], { metadata: { labels: {} }, spec: { replicas: 1, list: [1, 2] } }],
    ['append', [{ op: 'add', path: '/spec/list/-', value: 3 }], { metadata: { labels: { a: '1' } }, spec: { replicas: 1, list: [1, 2, 3] } }],
    ['test then replace', [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 2 }], { metadata: { labels: { a: '1' } }, spec: { replicas: 2, list: [1, 2] } }],
    ['move', [{ op: 'move', from: '/spec/replicas', path: '/spec/count' }], { metadata: { labels: { a: '1' } }, spec: { count: 1, list: [1, 2] } }],
    ['copy', [{ op: 'copy', from: '/spec/replicas', path: '/spec/count' }], { metadata: { labels: { a: '1' } }, spec: { replicas: 1, count: 1, list: [1, 2] } }],
    ['empty', [], doc],
  ];
  for (const [name, ops, want] of cases) {
    const before = structuredClone(doc);
    assert.deepEqual(applyJsonPatch(doc, ops), want, name);
    assert.deepEqual(doc, before, `${name}: input untouched`);
  }
});

test('applyJsonPatch errors as kube-apiserver reports them', () => {
  const generic = 'the server rejected our request due to an error in our request';
  const cases: Array<[string, unknown, number, string]> = [
    ['not a list', { op: 'add' }, 400, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
    ['op not an object', ['x'], 400, 'json: cannot unmarshal string into Go value of type jsonpatch.Operation'],
    ['failed test', [{ op: 'test', path: '/a', value: 2 }], 422, generic],
    ['missing parent', [{ op: 'add', path: '/x/y', value: 1 }], 422, generic],
    ['remove missing', [{ op: 'remove', path: '/nope' }], 422, generic],
    ['replace missing', [{ op: 'replace', path: '/nope', value: 1 }], 422, generic],
    ['unknown op', [{ op: 'frob', path: '/a' }], 422, generic],
    // before: these replaced the whole object by an array, stored with a 200
    ['replace the whole document', [{ op: 'replace', path: '', value: [null] }], 422, generic],
    ['add the whole document', [{ op: 'add', path: '', value: {} }], 422, generic],
    ['remove the whole document', [{ op: 'remove', path: '' }], 422, generic],
    ['move the whole document', [{ op: 'move', from: '', path: '/b' }], 422, generic],
    ['a value nested past MAX_JSON_DEPTH', [{ op: 'add', path: '/b', value: JSON.parse('['.repeat(5000) + ']'.repeat(5000)) }], 400, "invalid character '[' exceeded max depth"],
  ];
  for (const [name, ops, code, message] of cases) {
    assert.throws(() => applyJsonPatch({ a: 1 }, ops), (e: unknown) => {
      assert.ok(e instanceof StatusError, name);
      assert.equal(e.code, code, name);
      assert.equal(e.message, message, name);
      if (code === 422) assert.equal(e.reason, 'Invalid', name);
      return true;
    });
  }
  const tooMany = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/a', value: 1 }));
  assert.throws(() => applyJsonPatch({ a: 1 }, tooMany), (e: unknown) => e instanceof StatusError && e.code === 413
    && e.message === 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001');
});
