import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { customResourcePrinter } from './printer.js';
import { findResults, parseJSONPath } from './jsonpath.js';

const now = new Date('2024-01-01T01:00:00Z');
const obj = {
  metadata: { name: 'x', creationTimestamp: '2024-01-01T00:55:00Z' },
  spec: { cronSpec: '* * * * */5', replicas: 3, ratio: 1.5, tags: ['a', 'b'], on: true },
  status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }] },
};

describe('custom resource printer columns', () => {
  it('evaluates JSONPath columns by type, missing values empty', () => {
    const p = customResourcePrinter([
      { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio', priority: 1 },
      { name: 'Tags', type: 'string', jsonPath: '.spec.tags' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'On', type: 'boolean', jsonPath: '.spec.on' },
      { name: 'Missing', type: 'string', jsonPath: '.spec.nothing' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]);
    assert.deepEqual(p.columns.map((c) => [c.name, c.type, c.priority]), [
      ['Name', 'string', 0], ['Spec', 'string', 0], ['Replicas', 'integer', 0], ['Ratio', 'number', 1], ['Tags', 'string', 0],
      ['Ready', 'string', 0], ['On', 'boolean', 0], ['Missing', 'string', 0], ['Age', 'date', 0],
    ]);
    assert.equal(p.columns[1].description, 'Custom resource definition column (in JSONPath format): .spec.cronSpec');
    assert.deepEqual(p.cells(obj, now), ['x', '* * * * */5', 3, 1.5, '["a","b"]', 'True', true, null, '5m']);
  });

  it('serves an Age column when a version declares none', () => {
    const p = customResourcePrinter(undefined);
    assert.deepEqual(p.columns.map((c) => c.name), ['Name', 'Age']);
    assert.deepEqual(p.cells(obj, now), ['x', '5m']);
  });

  it('JSONPath: indexes, slices, wildcards and recursive descent', () => {
    assert.deepEqual(findResults(parseJSONPath('{.spec.tags[-1]}'), obj), ['b']);
    assert.deepEqual(findResults(parseJSONPath('.spec.tags[0:1]'), obj), ['a']);
    assert.deepEqual(findResults(parseJSONPath('.status.conditions[*].type'), obj), ['Synced', 'Ready']);
    assert.deepEqual(findResults(parseJSONPath("..['type']"), obj), ['Synced', 'Ready']);
  });
});
