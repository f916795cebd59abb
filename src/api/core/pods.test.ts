import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../../apimachinery/errors.js';
import { createObject, updateObject } from '../testing/strategy-harness.js';
import { pods } from './pods.js';
import { imagePullPolicyFor, podQOSClass } from './pod-defaults.js';

const pod = (spec: unknown, name = 'p') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });
const message = (name: string, errs: Parameters<typeof invalid>[3]) => invalid('Pod', '', name, errs).message;

describe('pod defaulting', () => {
  it('matches what Kubernetes 1.32 stores for a minimal pod', () => {
    const { obj, errs } = createObject(pods, pod({ containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] }, 'nginx-pod'));
    assert.deepEqual(errs, []);
    assert.deepEqual(obj.spec, {
      containers: [{
        image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent', name: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }],
        resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
      }],
      dnsPolicy: 'ClusterFirst', enableServiceLinks: true, preemptionPolicy: 'PreemptLowerPriority', priority: 0,
      restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, serviceAccount: 'default',
      serviceAccountName: 'default', terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
    });
    assert.deepEqual(obj.status, { phase: 'Pending', qosClass: 'BestEffort' });
    assert.equal(obj.metadata?.generation, undefined);
  });

  it('defaults probes, volumes and requests from limits', () => {
    const { obj } = createObject(pods, pod({
      containers: [{
        name: 'c', image: 'busybox', livenessProbe: { httpGet: { port: 8080 } },
        resources: { limits: { cpu: '100m', memory: '64Mi' } }, volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }, { name: 'tmp', mountPath: '/tmp' }],
      }],
      volumes: [{ name: 'cfg', configMap: { name: 'app' } }, { name: 'tmp' }],
    }));
    const spec = obj.spec as any;
    assert.equal(spec.containers[0].imagePullPolicy, 'Always');
    assert.deepEqual(spec.containers[0].livenessProbe, { httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(spec.containers[0].resources.requests, { cpu: '100m', memory: '64Mi' });
    assert.deepEqual(spec.volumes, [{ name: 'cfg', configMap: { name: 'app', defaultMode: 420 } }, { name: 'tmp', emptyDir: {} }]);
    assert.equal((obj.status as any).qosClass, 'Guaranteed');
  });

  it('picks the image pull policy from the tag', () => {
    assert.equal(imagePullPolicyFor('nginx'), 'Always');
    assert.equal(imagePullPolicyFor('nginx:latest'), 'Always');
    assert.equal(imagePullPolicyFor('localhost:5000/nginx'), 'Always');
    assert.equal(imagePullPolicyFor('localhost:5000/nginx:1.2'), 'IfNotPresent');
    assert.equal(imagePullPolicyFor('nginx@sha256:abc'), 'IfNotPresent');
  });

  it('computes Burstable QoS', () => {
    assert.equal(podQOSClass({ containers: [{ resources: { requests: { cpu: '100m' } } }] }), 'Burstable');
  });
});

describe('pod validation', () => {
  const cases: { name: string; spec: unknown; podName?: string; message: string }[] = [
    { name: 'no containers', spec: { restartPolicy: 'Always' }, message: 'Pod "p" is invalid: spec.containers: Required value' },
    { name: 'no image', spec: { containers: [{ name: 'nginx' }] }, message: 'Pod "p" is invalid: spec.containers[0].image: Required value' },
    {
      name: 'upper-case pod and container name (kubectl run BadName)', podName: 'BadName', spec: { containers: [{ name: 'BadName', image: 'nginx' }] },
      message: "Pod \"BadName\" is invalid: [metadata.name: Invalid value: \"BadName\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), spec.containers[0].name: Invalid value: \"BadName\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')]",
    },
    { name: 'bad restartPolicy', spec: { restartPolicy: 'Sometimes', containers: [{ name: 'c', image: 'x' }] }, message: 'Pod "p" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' },
    { name: 'probe without handler', spec: { containers: [{ name: 'c', image: 'x', livenessProbe: { periodSeconds: 5 } }] }, message: 'Pod "p" is invalid: spec.containers[0].livenessProbe: Required value: must specify a handler type' },
    { name: 'probe with two handlers', spec: { containers: [{ name: 'c', image: 'x', readinessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } }] }, message: 'Pod "p" is invalid: spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type' },
    { name: 'liveness successThreshold', spec: { containers: [{ name: 'c', image: 'x', livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } }] }, message: 'Pod "p" is invalid: spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1' },
    { name: 'port out of range', spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 70000 }] }] }, message: 'Pod "p" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive' },
    { name: 'env var name', spec: { containers: [{ name: 'c', image: 'x', env: [{ name: 'A=B', value: '1' }] }] }, message: 'Pod "p" is invalid: spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'' },
    { name: 'mount of a missing volume', spec: { containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] }, message: 'Pod "p" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "data"' },
    { name: 'duplicate volume', spec: { volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }], containers: [{ name: 'c', image: 'x' }] }, message: 'Pod "p" is invalid: spec.volumes[1].name: Duplicate value: "v"' },
    { name: 'requests above limits', spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '200m' }, limits: { cpu: '100m' } } }] }, message: 'Pod "p" is invalid: spec.containers[0].resources.requests: Invalid value: "200m": must be less than or equal to cpu limit of 100m' },
    { name: 'duplicate container names', spec: { containers: [{ name: 'c', image: 'x' }, { name: 'c', image: 'y' }] }, message: 'Pod "p" is invalid: spec.containers[1].name: Duplicate value: "c"' },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const { errs } = createObject(pods, pod(tc.spec, tc.podName ?? 'p'));
      assert.equal(message(tc.podName ?? 'p', errs), tc.message);
    });
  }
});

