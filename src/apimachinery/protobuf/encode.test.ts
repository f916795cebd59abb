import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf, MAGIC } from './decode.js';
import { encodeKubernetesProtobuf, encodeWatchEventFrame } from './encode.js';

/** roundTrip encodes an object and decodes it again: what a Go client would read back. */
const roundTrip = (obj: Record<string, unknown>) => decodeKubernetesProtobuf(encodeKubernetesProtobuf(obj)).object;

test('DeleteOptions round-trip, under any group version, keeping an explicit zero grace period and orphanDependents false', () => {
  for (const apiVersion of ['v1', 'apps/v1', 'batch/v1', 'meta.k8s.io/v1']) {
    const opts = { apiVersion, kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: 'u-1', resourceVersion: '42' }, dryRun: ['All'] };
    assert.deepEqual(roundTrip(opts), opts);
  }
  const orphan = { apiVersion: 'v1', kind: 'DeleteOptions', orphanDependents: false };
  assert.deepEqual(roundTrip(orphan), orphan);
});

test('a ConfigMap round-trips with its maps, times, labels and managed fields', () => {
  const cm = {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: {
      name: 'app', namespace: 'default', uid: 'abc', resourceVersion: '7', creationTimestamp: '2024-05-06T07:08:09Z',
      labels: { b: '2', a: '1' }, annotations: { note: 'x' },
      managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2024-05-06T07:08:09Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }],
    },
    data: { a: 'b', empty: '' },
    binaryData: { bin: Buffer.from([0, 1, 2, 255]).toString('base64') },
  };
  assert.deepEqual(roundTrip(cm), cm);
});

test('a Pod round-trips: Quantity, IntOrString (int and string), negative and zero pointers, nested lists', () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }] },
    spec: {
      containers: [{
        name: 'c', image: 'busybox', command: ['sh', '-c', 'sleep 1'],
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } },
        livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 10 },
        readinessProbe: { tcpSocket: { port: 8080 } },
        volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }],
        env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'app', key: 'k' } } }],
      }],
      volumes: [{ name: 'cfg', configMap: { name: 'app', defaultMode: 420 } }],
      terminationGracePeriodSeconds: 0,
      securityContext: { runAsUser: 1000 },
    },
    status: { phase: 'Running', startTime: '2024-01-02T03:04:05Z' },
  };
  assert.deepEqual(roundTrip(pod), pod);
});

test('a Deployment, a List of them and a Status round-trip', () => {
  const dep = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'd', generation: 3 },
    spec: {
      replicas: 0, selector: { matchLabels: { app: 'd' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
  assert.deepEqual(roundTrip(dep), dep);
  const list = { apiVersion: 'apps/v1', kind: 'DeploymentList', metadata: { resourceVersion: '9', continue: 'tok' }, items: [dep, dep] };
  // Items carry no apiVersion/kind on the wire (the list's type says it), as Kubernetes' lists.
  const { apiVersion: _a, kind: _k, ...bare } = dep;
  assert.deepEqual(roundTrip(list), { ...list, items: [bare, bare] });
  const status = { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' }, code: 404 };
  const { metadata: _m, ...statusWithoutEmptyMeta } = status;
  assert.deepEqual(roundTrip(status), statusWithoutEmptyMeta);
});

test('admission webhook configurations, RBAC bindings and EndpointSlices round-trip (Go clients send and read them as protobuf)', () => {
  const webhook = {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'deny' },
    webhooks: [{
      name: 'deny.example.com', admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Fail', timeoutSeconds: 10,
      clientConfig: { service: { namespace: 'ns', name: 'svc', path: '/validate', port: 443 }, caBundle: Buffer.from('ca').toString('base64') },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*' }],
      namespaceSelector: { matchLabels: { e2e: 'x' } }, matchConditions: [{ name: 'not-kube', expression: 'true' }],
    }],
  };
  assert.deepEqual(roundTrip(webhook), webhook);
  const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'b', namespace: 'ns' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'ns' }] };
  assert.deepEqual(roundTrip(binding), binding);
  const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's-1', namespace: 'ns' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true }, nodeName: 'host01' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] };
  assert.deepEqual(roundTrip(slice), slice);
});

test('custom resources have no protobuf form: a 406', () => {
  assert.throws(() => encodeKubernetesProtobuf({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    (e: { code?: number; message?: string }) => e.code === 406 && /cannot be encoded to a protobuf message/.test(e.message ?? ''));
});

test('a watch event is a length-prefixed WatchEvent frame whose object is an encoded object', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w', resourceVersion: '5' }, data: { k: 'v' } };
  const frame = encodeWatchEventFrame('ADDED', cm);
  const len = frame.readUInt32BE(0);
  assert.equal(len, frame.length - 4);
  // WatchEvent: field 1 type (string), field 2 RawExtension{1: raw}.
  const event = frame.subarray(4);
  assert.equal(event[0], (1 << 3) | 2);
  const typeLen = event[1];
  assert.equal(event.subarray(2, 2 + typeLen).toString(), 'ADDED');
  let pos = 2 + typeLen;
  assert.equal(event[pos++], (2 << 3) | 2);
  const readVarint = () => { let n = 0; let shift = 0; for (;;) { const b = event[pos++]; n += (b & 0x7f) * 2 ** shift; if (!(b & 0x80)) return n; shift += 7; } };
  const extLen = readVarint();
  assert.equal(pos + extLen, event.length);
  assert.equal(event[pos++], (1 << 3) | 2);
  const rawLen = readVarint();
  const raw = event.subarray(pos, pos + rawLen);
  assert.ok(raw.subarray(0, 4).equals(MAGIC));
  assert.deepEqual(decodeKubernetesProtobuf(raw).object, cm);
});
