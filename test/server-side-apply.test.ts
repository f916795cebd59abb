// End-to-end: server-side apply and managedFields with the real kubectl (1.32) and
// @kubernetes/client-node — two managers, conflicts and --force-conflicts, fields removed from the
// applied file, client-side to server-side apply migration, diff --server-side, server dry run, a
// custom resource and its status subresource.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { startCluster, kubectl, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';
import { crdYAML, customResourceYAML } from './crd-fixtures.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });

interface Entry { manager?: string; operation: string; apiVersion: string; time?: string; fieldsType: string; fieldsV1: Record<string, any>; subresource?: string }
interface Obj { metadata: { managedFields?: Entry[]; annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: any; status?: any; data?: Record<string, string> }

/** getObj reads an object with its managedFields (kubectl hides them unless asked). */
async function getObj(kind: string, name: string): Promise<Obj> {
  const r = await k(['get', kind, name, '-o', 'json', '--show-managed-fields']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Obj;
}
const entry = (o: Obj, manager: string, operation?: string) => o.metadata.managedFields?.find((e) => e.manager === manager && (!operation || e.operation === operation));

const deployment = (replicas: number, image = 'nginx:1.25') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports:
        - containerPort: 80
`;

const configMap = (name: string, data: Record<string, string>) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
${Object.entries(data).map(([key, v]) => `  ${key}: "${v}"`).join('\n')}
`;

const CRD = crdYAML({
  group: 'ssa.example.com',
  names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
  subresources: { status: {} },
  schema: {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          size: { type: 'integer' },
          ports: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
          },
        },
      },
      status: { type: 'object', properties: { phase: { type: 'string' } } },
    },
  },
});

const widget = (spec: string) => customResourceYAML('ssa.example.com/v1', 'Widget', 'w1', spec);

