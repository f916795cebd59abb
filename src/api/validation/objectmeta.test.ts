import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../../apimachinery/errors.js';
import { findResource } from '../registry.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './objectmeta.js';

const pods = findResource('', 'v1', 'pods')!;
const namespaces = findResource('', 'v1', 'namespaces')!;
const services = findResource('', 'v1', 'services')!;

describe('validateObjectMeta', () => {
  it('rejects an upper-case pod name with Kubernetes\' exact message', () => {
    const errs = validateObjectMeta({ metadata: { name: 'MyPod', namespace: 'default' } }, pods);
    assert.equal(invalid('Pod', '', 'MyPod', errs).message,
      "Pod \"MyPod\" is invalid: metadata.name: Invalid value: \"MyPod\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  });

  it('requires a name or generateName', () => {
    const errs = validateObjectMeta({ metadata: { namespace: 'default' } }, pods);
    assert.equal(invalid('Pod', '', '', errs).message, 'Pod "" is invalid: metadata.name: Required value: name or generateName is required');
  });

  it('uses label rules for namespaces and DNS-1035 for services', () => {
    assert.equal(validateObjectMeta({ metadata: { name: 'a.b' } }, namespaces).length, 1);
    assert.match(JSON.stringify(validateObjectMeta({ metadata: { name: '1svc', namespace: 'default' } }, services)), /DNS-1035 label/);
  });

  it('forbids a namespace on cluster-scoped objects', () => {
    const errs = validateObjectMeta({ metadata: { name: 'x', namespace: 'default' } }, namespaces);
    assert.deepEqual(errs, [{ type: 'FieldValueForbidden', field: 'metadata.namespace', detail: 'not allowed on this type' }]);
  });

  it('checks labels and annotations', () => {
    const errs = validateObjectMeta({ metadata: { name: 'x', namespace: 'default', labels: { 'bad key!': 'v', ok: '-bad' }, annotations: { big: 'x'.repeat(300000) } } }, pods);
    assert.deepEqual(errs.map((e) => `${e.field}:${e.type}`), [
      'metadata.labels:FieldValueInvalid', 'metadata.labels:FieldValueInvalid', 'metadata.annotations:FieldValueTooLong',
    ]);
    assert.equal(invalid('Pod', '', 'x', [errs[2]]).message, 'Pod "x" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes');
  });

  it('checks owner references and allows one controller', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: 'u1', controller: true };
    assert.deepEqual(validateObjectMeta({ metadata: { name: 'x', namespace: 'default', ownerReferences: [ref] } }, pods), []);
    const errs = validateObjectMeta({ metadata: { name: 'x', namespace: 'default', ownerReferences: [ref, { ...ref, name: 'b' }, { apiVersion: '', kind: 'X', name: 'c', uid: '' }] } }, pods);
    assert.deepEqual(errs.map((e) => `${e.field}: ${e.detail}`), [
      'metadata.ownerReferences.apiVersion: version must not be empty',
      'metadata.ownerReferences.uid: uid must not be empty',
      'metadata.ownerReferences: Only one reference can have Controller set to true. Found "true" in references for [ReplicaSet/a ReplicaSet/b]',
    ]);
  });
});

describe('validateObjectMetaUpdate', () => {
  it('keeps identity fields immutable', () => {
    const old = { metadata: { name: 'a', namespace: 'default', uid: 'u', creationTimestamp: 't' } };
    assert.deepEqual(validateObjectMetaUpdate({ metadata: { ...old.metadata, labels: { x: 'y' } } }, old), []);
    const errs = validateObjectMetaUpdate({ metadata: { ...old.metadata, uid: 'v' } }, old);
    assert.equal(invalid('Pod', '', 'a', errs).message, 'Pod "a" is invalid: metadata.uid: Invalid value: "v": field is immutable');
  });
});
