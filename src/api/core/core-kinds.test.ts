import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../../apimachinery/errors.js';
import { createObject, updateObject } from '../testing/strategy-harness.js';
import { services } from './services.js';
import { namespaces } from './namespaces.js';
import { configmaps, secrets } from './config.js';
import { persistentvolumeclaims } from './volumes.js';

describe('services', () => {
  it('default as Kubernetes 1.32 does (headless)', () => {
    const { obj, errs } = createObject(services, { metadata: { name: 'sleep' }, spec: { clusterIP: 'None', selector: { app: 'sleep' }, ports: [{ name: 'dummy', port: 80 }] } });
    assert.deepEqual(errs, []);
    assert.deepEqual(obj.spec, {
      clusterIP: 'None', clusterIPs: ['None'], internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
      ports: [{ name: 'dummy', port: 80, protocol: 'TCP', targetPort: 80 }], selector: { app: 'sleep' }, sessionAffinity: 'None', type: 'ClusterIP',
    });
    assert.deepEqual(obj.status, { loadBalancer: {} });
  });

  it('require ports and names for several ports', () => {
    assert.equal(invalid('Service', '', 's', createObject(services, { metadata: { name: 's' }, spec: {} }).errs).message, 'Service "s" is invalid: spec.ports: Required value');
    const { errs } = createObject(services, { metadata: { name: 's' }, spec: { ports: [{ port: 80 }, { port: 81 }] } });
    assert.equal(invalid('Service', '', 's', errs).message, 'Service "s" is invalid: [spec.ports[0].name: Required value, spec.ports[1].name: Required value]');
  });

  it('keep the allocated cluster IP when an update omits it, and refuse to change it', () => {
    const { obj: created } = createObject(services, { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    (created.spec as any).clusterIP = '10.96.0.10';
    (created.spec as any).clusterIPs = ['10.96.0.10'];
    const omitted = updateObject(services, { metadata: { name: 's', namespace: 'default' }, spec: { ports: [{ port: 80 }] } }, created);
    assert.deepEqual(omitted.errs, []);
    assert.equal((omitted.obj.spec as any).clusterIP, '10.96.0.10');
    const changed = updateObject(services, { metadata: { name: 's', namespace: 'default' }, spec: { clusterIP: '10.96.0.11', clusterIPs: ['10.96.0.11'], ports: [{ port: 80 }] } }, created);
    assert.equal(invalid('Service', '', 's', changed.errs).message, 'Service "s" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.0.11": may not change once set');
  });
});

describe('namespaces', () => {
  it('get the kubernetes finalizer, Active phase and name label', () => {
    const { obj, errs } = createObject(namespaces, { metadata: { name: 'team-a' } });
    assert.deepEqual(errs, []);
    assert.deepEqual(obj.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(obj.status, { phase: 'Active' });
    assert.deepEqual(obj.metadata?.labels, { 'kubernetes.io/metadata.name': 'team-a' });
  });
});

describe('configmaps and secrets', () => {
  it('validate keys', () => {
    const { errs } = createObject(configmaps, { metadata: { name: 'c' }, data: { 'bad/key': 'x' } });
    assert.equal(invalid('ConfigMap', '', 'c', errs).message, "ConfigMap \"c\" is invalid: data[bad/key]: Invalid value: \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  });

  it('secrets default to Opaque and fold stringData into data', () => {
    const { obj, errs } = createObject(secrets, { metadata: { name: 's' }, stringData: { password: 'pw' } });
    assert.deepEqual(errs, []);
    assert.equal(obj.type, 'Opaque');
    assert.deepEqual(obj.data, { password: Buffer.from('pw').toString('base64') });
    assert.equal(obj.stringData, undefined);
  });

  it('immutable configmaps refuse data changes', () => {
    const { obj: created } = createObject(configmaps, { metadata: { name: 'c' }, data: { a: '1' }, immutable: true });
    const { errs } = updateObject(configmaps, { ...structuredClone(created), data: { a: '2' } }, created);
    assert.equal(invalid('ConfigMap', '', 'c', errs).message, 'ConfigMap "c" is invalid: data: Forbidden: field is immutable when `immutable` is set');
  });
});

describe('persistentvolumeclaims', () => {
  it('default volumeMode and require access modes and storage', () => {
    const ok = createObject(persistentvolumeclaims, { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    assert.deepEqual(ok.errs, []);
    assert.equal((ok.obj.spec as any).volumeMode, 'Filesystem');
    assert.deepEqual(ok.obj.status, { phase: 'Pending' });
    const bad = createObject(persistentvolumeclaims, { metadata: { name: 'data' }, spec: {} });
    assert.equal(invalid('PersistentVolumeClaim', '', 'data', bad.errs).message,
      'PersistentVolumeClaim "data" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]');
  });
});