describeNeeding('server-side apply', { timeout: 5 * 60_000, ...requireTool(KUBECTL) }, () => {
  before(async () => { c = await startCluster({ nodes: 0 }); });
  after(async () => { await c?.stop(); });

  it('kubectl apply --server-side creates the object with an Apply entry; kubectl hides managedFields by default', async () => {
    const r = await k(['apply', '--server-side', '-f', '-'], deployment(2));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'deployment.apps/web serverside-applied');
    const o = await getObj('deployment', 'web');
    const e = entry(o, 'kubectl', 'Apply')!;
    assert.ok(e, JSON.stringify(o.metadata.managedFields));
    assert.equal(e.apiVersion, 'apps/v1');
    assert.equal(e.fieldsType, 'FieldsV1');
    assert.match(e.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(e.fieldsV1['f:spec']['f:selector'], {});
    assert.deepEqual(e.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['f:ports'],
      { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } });
    const plain = await k(['get', 'deployment', 'web', '-o', 'yaml']);
    assert.doesNotMatch(plain.stdout, /managedFields/);
  });

  it('a second manager changing a field it does not own conflicts, in Kubernetes\' words; --force-conflicts takes it', async () => {
    const r = await k(['apply', '--server-side', '--field-manager=scaler', '-f', '-'], deployment(3));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas\nPlease review the fields above--they currently have other managers/);
    assert.equal((await getObj('deployment', 'web')).spec.replicas, 2);

    const two = await k(['apply', '--server-side', '--field-manager=scaler', '-f', '-'], deployment(4, 'nginx:1.26'));
    assert.equal(two.code, 1);
    assert.match(two.stderr, /^error: Apply failed with 2 conflicts: conflicts with "kubectl":\n- \.spec\.replicas\n- \.spec\.template\.spec\.containers\[name="nginx"\]\.image\n/);

    const forced = await k(['apply', '--server-side', '--field-manager=scaler', '--force-conflicts', '-f', '-'], deployment(3));
    assert.equal(forced.code, 0, forced.stderr);
    const o = await getObj('deployment', 'web');
    assert.equal(o.spec.replicas, 3);
    assert.deepEqual(entry(o, 'scaler', 'Apply')!.fieldsV1['f:spec']['f:replicas'], {});
    assert.equal(entry(o, 'kubectl', 'Apply')!.fieldsV1['f:spec']['f:replicas'], undefined, 'kubectl lost the field');
    // both still own the image they applied with the same value: shared, no conflict
    assert.ok(entry(o, 'kubectl', 'Apply')!.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['f:image']);
  });

  it('updates are recorded per manager: the fieldManager parameter, else the User-Agent\'s product', async () => {
    const r = await k(['label', 'deployment', 'web', 'tier=frontend']);
    assert.equal(r.code, 0, r.stderr);
    const o = await getObj('deployment', 'web');
    assert.deepEqual(entry(o, 'kubectl-label', 'Update')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });
    const raw = await k(['create', '--raw', '/api/v1/namespaces/default/configmaps', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raw' }, data: { x: '1' } }));
    assert.equal(raw.code, 0, raw.stderr);
    const cm = await getObj('configmap', 'raw');
    assert.deepEqual(cm.metadata.managedFields?.map((e) => [e.manager, e.operation]), [['kubectl', 'Update']]);
    assert.deepEqual(cm.metadata.managedFields?.[0].fieldsV1, { 'f:data': { '.': {}, 'f:x': {} } });
  });

  it('a field removed from the applied file is removed from the object', async () => {
    assert.equal((await k(['apply', '--server-side', '-f', '-'], configMap('settings', { a: '1', b: '2' }))).code, 0);
    const r = await k(['apply', '--server-side', '-f', '-'], configMap('settings', { a: '1' }));
    assert.equal(r.code, 0, r.stderr);
    const o = await getObj('configmap', 'settings');
    assert.deepEqual(o.data, { a: '1' });
    assert.deepEqual(entry(o, 'kubectl', 'Apply')!.fieldsV1, { 'f:data': { 'f:a': {} } });
  });

  it('kubectl apply --server-side after kubectl apply migrates the client-side apply fields, without conflicts', async () => {
    const csa = await k(['apply', '-f', '-'], configMap('migrated', { a: '1', b: '2' }));
    assert.equal(csa.code, 0, csa.stderr);
    const before = await getObj('configmap', 'migrated');
    assert.ok(entry(before, 'kubectl-client-side-apply', 'Update')?.fieldsV1['f:metadata']['f:annotations']['f:kubectl.kubernetes.io/last-applied-configuration']);
    const ssa = await k(['apply', '--server-side', '-f', '-'], configMap('migrated', { a: '10', b: '2' }));
    assert.equal(ssa.code, 0, ssa.stderr);
    const o = await getObj('configmap', 'migrated');
    assert.deepEqual(o.data, { a: '10', b: '2' });
    assert.equal(entry(o, 'kubectl-client-side-apply'), undefined, JSON.stringify(o.metadata.managedFields));
    assert.deepEqual(entry(o, 'kubectl', 'Apply')!.fieldsV1['f:data'], { 'f:a': {}, 'f:b': {} });
    // client-side apply keeps working on the migrated object: the annotation follows the applied file
    assert.equal(JSON.parse(o.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']).data.a, '10');
    // and the server-side manager now removes what it stops applying
    assert.equal((await k(['apply', '--server-side', '-f', '-'], configMap('migrated', { a: '10' }))).code, 0);
    assert.deepEqual((await getObj('configmap', 'migrated')).data, { a: '10' });
  });

  it('kubectl diff --server-side and apply --dry-run=server show the change without making it', async () => {
    const d = await k(['diff', '--server-side', '-f', '-'], configMap('settings', { a: '1', c: '3' }));
    assert.equal(d.code, 1, d.stderr);
    assert.match(d.stdout, /^\+ {2}c: "3"$/m);
    const dry = await k(['apply', '--server-side', '--dry-run=server', '-f', '-'], configMap('settings', { a: '1', c: '3' }));
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout.trim(), 'configmap/settings serverside-applied (server dry run)');
    assert.deepEqual((await getObj('configmap', 'settings')).data, { a: '1' });
    const same = await k(['diff', '--server-side', '-f', '-'], configMap('settings', { a: '1' }));
    assert.equal(same.code, 0, same.stdout + same.stderr);
  });

  it('a custom resource: applied by two managers over its list-map schema, its status applied through the subresource', async () => {
    assert.equal((await k(['apply', '-f', '-'], CRD)).code, 0);
    assert.equal((await k(['wait', '--for', 'condition=established', '--timeout=30s', 'crd/widgets.ssa.example.com'])).code, 0);
    const first = await k(['apply', '--server-side', '-f', '-'], widget('  size: 1\n  ports:\n  - name: http\n    port: 80\n'));
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), 'widget.ssa.example.com/w1 serverside-applied');
    // another manager adds its own item: merged by key, no conflict
    const other = await k(['apply', '--server-side', '--field-manager=other', '-f', '-'], widget('  ports:\n  - name: metrics\n    port: 9090\n'));
    assert.equal(other.code, 0, other.stderr);
    let o = await getObj('widget', 'w1');
    assert.deepEqual(o.spec.ports, [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }]);
    assert.deepEqual(Object.keys(entry(o, 'other', 'Apply')!.fieldsV1['f:spec']['f:ports']), ['k:{"name":"metrics"}']);
    const clash = await k(['apply', '--server-side', '--field-manager=other', '-f', '-'], widget('  ports:\n  - name: http\n    port: 8080\n'));
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl": \.spec\.ports\[name="http"\]\.port\n/);
    // other stops applying its item: the item goes
    assert.equal((await k(['apply', '--server-side', '--field-manager=other', '-f', '-'], widget('  size: 1\n'))).code, 0);
    o = await getObj('widget', 'w1');
    assert.deepEqual(o.spec.ports, [{ name: 'http', port: 80 }]);

    const st = await k(['apply', '--server-side', '--subresource=status', '--field-manager=widget-controller', '-f', '-'],
      'apiVersion: ssa.example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nstatus:\n  phase: Ready\n');
    assert.equal(st.code, 0, st.stderr);
    o = await getObj('widget', 'w1');
    assert.equal(o.status.phase, 'Ready');
    const e = entry(o, 'widget-controller', 'Apply')!;
    assert.equal(e.subresource, 'status');
    assert.deepEqual(e.fieldsV1, { 'f:status': { 'f:phase': {} } });
  });

  it('a badly typed apply is refused with Kubernetes\' typed patch error, the object untouched', async () => {
    const bad = await k(['apply', '--server-side', '-f', '-'], deployment(2).replace('replicas: 2', 'replicas: many'));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /failed to create typed patch object \(default\/web; apps\/v1, Kind=Deployment\): .*replicas/);
    assert.equal((await getObj('deployment', 'web')).spec.replicas, 3);
  });

  it('client-node sees managedFields on what it reads', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    const apps = kc.makeApiClient(AppsV1Api);
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' });
    const managers = (d.metadata?.managedFields ?? []).map((e) => `${e.manager}/${e.operation}`);
    assert.ok(managers.includes('kubectl/Apply'), managers.join(','));
    assert.ok(managers.includes('scaler/Apply'), managers.join(','));
    assert.equal(d.metadata?.managedFields?.find((e) => e.manager === 'scaler')?.fieldsType, 'FieldsV1');
  });
});