describe('pod updates', () => {
  const created = createObject(pods, pod({ containers: [{ name: 'c', image: 'nginx:1.24' }] })).obj;

  it('allow an image change and keep status', () => {
    const next = structuredClone(created);
    (next.spec as any).containers[0].image = 'nginx:1.25';
    next.status = { phase: 'Running' };
    const { obj, errs } = updateObject(pods, next, created);
    assert.deepEqual(errs, []);
    assert.deepEqual(obj.status, created.status);
  });

  it('forbid other spec changes with Kubernetes\' message', () => {
    const next = structuredClone(created);
    (next.spec as any).restartPolicy = 'Never';
    const { errs } = updateObject(pods, next, created);
    assert.equal(errs.length, 1);
    assert.match(message('p', errs), /^Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`,/);
  });

  it('allow added tolerations', () => {
    const next = structuredClone(created);
    (next.spec as any).tolerations.push({ key: 'k', operator: 'Exists', effect: 'NoSchedule' });
    assert.deepEqual(updateObject(pods, next, created).errs, []);
  });

  it('scheduling gates may be removed, not added; a gated pod\'s nodeSelector may only grow', () => {
    const gated = createObject(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'g', namespace: 'default' }, spec: { schedulingGates: [{ name: 'a' }, { name: 'b' }], nodeSelector: { zone: 'x' }, containers: [{ name: 'c', image: 'nginx' }] } }).obj;
    const removed = structuredClone(gated);
    (removed.spec as any).schedulingGates = [{ name: 'b' }];
    (removed.spec as any).nodeSelector = { zone: 'x', disk: 'ssd' };
    assert.deepEqual(updateObject(pods, removed, gated).errs, []);
    const added = structuredClone(gated);
    (added.spec as any).schedulingGates.push({ name: 'c' });
    assert.match(message('g', updateObject(pods, added, gated).errs), /spec.schedulingGates: Forbidden: only deletion is allowed, but found new scheduling gate 'c'$/);
    const changed = structuredClone(gated);
    (changed.spec as any).nodeSelector = { zone: 'y' };
    assert.match(message('g', updateObject(pods, changed, gated).errs), /spec.nodeSelector: Invalid value: .*only additions to spec.nodeSelector are allowed \(no mutations or deletions\)$/);
    const ungated = structuredClone(created);
    (ungated.spec as any).nodeSelector = { disk: 'ssd' };
    assert.match(message('p', updateObject(pods, ungated, created).errs), /spec: Forbidden: pod updates may not change fields other than/);
  });

  it('a status write gives conditions lastProbeTime and lastTransitionTime, null when unset (as Go serializes them)', () => {
    const next = structuredClone(created);
    next.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] };
    const { obj, errs } = updateObject(pods, next, created, 'status');
    assert.deepEqual(errs, []);
    assert.deepEqual((obj.status as any).conditions, [
      { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: null },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' },
    ]);
  });

  it('status updates keep the spec', () => {
    const next = structuredClone(created);
    (next.spec as any).containers[0].image = 'changed';
    next.status = { phase: 'Running' };
    const { obj, errs } = updateObject(pods, next, created, 'status');
    assert.deepEqual(errs, []);
    assert.equal((obj.spec as any).containers[0].image, 'nginx:1.24');
    assert.deepEqual(obj.status, { phase: 'Running' });
  });
});
