import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goPlusV, unstructuredConvertError } from './smp-errors.js';

test('goPlusV prints a decoded JSON value as fmt %+v prints the map: sorted keys, spaces, raw strings, <nil>', () => {
  assert.equal(goPlusV({ spec: { replicas: 'two' } }), 'map[spec:map[replicas:two]]');
  assert.equal(goPlusV({ spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } }, metadata: { labels: null } }),
    'map[metadata:map[labels:<nil>] spec:map[template:map[spec:map[containers:[map[image:nginx:1.25 name:nginx]]]]]]');
  assert.equal(goPlusV({ $setElementOrder: [1, 2.5, true, 1e-7] }), 'map[$setElementOrder:[1 2.5 true 1e-07]]');
});

test('unstructuredConvertError words a type error as DefaultUnstructuredConverter does', () => {
  const e = (what: string, type: string) => `json: cannot unmarshal ${what} into Go struct field DeploymentSpec.spec.x of type ${type}`;
  assert.equal(unstructuredConvertError(e('string', 'int32')), 'unrecognized type: int32');
  assert.equal(unstructuredConvertError(e('bool', 'string')), 'unrecognized type: string');
  assert.equal(unstructuredConvertError(e('number', 'string')), 'cannot convert int64 to string');
  assert.equal(unstructuredConvertError(e('number 1.5', 'int32')), 'cannot convert float64 to int32');
  assert.equal(unstructuredConvertError(e('number', 'bool')), 'unrecognized type: bool');
  assert.equal(unstructuredConvertError(e('string', '[]v1.Container')), 'cannot restore slice from string');
  assert.equal(unstructuredConvertError(e('array', 'map[string]string')), 'cannot restore map from slice');
  assert.equal(unstructuredConvertError(e('string', 'v1.PodSpec')), 'cannot restore struct from: string');
  assert.equal(unstructuredConvertError(e('number', 'v1.PodSpec')), 'cannot restore struct from: int64');
  // other messages (strict decoding, quantities, times) are the converter's too
  assert.equal(unstructuredConvertError('strict decoding error: unknown field "spec.replicaz"'), 'strict decoding error: unknown field "spec.replicaz"');
});
