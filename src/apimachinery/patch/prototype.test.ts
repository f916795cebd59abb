import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic.js';
import { patchSchemaFor } from './index.js';

// "__proto__" is an ordinary key to Kubernetes (Go maps); here it must never reach Object.prototype:
// a merge patch {"__proto__": {...}} once polluted every object and took the API server down.
test('a merge patch with a "__proto__" key sets an own key and pollutes nothing', () => {
  const out = applyMergePatch({ data: { a: '1' } }, JSON.parse('{"__proto__":{"polluted":"yes"},"data":{"__proto__":"x"}}')) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { polluted: 'yes' });
  assert.equal(Object.getOwnPropertyDescriptor(out.data as object, '__proto__')?.value, 'x');
  assert.equal(JSON.stringify(out.data), '{"a":"1","__proto__":"x"}');
});

test('a strategic merge patch with "__proto__" keys pollutes nothing', () => {
  const doc = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: 'b' } }, data: {} };
  const out = applyStrategicMergePatch(doc, JSON.parse('{"__proto__":{"polluted":"yes"},"metadata":{"labels":{"__proto__":"v"}},"data":{"__proto__":{"p":1}}}'), patchSchemaFor('', 'ConfigMap')) as Record<string, any>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(Object.getPrototypeOf(out.metadata.labels), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(out.metadata.labels, '__proto__')?.value, 'v');
});
