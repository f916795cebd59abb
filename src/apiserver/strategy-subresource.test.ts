// pods/ephemeralcontainers is served by serveStrategySubresource with the pods store and the subresource's strategy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../testing/test-cluster.js';
import { Resources } from '../client/types.js';
import type { KubeObject } from '../api/resource.js';

let tc: TestCluster;
before(async () => {
  tc = await startTestCluster();
  await tc.client.create(Resources.pods, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' },
    spec: { containers: [{ name: 'main', image: 'busybox' }], initContainers: [{ name: 'setup', image: 'busybox' }] },
  });
});
after(async () => { await tc?.close(); });

const ephemeral = (ecs: object[]) => ({ spec: { ephemeralContainers: ecs } });
const err = (e: unknown) => (e as { message: string }).message;

test('pods/ephemeralcontainers adds a debug container by strategic merge patch, defaulted; other changes are ignored', async () => {
  const out = await tc.client.patch<KubeObject>(Resources.pods, 'default', 'web', {
    metadata: { labels: { changed: 'no' } },
    spec: { ephemeralContainers: [{ name: 'debugger', image: 'busybox', stdin: true, tty: true, targetContainerName: 'main', resources: {} }], activeDeadlineSeconds: 5 },
  }, 'strategic', 'ephemeralcontainers');
  const spec = out.spec as { ephemeralContainers: Record<string, unknown>[]; activeDeadlineSeconds?: number };
  assert.deepEqual(spec.ephemeralContainers, [{
    name: 'debugger', image: 'busybox', stdin: true, tty: true, targetContainerName: 'main', resources: {},
    imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
  }]);
  assert.equal(spec.activeDeadlineSeconds, undefined);
  assert.equal(out.metadata?.labels, undefined);
  const got = await tc.client.get<KubeObject>(Resources.pods, 'default', 'web');
  assert.equal((got.spec as { ephemeralContainers: unknown[] }).ephemeralContainers.length, 1);
  // The write is recorded as the subresource's, as Kubernetes' field manager does.
  const entry = (got.metadata?.managedFields as { subresource?: string; operation: string }[] | undefined)?.find((m) => m.subresource === 'ephemeralcontainers');
  assert.equal(entry?.operation, 'Update');
});

test('only additions: existing ephemeral containers may not change or go', async () => {
  await assert.rejects(tc.client.patch(Resources.pods, 'default', 'web', { spec: { ephemeralContainers: [{ name: 'debugger', image: 'alpine' }] } }, 'strategic', 'ephemeralcontainers'),
    (e) => /^Pod "web" is invalid: spec.ephemeralContainers\[debugger\]: Forbidden: existing ephemeral containers "debugger" may not be changed/.test(err(e)));
  await assert.rejects(tc.client.patch(Resources.pods, 'default', 'web', { spec: { ephemeralContainers: [] } }, 'merge', 'ephemeralcontainers'),
    (e) => /spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger" may not be removed/.test(err(e)));
});

test('Kubernetes\' validation: no ports, probes, resources; unique names; an existing target', async () => {
  await assert.rejects(tc.client.patch(Resources.pods, 'default', 'web', ephemeral([{
    name: 'main', image: 'busybox', ports: [{ containerPort: 80 }], readinessProbe: { exec: { command: ['true'] } },
    resources: { limits: { cpu: '1' } }, lifecycle: { preStop: { exec: { command: ['true'] } } }, targetContainerName: 'nope',
  }]), 'strategic', 'ephemeralcontainers'), (e) => err(e) === 'Pod "web" is invalid: ['
    + 'spec.ephemeralContainers[0].name: Duplicate value: "main", '
    + 'spec.ephemeralContainers[0].targetContainerName: Not found: "nope", '
    + 'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container, '
    + 'spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container, '
    + 'spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container, '
    + 'spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container]');
  await assert.rejects(tc.client.patch(Resources.pods, 'default', 'web', ephemeral([{ name: 'setup', image: '' }]), 'strategic', 'ephemeralcontainers'),
    (e) => err(e) === 'Pod "web" is invalid: [spec.ephemeralContainers[0].image: Required value, spec.ephemeralContainers[0].name: Duplicate value: "setup"]');
});

test('a pod cannot be created with ephemeral containers, nor change them through an ordinary update', async () => {
  await assert.rejects(tc.client.create(Resources.pods, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'eph' },
    spec: { containers: [{ name: 'a', image: 'busybox' }], ephemeralContainers: [{ name: 'd', image: 'busybox' }] },
  }), (e) => err(e) === 'Pod "eph" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on create');
  await assert.rejects(tc.client.patch(Resources.pods, 'default', 'web', { spec: { ephemeralContainers: [{ name: 'debugger', image: 'busybox' }, { name: 'x', image: 'busybox' }] } }, 'strategic'),
    (e) => /spec: Forbidden: pod updates may not change fields/.test(err(e)));
});

test('OpenAPI describes pods/ephemeralcontainers with Kubernetes\' operation ids', async () => {
  const { openapiV3Document } = await import('./openapi/index.js');
  const { allResources } = await import('../api/registry.js');
  const paths = JSON.parse(openapiV3Document('', 'v1', allResources)!.body).paths as Record<string, Record<string, { operationId?: string }>>;
  const p = paths['/api/v1/namespaces/{namespace}/pods/{name}/ephemeralcontainers'];
  assert.deepEqual([p.get.operationId, p.put.operationId, p.patch.operationId],
    ['readCoreV1NamespacedPodEphemeralcontainers', 'replaceCoreV1NamespacedPodEphemeralcontainers', 'patchCoreV1NamespacedPodEphemeralcontainers']);
});

test('a pod cannot have both hostPID and shareProcessNamespace', async () => {
  await assert.rejects(tc.client.create(Resources.pods, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pids' },
    spec: { hostPID: true, shareProcessNamespace: true, containers: [{ name: 'a', image: 'busybox' }] },
  }), (e) => err(e) === 'Pod "pids" is invalid: spec.securityContext.shareProcessNamespace: Invalid value: true: ShareProcessNamespace and HostPID cannot both be enabled');
});
