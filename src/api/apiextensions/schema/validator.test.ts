import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../../apimachinery/errors.js';
import type { JSONSchemaProps } from '../types.js';
import { FieldPath } from './path.js';
import { validateValue } from './validator.js';

const CRON = '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$';
const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['image'],
      properties: {
        cronSpec: { type: 'string', pattern: CRON },
        image: { type: 'string', minLength: 2, maxLength: 5 },
        replicas: { type: 'integer', minimum: 1, maximum: 10 },
        ratio: { type: 'number', exclusiveMaximum: true, maximum: 1.5, multipleOf: 0.5 },
        mode: { type: 'string', enum: ['fast', 'slow'] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2 },
        port: { 'x-kubernetes-int-or-string': true },
        id: { type: 'string', format: 'uuid' },
        when: { type: 'string', format: 'date-time' },
        labels: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 1 },
        any: { anyOf: [{ type: 'string' }, { type: 'integer' }] } as JSONSchemaProps,
        maybe: { type: 'string', nullable: true },
      },
    },
  },
};

const messages = (value: unknown) => validateValue(FieldPath.nil(), schema, value).map(fieldErrorMessage);

describe('custom resource value validation (kube-openapi, Kubernetes\' messages)', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['valid object', { image: 'nginx', cronSpec: '* * * * */5', replicas: 3, ratio: 0.5, port: 'http', maybe: null }, []],
    ['pattern', { image: 'nginx', cronSpec: 'x' }, [`spec.cronSpec: Invalid value: "x": spec.cronSpec in body should match '${CRON}'`]],
    ['minimum', { image: 'nginx', replicas: 0 }, ['spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1']],
    ['maximum', { image: 'nginx', replicas: 20 }, ['spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10']],
    ['exclusive maximum and multipleOf', { image: 'nginx', ratio: 1.75 }, [
      'spec.ratio: Invalid value: 1.75: spec.ratio in body should be a multiple of 0.5',
      'spec.ratio: Invalid value: 1.75: spec.ratio in body should be less than 1.5',
    ]],
    ['type', { image: 'nginx', replicas: 'many' }, ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']],
    ['null where not nullable', { image: null }, ['spec.image: Invalid value: "null": spec.image in body must be of type string: "null"']],
    ['required', {}, ['spec.image: Required value']],
    ['maxLength', { image: 'toolongname' }, ['spec.image: Too long: may not be more than 5 bytes']],
    ['minLength', { image: 'x' }, ['spec.image: Invalid value: "x": spec.image in body should be at least 2 chars long']],
    ['enum', { image: 'nginx', mode: 'medium' }, ['spec.mode: Unsupported value: "medium": supported values: "fast", "slow"']],
    ['minItems', { image: 'nginx', tags: [] }, ['spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items']],
    ['maxItems', { image: 'nginx', tags: ['a', 'b', 'c'] }, ['spec.tags: Too many: 3: must have at most 2 items']],
    ['items type', { image: 'nginx', tags: [1] }, ['spec.tags[0]: Invalid value: "integer": spec.tags[0] in body must be of type string: "integer"']],
    ['int-or-string', { image: 'nginx', port: true }, ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']],
    ['format uuid', { image: 'nginx', id: 'nope' }, ['spec.id: Invalid value: "nope": spec.id in body must be of type uuid: "nope"']],
    ['format date-time', { image: 'nginx', when: '2024-01-01T10:00:00Z' }, []],
    ['maxProperties', { image: 'nginx', labels: { a: 'x', b: 'y' } }, ['spec.labels: Too many: 2: must have at most 1 items']],
    ['additionalProperties schema', { image: 'nginx', labels: { a: 1 } }, ['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']],
    ['anyOf', { image: 'nginx', any: true }, [
      '<nil>: Invalid value: "": "spec.any" must validate at least one schema (anyOf)',
      'spec.any: Invalid value: "boolean": spec.any in body must be of type string: "boolean"',
    ]],
  ];
  for (const [name, spec, want] of cases) {
    it(name, () => assert.deepEqual(messages({ spec }), want));
  }

  it('oneOf and not', () => {
    const s: JSONSchemaProps = { type: 'object', properties: { v: { type: 'integer', oneOf: [{ minimum: 0 }, { maximum: 10 }], not: { enum: [7] } } as JSONSchemaProps } };
    assert.deepEqual(validateValue(FieldPath.nil(), s, { v: 5 }).map(fieldErrorMessage), ['<nil>: Invalid value: "": "v" must validate one and only one schema (oneOf). Found 2 valid alternatives']);
    assert.deepEqual(validateValue(FieldPath.nil(), s, { v: 7 }).map(fieldErrorMessage), [
      '<nil>: Invalid value: "": "v" must validate one and only one schema (oneOf). Found 2 valid alternatives',
      '<nil>: Invalid value: "": "v" must not validate the schema (not)',
    ]);
  });

  it('status subresource errors sit under status with paths relative to it', () => {
    const status: JSONSchemaProps = { type: 'object', properties: { replicas: { type: 'integer' } } };
    assert.deepEqual(validateValue(FieldPath.root('status'), status, { replicas: 'x' }).map(fieldErrorMessage),
      ['status.replicas: Invalid value: "string": replicas in body must be of type integer: "string"']);
  });
});
