import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../apimachinery/errors.js';
import { decodeKubernetesProtobuf } from '../../apimachinery/protobuf/decode.js';
import { encodeKubernetesProtobuf } from '../../apimachinery/protobuf/encode.js';
import { startTestCluster, type TestCluster } from '../../testing/test-cluster.js';
import { allResources } from '../registry.js';
import { createObject } from '../testing/strategy-harness.js';
import { apiServicePrinter, apiservices, availableCell, localAPIServices } from './apiservices.js';

const svc = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name }, spec });
const msgs = (o: Record<string, unknown>) => createObject(apiservices, o).errs.map(fieldErrorMessage);

describe('APIService', () => {
  let tc: TestCluster;
  before(async () => { tc = await startTestCluster(); });
  after(async () => tc.close());

  it('validates as kube-aggregator does', () => {
    assert.deepEqual(msgs(svc('v1beta1.metrics.k8s.io', { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, service: { namespace: 'kube-system', name: 'metrics-server' } })), []);
    assert.deepEqual(msgs(svc('v1.wrong', { group: 'right.io', version: 'v1', groupPriorityMinimum: 100, versionPriority: 100 })), ['metadata.name: Invalid value: "v1.wrong": must be `spec.version+"."+spec.group`: "v1.right.io"']);
    assert.deepEqual(msgs(svc('v2.', { group: '', version: 'v2', groupPriorityMinimum: 0, versionPriority: 1001 })), [
      'spec.group: Required value: only v1 may have an empty group and it better be legacy kube',
      'spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000',
      'spec.versionPriority: Invalid value: 1001: must be positive and less than 1000',
    ]);
    assert.deepEqual(msgs(svc('v1.a.io', { group: 'a.io', version: 'v1', groupPriorityMinimum: 1, versionPriority: 1, caBundle: 'AAAA' })), ['spec.caBundle: Invalid value: "3 bytes": local APIServices may not have a caBundle']);
  });

  it('defaults the service port to 443', () => {
    const { obj } = createObject(apiservices, svc('v1.a.io', { group: 'a.io', version: 'v1', groupPriorityMinimum: 1, versionPriority: 1, service: { namespace: 'ns', name: 'api' } }));
    assert.equal((obj.spec as { service: { port: number } }).service.port, 443);
  });

  it('one Local APIService per built-in group version, core as "v1."', () => {
    const names = localAPIServices(allResources).map((s) => s.metadata?.name);
    for (const n of ['v1.', 'v1.apps', 'v1.apiregistration.k8s.io', 'v1.certificates.k8s.io', 'v2.autoscaling', 'v1.autoscaling']) assert.ok(names.includes(n), n);
    assert.equal(new Set(names).size, names.length);
    for (const s of localAPIServices(allResources)) assert.deepEqual(createObject(apiservices, s).errs, [], s.metadata?.name);
  });

  it('the cluster lists them Local and Available; the table says so', async () => {
    const list = await tc.client.list({ group: 'apiregistration.k8s.io', version: 'v1', plural: 'apiservices', namespaced: false }, undefined);
    const apps = list.items.find((i) => (i.metadata as { name: string }).name === 'v1.apps')!;
    // the built-in resource metrics API is listed as where metrics-server is installed
    const metrics = list.items.find((i) => (i.metadata as { name: string }).name === 'v1beta1.metrics.k8s.io');
    assert.ok(metrics && availableCell(metrics) === 'True', 'v1beta1.metrics.k8s.io is Available');
    assert.ok(apps, 'v1.apps exists');
    assert.equal(availableCell(apps), 'True');
    const cells = apiServicePrinter.cells(apps, new Date());
    assert.deepEqual(cells.slice(0, 3), ['v1.apps', 'Local', 'True']);
    assert.equal(availableCell({ status: { conditions: [{ type: 'Available', status: 'False', reason: 'ServiceNotFound' }] } }), 'False (ServiceNotFound)');
    assert.equal(availableCell({}), 'Unknown');
  });

  it('round-trips through protobuf under kube-aggregator\'s package', () => {
    const o = { ...svc('v1beta1.metrics.k8s.io', { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true, service: { namespace: 'kube-system', name: 'metrics-server', port: 443 } }), status: { conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'Passed', message: 'all checks passed' }] } };
    assert.deepEqual(decodeKubernetesProtobuf(encodeKubernetesProtobuf(o)).object, o);
  });
});
