import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONSchemaProps } from '../types.js';
import { prune } from './pruning.js';
import { applyDefaults, pruneNonNullableNullsWithoutDefaults } from './defaulting.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer', default: 1 },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { a: { type: 'string' } } } } },
        items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer', default: 80 } } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        nested: { type: 'object', default: {}, properties: { mode: { type: 'string', default: 'fast' } } },
        maybe: { type: 'string', nullable: true },
        never: { type: 'string' },
      },
    },
  },
};

describe('pruning (unknown fields dropped and reported)', () => {
  it('drops fields the schema does not specify and returns their sorted paths', () => {
    const obj = {
      apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n' },
      spec: { replicas: 2, extra: 1, items: [{ name: 'a', bad: true }], labels: { a: 'b' }, free: { anything: 1, known: { a: 'x', b: 'y' } }, template: { apiVersion: 'v1', kind: 'Pod', whatever: 1 } },
      other: 1,
    };
    const unknown = prune(obj, schema, true);
    assert.deepEqual(unknown, ['other', 'spec.extra', 'spec.free.known.b', 'spec.items[0].bad']);
    assert.deepEqual(obj, {
      apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n' },
      spec: { replicas: 2, items: [{ name: 'a' }], labels: { a: 'b' }, free: { anything: 1, known: { a: 'x' } }, template: { apiVersion: 'v1', kind: 'Pod', whatever: 1 } },
    });
  });
});

describe('defaulting', () => {
  it('fills missing and null non-nullable fields, in nested objects and list items, from copies', () => {
    const obj: Record<string, unknown> = { spec: { items: [{ name: 'a' }, { name: 'b', port: 81 }], maybe: null } };
    applyDefaults(obj, schema);
    assert.deepEqual(obj, { spec: { replicas: 1, nested: { mode: 'fast' }, items: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }], maybe: null } });
    const again: Record<string, unknown> = { spec: { replicas: null } };
    applyDefaults(again, schema);
    assert.equal((again.spec as { replicas: number }).replicas, 1);
  });

  it('drops nulls that are neither nullable nor defaulted', () => {
    const obj = { spec: { never: null, maybe: null, replicas: null } };
    pruneNonNullableNullsWithoutDefaults(obj, schema);
    assert.deepEqual(obj, { spec: { maybe: null, replicas: null } });
  });
});
