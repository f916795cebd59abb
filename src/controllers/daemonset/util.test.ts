import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, Pod, PodSpec } from './types.js';
import {
  addOrUpdateDaemonPodTolerations, addOrUpdateTolerationInPodSpec, compareByCreationTimestampAndPhase, createPodTemplate, getScaledValueFromIntOrPercent,
  getTargetNodeName, isPodAvailable, isPodUpdated, replaceDaemonSetPodNodeNameNodeAffinity, surgeCount, unavailableCount,
} from './util.js';

describe('daemon pod tolerations', () => {
  it('adds not-ready/unreachable NoExecute without tolerationSeconds and the NoSchedule condition taints', () => {
    const spec: PodSpec = {};
    addOrUpdateDaemonPodTolerations(spec);
    assert.deepEqual(spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ]);
  });
  it('adds network-unavailable for hostNetwork pods, and is idempotent', () => {
    const spec: PodSpec = { hostNetwork: true };
    addOrUpdateDaemonPodTolerations(spec);
    addOrUpdateDaemonPodTolerations(spec);
    assert.equal(spec.tolerations?.length, 7);
    assert.ok(spec.tolerations?.some((t) => t.key === 'node.kubernetes.io/network-unavailable'));
  });
  it('replaces a matching toleration that differs in tolerationSeconds, keeps the others', () => {
    const spec: PodSpec = { tolerations: [{ key: 'x', operator: 'Exists' }, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] };
    addOrUpdateTolerationInPodSpec(spec, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' });
    assert.deepEqual(spec.tolerations, [{ key: 'x', operator: 'Exists' }, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }]);
  });
});

describe('createPodTemplate', () => {
  it('labels with the revision hash and template generation, adds tolerations, leaves the input alone', () => {
    const template = { metadata: { labels: { app: 'a' } }, spec: { containers: [] } };
    const t = createPodTemplate(template, 3, 'abc123');
    assert.deepEqual(t.metadata?.labels, { app: 'a', 'pod-template-generation': '3', 'controller-revision-hash': 'abc123' });
    assert.equal((t.spec as PodSpec).tolerations?.length, 6);
    assert.deepEqual(template.metadata.labels, { app: 'a' });
  });
});

describe('node affinity pinning', () => {
  const pinned = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } };
  it('creates the affinity when there is none', () => {
    assert.deepEqual(replaceDaemonSetPodNodeNameNodeAffinity(undefined, 'n1'), { nodeAffinity: pinned });
  });
  it('replaces existing required terms (they were checked against the node) and keeps preferred ones and pod affinity', () => {
    const preferred = [{ weight: 1, preference: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } }];
    const a = replaceDaemonSetPodNodeNameNodeAffinity({
      podAffinity: { x: 1 },
      nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] } },
    }, 'n1');
    assert.deepEqual(a, { podAffinity: { x: 1 }, nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred, ...pinned } });
  });
  it('getTargetNodeName reads spec.nodeName, else the pinned field', () => {
    assert.equal(getTargetNodeName({ spec: { nodeName: 'n2', affinity: { nodeAffinity: pinned } } }), 'n2');
    assert.equal(getTargetNodeName({ spec: { affinity: { nodeAffinity: pinned } } }), 'n1');
    assert.throws(() => getTargetNodeName({ metadata: { namespace: 'd', name: 'p' }, spec: {} }), /no spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution for pod d\/p/);
    assert.throws(() => getTargetNodeName({ metadata: { namespace: 'd', name: 'p' }, spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a', 'b'] }] }] } } } } }), /not unique/);
  });
});

describe('maxUnavailable and maxSurge', () => {
  const ds = (ru: Record<string, unknown>, type = 'RollingUpdate'): DaemonSet => ({ metadata: {}, spec: { template: {}, updateStrategy: { type: type as 'RollingUpdate', rollingUpdate: ru } } });
  it('scales ints and percentages, rounding up', () => {
    assert.equal(getScaledValueFromIntOrPercent(2, 10, true), 2);
    assert.equal(getScaledValueFromIntOrPercent('25%', 10, true), 3);
    assert.equal(getScaledValueFromIntOrPercent('25%', 10, false), 2);
    assert.throws(() => getScaledValueFromIntOrPercent('2', 10, true), /not a percentage/);
    assert.equal(unavailableCount(ds({ maxUnavailable: '10%' }), 3), 1);
    assert.equal(surgeCount(ds({ maxUnavailable: 0, maxSurge: '50%' }), 3), 2);
  });
  it('OnDelete allows neither', () => {
    assert.equal(unavailableCount(ds({ maxUnavailable: 1 }, 'OnDelete'), 3), 0);
    assert.equal(surgeCount(ds({ maxSurge: 1 }, 'OnDelete'), 3), 0);
  });
});

describe('pod helpers', () => {
  const pod = (labels: Record<string, string>, o: Partial<Pod> = {}): Pod => ({ metadata: { labels, ...(o.metadata ?? {}) }, spec: o.spec ?? {}, status: o.status });
  it('isPodUpdated by hash or by template generation', () => {
    assert.equal(isPodUpdated(pod({ 'controller-revision-hash': 'h1' }), 'h1', undefined), true);
    assert.equal(isPodUpdated(pod({ 'controller-revision-hash': 'h0' }), 'h1', 2), false);
    assert.equal(isPodUpdated(pod({ 'pod-template-generation': '2' }), 'h1', 2), true);
  });
  it('isPodAvailable waits minReadySeconds after the Ready transition', () => {
    const p = pod({}, { status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] } });
    assert.equal(isPodAvailable(p, 0, new Date('2026-01-01T00:00:00Z')), true);
    assert.equal(isPodAvailable(p, 10, new Date('2026-01-01T00:00:05Z')), false);
    assert.equal(isPodAvailable(p, 10, new Date('2026-01-01T00:00:11Z')), true);
  });
  it('orders scheduled pods first, then oldest, then by name', () => {
    const a = pod({}, { metadata: { name: 'a', creationTimestamp: '2026-01-01T00:00:02Z' }, spec: { nodeName: 'n' } });
    const b = pod({}, { metadata: { name: 'b', creationTimestamp: '2026-01-01T00:00:01Z' } });
    const c = pod({}, { metadata: { name: 'c', creationTimestamp: '2026-01-01T00:00:01Z' }, spec: { nodeName: 'n' } });
    const d = pod({}, { metadata: { name: 'd', creationTimestamp: '2026-01-01T00:00:01Z' }, spec: { nodeName: 'n' } });
    assert.deepEqual([a, b, d, c].sort(compareByCreationTimestampAndPhase).map((p) => p.metadata?.name), ['c', 'd', 'a', 'b']);
  });
});
