import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, TablePrinter } from '../resource.js';
import { defaultPrinter, printerFor } from './index.js';
import { buildTable } from './table.js';

// Every kind's table as kubectl 1.32 shows it: the header (kubectl upper-cases column names; -o wide
// adds the priority-1 columns) and the cells of one typical object, at a fixed "now".
const NOW = new Date('2026-01-01T01:00:00Z');
const CREATED = '2026-01-01T00:00:00Z'; // AGE 60m
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'default', creationTimestamp: CREATED, ...extra });
const podSpec = { containers: [{ name: 'web', image: 'nginx:1.25' }, { name: 'log', image: 'busybox' }] };

/** Case: plain is the default header, wide the columns -o wide adds; wideOrder the -o wide header when they are not simply appended. */
interface Case { key: string; obj: KubeObject; plain: string[]; wide: string[]; wideOrder?: string[]; cells: unknown[] }

const cases: Case[] = [
  {
    key: '/pods', plain: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], wide: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
    obj: {
      metadata: meta('web-1'), spec: { ...podSpec, nodeName: 'host01', readinessGates: [{ conditionType: 'example.com/lb' }] },
      status: {
        phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], conditions: [{ type: 'example.com/lb', status: 'True' }],
        containerStatuses: [
          { name: 'web', ready: true, restartCount: 0, state: { running: {} } },
          { name: 'log', ready: false, restartCount: 1, state: { running: {} }, lastState: { terminated: { finishedAt: '2026-01-01T00:55:00Z' } } },
        ],
      },
    },
    cells: ['web-1', '1/2', 'Running', '1 (5m ago)', '60m', '10.244.0.5', 'host01', '<none>', '1/1'],
  },
  {
    key: '/services', plain: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], wide: ['SELECTOR'],
    obj: { metadata: meta('web'), spec: { type: 'NodePort', clusterIP: '10.96.10.10', selector: { tier: 'front', app: 'web' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } },
    cells: ['web', 'NodePort', '10.96.10.10', '<none>', '80:30080/TCP,53/UDP', '60m', 'app=web,tier=front'],
  },
  {
    key: '/services', plain: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], wide: ['SELECTOR'],
    obj: { metadata: meta('lb'), spec: { type: 'LoadBalancer', clusterIP: '10.96.0.20', ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] } },
    cells: ['lb', 'LoadBalancer', '10.96.0.20', '<pending>', '443:31443/TCP', '60m', '<none>'],
  },
  {
    key: '/endpoints', plain: ['NAME', 'ENDPOINTS', 'AGE'], wide: [],
    obj: { metadata: meta('web'), subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }] },
    cells: ['web', '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...', '60m'],
  },
  {
    key: '/configmaps', plain: ['NAME', 'DATA', 'AGE'], wide: [],
    obj: { metadata: meta('cfg'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, cells: ['cfg', 3, '60m'],
  },
  {
    key: '/secrets', plain: ['NAME', 'TYPE', 'DATA', 'AGE'], wide: [],
    obj: { metadata: meta('tls'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==', 'tls.key': 'eA==' } }, cells: ['tls', 'kubernetes.io/tls', 2, '60m'],
  },
  {
    key: '/namespaces', plain: ['NAME', 'STATUS', 'AGE'], wide: [],
    obj: { metadata: { name: 'shop', creationTimestamp: CREATED }, status: { phase: 'Terminating' } }, cells: ['shop', 'Terminating', '60m'],
  },
  {
    key: '/nodes', plain: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'], wide: ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
    obj: {
      metadata: { name: 'host01', creationTimestamp: CREATED, labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/worker': '' } },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'False' }], addresses: [{ type: 'InternalIP', address: '127.0.1.1' }],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: 'tskube://0.1.0' },
      },
    },
    cells: ['host01', 'NotReady,SchedulingDisabled', 'control-plane,worker', '60m', 'v1.32.0', '127.0.1.1', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0', 'tskube://0.1.0'],
  },
  {
    key: '/events', plain: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], wide: ['SUBOBJECT', 'SOURCE', 'FIRST SEEN', 'COUNT', 'NAME'],
    wideOrder: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME'],
    obj: {
      metadata: meta('web-1.1'), type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container\n',
      involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{web}' }, source: { component: 'kubelet', host: 'host01' },
      firstTimestamp: '2026-01-01T00:40:00Z', lastTimestamp: '2026-01-01T00:58:00Z', count: 7,
    },
    cells: ['2m (x7 over 20m)', 'Warning', 'BackOff', 'pod/web-1', 'spec.containers{web}', 'kubelet, host01', 'Back-off restarting failed container', '20m', 7, 'web-1.1'],
  },
  {
    key: '/persistentvolumeclaims', plain: ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'], wide: ['VOLUMEMODE'],
    obj: { metadata: meta('data'), spec: { volumeName: 'pv-1', storageClassName: 'standard' }, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] } },
    cells: ['data', 'Bound', 'pv-1', '1Gi', 'RWO,ROX', 'standard', '<unset>', '60m', 'Filesystem'],
  },
  {
    key: '/persistentvolumes', plain: ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'], wide: ['VOLUMEMODE'],
    obj: { metadata: { name: 'pv-1', creationTimestamp: CREATED }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' }, volumeMode: 'Block' }, status: { phase: 'Bound' } },
    cells: ['pv-1', '1Gi', 'RWX', 'Retain', 'Bound', 'default/data', '', '<unset>', '', '60m', 'Block'],
  },
  {
    key: '/serviceaccounts', plain: ['NAME', 'SECRETS', 'AGE'], wide: [],
    obj: { metadata: meta('default') }, cells: ['default', 0, '60m'],
  },
  {
    key: '/replicationcontrollers', plain: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    obj: { metadata: meta('rc'), spec: { replicas: 3, selector: { app: 'rc' }, template: { spec: podSpec } }, status: { replicas: 2, readyReplicas: 1 } },
    cells: ['rc', 3, 2, 1, '60m', 'web,log', 'nginx:1.25,busybox', 'app=rc'],
  },
  {
    key: 'apps/deployments', plain: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    obj: { metadata: meta('web'), spec: { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] }, template: { spec: podSpec } }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } },
    cells: ['web', '2/3', 3, 2, '60m', 'web,log', 'nginx:1.25,busybox', 'app=web,tier in (edge,front)'],
  },
  {
    key: 'apps/replicasets', plain: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    obj: { metadata: meta('web-5d4f'), spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { spec: podSpec } }, status: { replicas: 2 } },
    cells: ['web-5d4f', 2, 2, 0, '60m', 'web,log', 'nginx:1.25,busybox', 'app=web'],
  },
  {
    key: 'apps/statefulsets', plain: ['NAME', 'READY', 'AGE'], wide: ['CONTAINERS', 'IMAGES'],
    obj: { metadata: meta('db'), spec: { replicas: 3, template: { spec: podSpec } }, status: { readyReplicas: 1 } },
    cells: ['db', '1/3', '60m', 'web,log', 'nginx:1.25,busybox'],
  },
  {
    key: 'apps/daemonsets', plain: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    obj: { metadata: meta('agent'), spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { ...podSpec, nodeSelector: { disk: 'ssd' } } } }, status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 } },
    cells: ['agent', 2, 2, 1, 2, 1, 'disk=ssd', '60m', 'web,log', 'nginx:1.25,busybox', 'app=agent'],
  },
  {
    key: 'apps/controllerrevisions', plain: ['NAME', 'CONTROLLER', 'REVISION', 'AGE'], wide: [],
    obj: { metadata: meta('agent-6b7', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u', controller: true }] }), revision: 2 },
    cells: ['agent-6b7', 'daemonset.apps/agent', 2, '60m'],
  },
  {
    key: 'batch/jobs', plain: ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    obj: {
      metadata: meta('pi'), spec: { completions: 5, parallelism: 2, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } }, template: { spec: podSpec } },
      status: { succeeded: 5, startTime: '2026-01-01T00:10:00Z', completionTime: '2026-01-01T00:13:20Z', conditions: [{ type: 'Complete', status: 'True' }] },
    },
    cells: ['pi', 'Complete', '5/5', '3m20s', '60m', 'web,log', 'nginx:1.25,busybox', 'batch.kubernetes.io/controller-uid=u1'],
  },
  {
    key: 'batch/jobs', plain: ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    obj: { metadata: meta('work'), spec: { parallelism: 3, template: { spec: podSpec } }, status: { succeeded: 1, startTime: '2026-01-01T00:50:00Z' } },
    cells: ['work', 'Running', '1/1 of 3', '10m', '60m', 'web,log', 'nginx:1.25,busybox', '<none>'],
  },
  {
    key: 'batch/cronjobs', plain: ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'], wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    obj: { metadata: meta('nightly'), spec: { schedule: '0 3 * * *', timeZone: 'Europe/Paris', suspend: false, jobTemplate: { spec: { template: { spec: podSpec } } } }, status: { active: [{ name: 'nightly-1' }], lastScheduleTime: '2026-01-01T00:59:00Z' } },
    cells: ['nightly', '0 3 * * *', 'Europe/Paris', 'False', 1, '60s', '60m', 'web,log', 'nginx:1.25,busybox', '<none>'],
  },
  {
    key: 'autoscaling/horizontalpodautoscalers', plain: ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'], wide: [],
    obj: {
      metadata: meta('web'),
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
      status: { currentReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 20 } } }] },
    },
    cells: ['web', 'Deployment/web', 'cpu: 20%/50%', '2', 10, 3, '60m'],
  },
  {
    key: 'coordination.k8s.io/leases', plain: ['NAME', 'HOLDER', 'AGE'], wide: [],
    obj: { metadata: meta('host01'), spec: { holderIdentity: 'host01' } }, cells: ['host01', 'host01', '60m'],
  },
  {
    key: 'policy/poddisruptionbudgets', plain: ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'], wide: [],
    obj: { metadata: meta('web'), spec: { maxUnavailable: '25%' }, status: { disruptionsAllowed: 1 } }, cells: ['web', 'N/A', '25%', 1, '60m'],
  },
  {
    key: 'storage.k8s.io/storageclasses', plain: ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'], wide: [],
    obj: { metadata: { name: 'standard', creationTimestamp: CREATED, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'tskube.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
    cells: ['standard (default)', 'tskube.io/local-path', 'Delete', 'WaitForFirstConsumer', false, '60m'],
  },
];

const header = (p: TablePrinter, priority: number) => p.columns.filter((c) => c.priority === priority).map((c) => c.name.toUpperCase());

describe('table printers: every kind\'s columns and cells as Kubernetes 1.32', () => {
  for (const tc of cases) {
    it(`${tc.key} ${tc.obj.metadata?.name}`, () => {
      const [group, plural] = tc.key.split('/');
      const p = printerFor(group, plural);
      assert.ok(p, `no printer for ${tc.key}`);
      assert.deepEqual(header(p, 0), tc.plain);
      assert.deepEqual(header(p, 1), tc.wide);
      // -o wide shows every column in the printer's order
      assert.deepEqual(p.columns.map((c) => c.name.toUpperCase()), tc.wideOrder ?? [...tc.plain, ...tc.wide]);
      assert.ok(p.columns.every((c) => c.description.length > 0 && ['string', 'integer', 'number', 'boolean', 'date'].includes(c.type)));
      assert.deepEqual(p.cells(tc.obj, NOW), tc.cells);
    });
  }

  it('every printer has a case above', () => {
    const covered = new Set(cases.map((c) => c.key));
    for (const key of ['/pods', '/services', '/endpoints', '/configmaps', '/secrets', '/namespaces', '/nodes', '/events', '/persistentvolumeclaims', '/persistentvolumes', '/serviceaccounts', '/replicationcontrollers',
      'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', 'apps/controllerrevisions', 'batch/jobs', 'batch/cronjobs',
      'autoscaling/horizontalpodautoscalers', 'coordination.k8s.io/leases', 'policy/poddisruptionbudgets', 'storage.k8s.io/storageclasses']) {
      assert.ok(printerFor(...(key.split('/') as [string, string])), `${key} has no printer`);
      assert.ok(covered.has(key), `${key} is not tested`);
    }
  });

  it('kinds without a printer get NAME AGE; AGE of an object without a creation time is <unknown>', () => {
    assert.equal(printerFor('', 'widgets'), undefined);
    assert.deepEqual(header(defaultPrinter, 0), ['NAME', 'AGE']);
    assert.deepEqual(defaultPrinter.cells({ metadata: { name: 'w', creationTimestamp: CREATED } }, NOW), ['w', '60m']);
    assert.deepEqual(defaultPrinter.cells({ metadata: { name: 'w' } }, NOW), ['w', '<unknown>']);
  });
});

describe('buildTable', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('cfg'), data: { a: '1' } };
  const printer = printerFor('', 'configmaps')!;
  const opts = { now: NOW, listMeta: { resourceVersion: '42', continue: 'tok' } };
  it('a meta.k8s.io/v1 Table: every column, a row of cells per object, the list metadata', () => {
    const t = buildTable(printer, [cm], { ...opts, includeObject: 'None' }) as any;
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(t.metadata, { resourceVersion: '42', continue: 'tok' });
    assert.deepEqual(t.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Data', 'Age']);
    assert.deepEqual(t.rows, [{ cells: ['cfg', 1, '60m'] }]);
  });
  it('rows carry the object as asked: PartialObjectMetadata (kubectl\'s default), the object, or nothing', () => {
    const rows = (includeObject: 'None' | 'Metadata' | 'Object') => (buildTable(printer, [cm], { ...opts, includeObject }) as any).rows[0].object;
    assert.deepEqual(rows('Metadata'), { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm.metadata });
    assert.deepEqual(rows('Object'), cm);
    assert.equal(rows('None'), undefined);
  });
});
