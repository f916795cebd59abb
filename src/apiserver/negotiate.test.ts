import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregatedDiscoveryVersion, negotiateOutput } from './negotiate.js';

test('kubectl get asks for a Table', () => {
  assert.equal(negotiateOutput('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'), 'table');
});

test('protobuf is skipped in favour of the JSON fallback', () => {
  assert.equal(negotiateOutput('application/vnd.kubernetes.protobuf,application/json'), 'json');
});

test('PartialObjectMetadataList and YAML are served', () => {
  assert.equal(negotiateOutput('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json'), 'metadata');
  assert.equal(negotiateOutput('application/yaml'), 'yaml');
  assert.equal(negotiateOutput(undefined), 'json');
});

test('an unserveable Accept is a 406', () => {
  assert.throws(() => negotiateOutput('application/vnd.kubernetes.protobuf'), (e: { code?: number }) => e.code === 406);
});

test('aggregated discovery prefers v2, accepts v2beta1, and plain JSON otherwise', () => {
  assert.equal(aggregatedDiscoveryVersion('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2');
  assert.equal(aggregatedDiscoveryVersion('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2beta1');
  assert.equal(aggregatedDiscoveryVersion('application/json, */*'), undefined);
});
