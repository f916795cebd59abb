import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregatedDiscoveryVersion, decodeBody, negotiateOutput, protobufPreference } from './negotiate.js';

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
  assert.throws(() => negotiateOutput('application/cbor'), (e: { code?: number }) => e.code === 406);
});

test('an endpoint without a table convertor refuses a Table (406) and serves the fallback a client offers', () => {
  const tableOnly = 'application/json;as=Table;v=v1;g=meta.k8s.io';
  assert.equal(negotiateOutput(tableOnly), 'table');
  assert.throws(() => negotiateOutput(tableOnly, { table: false }), (e: { code?: number; reason?: string }) => e.code === 406 && e.reason === 'NotAcceptable');
  assert.equal(negotiateOutput(`${tableOnly},application/json`, { table: false }), 'json');
  assert.equal(negotiateOutput('application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io', { table: false }), 'metadata');
});

test('protobuf is served when a client asks for it first, with JSON as the fallback it offers', () => {
  assert.equal(negotiateOutput('application/vnd.kubernetes.protobuf'), 'json');
  assert.deepEqual(protobufPreference('application/vnd.kubernetes.protobuf, application/json'), { jsonFallback: true });
  assert.deepEqual(protobufPreference('application/vnd.kubernetes.protobuf'), { jsonFallback: false });
  assert.equal(protobufPreference('application/json, application/vnd.kubernetes.protobuf'), undefined);
  assert.equal(protobufPreference('application/json;as=Table;v=v1;g=meta.k8s.io, application/json'), undefined);
  assert.equal(protobufPreference(undefined), undefined);
});

test('aggregated discovery prefers v2, accepts v2beta1, and plain JSON otherwise', () => {
  assert.equal(aggregatedDiscoveryVersion('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2');
  assert.equal(aggregatedDiscoveryVersion('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2beta1');
  assert.equal(aggregatedDiscoveryVersion('application/json, */*'), undefined);
});

test('request bodies: unknown media types are 415, non-objects are the decoder\'s 400, an empty Content-Type is JSON', () => {
  const code = (f: () => unknown) => { try { f(); return 0; } catch (e) { return (e as { code?: number }).code; } };
  const msg = (f: () => unknown) => { try { f(); return ''; } catch (e) { return (e as Error).message; } };
  assert.equal(code(() => decodeBody(Buffer.from('{}'), 'text/plain')), 415);
  assert.match(msg(() => decodeBody(Buffer.from('{}'), 'text/plain')), /^the body of the request was in an unknown format - accepted media types include: application\/json, application\/yaml, application\/vnd.kubernetes.protobuf$/);
  assert.deepEqual(decodeBody(Buffer.from('{"a":1}'), ''), { a: 1 });
  assert.deepEqual(decodeBody(Buffer.from('a: 1'), 'application/yaml; charset=utf-8'), { a: 1 });
  assert.equal(msg(() => decodeBody(Buffer.from('null'), 'application/json')), "Object 'Kind' is missing in 'null'");
  assert.equal(msg(() => decodeBody(Buffer.from('[1]'), 'application/json')), 'couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }');
  assert.equal(code(() => decodeBody(Buffer.from('- a'), 'application/yaml')), 400);
  assert.deepEqual(decodeBody(Buffer.from('null'), 'application/json', 'Pod'), {}, 'a typed endpoint defaults the kind: null is an empty object');
  assert.match(msg(() => decodeBody(Buffer.from('7'), 'application/json', 'Pod')), /^the object provided is unrecognized \(must be of type Pod\): couldn't get version\/kind; json parse error: json: cannot unmarshal number .* \(37\)$/);
});
