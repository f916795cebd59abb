import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchNodeSelectorTerm, nodeShouldRunDaemonPod, toleratesTaint } from './node-eligibility.js';
import type { DaemonSet, Node, PodSpec, Taint } from './types.js';

const node = (name: string, o: { labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean } = {}): Node => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
  spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
});

const ds = (spec: Partial<PodSpec> = {}): DaemonSet => ({
  metadata: { name: 'agent', namespace: 'default', uid: 'u1' },
  spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } } },
});

const required = (...terms: unknown[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } }) as Partial<PodSpec>;

describe('nodeShouldRunDaemonPod', () => {
  const cases: { name: string; node: Node; ds: DaemonSet; shouldRun: boolean; shouldContinueRunning: boolean }[] = [
    { name: 'no constraints: every node', node: node('n1'), ds: ds(), shouldRun: true, shouldContinueRunning: true },
    { name: 'nodeSelector matches', node: node('n1', { labels: { disk: 'ssd' } }), ds: ds({ nodeSelector: { disk: 'ssd' } }), shouldRun: true, shouldContinueRunning: true },
    { name: 'nodeSelector does not match (disk=hdd)', node: node('n1', { labels: { disk: 'hdd' } }), ds: ds({ nodeSelector: { disk: 'ssd' } }), shouldRun: false, shouldContinueRunning: false },
    { name: 'nodeSelector label missing', node: node('n1'), ds: ds({ nodeSelector: { disk: 'ssd' } }), shouldRun: false, shouldContinueRunning: false },
    { name: 'template nodeName names another node', node: node('n1'), ds: ds({ nodeName: 'n2' }), shouldRun: false, shouldContinueRunning: false },
    { name: 'template nodeName names this node', node: node('n1'), ds: ds({ nodeName: 'n1' }), shouldRun: true, shouldContinueRunning: true },
    { name: 'required affinity In matches', node: node('n1', { labels: { zone: 'a' } }), ds: ds(required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] })), shouldRun: true, shouldContinueRunning: true },
    { name: 'required affinity In does not match', node: node('n1', { labels: { zone: 'c' } }), ds: ds(required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] })), shouldRun: false, shouldContinueRunning: false },
    { name: 'required affinity terms are ORed', node: node('n1', { labels: { gpu: 'yes' } }), ds: ds(required({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] })), shouldRun: true, shouldContinueRunning: true },
    { name: 'required affinity DoesNotExist', node: node('n1', { labels: { gpu: 'yes' } }), ds: ds(required({ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] })), shouldRun: false, shouldContinueRunning: false },
    { name: 'required affinity Gt', node: node('n1', { labels: { cores: '16' } }), ds: ds(required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] })), shouldRun: true, shouldContinueRunning: true },
    { name: 'required affinity matchFields metadata.name', node: node('n2'), ds: ds(required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] })), shouldRun: false, shouldContinueRunning: false },
    { name: 'an empty term matches nothing', node: node('n1'), ds: ds(required({})), shouldRun: false, shouldContinueRunning: false },
    { name: 'untolerated NoSchedule taint: no new pod, an existing one stays', node: node('n1', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }), ds: ds(), shouldRun: false, shouldContinueRunning: true },
    { name: 'untolerated NoExecute taint: evicted', node: node('n1', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] }), ds: ds(), shouldRun: false, shouldContinueRunning: false },
    { name: 'PreferNoSchedule is not a constraint', node: node('n1', { taints: [{ key: 'dedicated', value: 'db', effect: 'PreferNoSchedule' }] }), ds: ds(), shouldRun: true, shouldContinueRunning: true },
    { name: 'a template toleration admits a tainted node', node: node('n1', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }), ds: ds({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }), shouldRun: true, shouldContinueRunning: true },
    { name: 'cordoned node (unschedulable and its taint) still runs the daemon', node: node('n1', { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), ds: ds(), shouldRun: true, shouldContinueRunning: true },
    { name: 'not-ready NoExecute is tolerated', node: node('n1', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }), ds: ds(), shouldRun: true, shouldContinueRunning: true },
    { name: 'unreachable NoExecute is tolerated', node: node('n1', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }), ds: ds(), shouldRun: true, shouldContinueRunning: true },
    { name: 'memory-pressure, disk-pressure and pid-pressure are tolerated', node: node('n1', { taints: ['memory', 'disk', 'pid'].map((k) => ({ key: `node.kubernetes.io/${k}-pressure`, effect: 'NoSchedule' })) }), ds: ds(), shouldRun: true, shouldContinueRunning: true },
    { name: 'network-unavailable only for hostNetwork pods', node: node('n1', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }), ds: ds(), shouldRun: false, shouldContinueRunning: true },
    { name: 'network-unavailable tolerated with hostNetwork', node: node('n1', { taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }), ds: ds({ hostNetwork: true }), shouldRun: true, shouldContinueRunning: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(nodeShouldRunDaemonPod(c.node, c.ds), { shouldRun: c.shouldRun, shouldContinueRunning: c.shouldContinueRunning });
    });
  }
});

describe('toleratesTaint', () => {
  const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  const cases: [string, Parameters<typeof toleratesTaint>[0], boolean][] = [
    ['Equal with the same value', { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, true],
    ['Equal with another value', { key: 'k', operator: 'Equal', value: 'w', effect: 'NoSchedule' }, false],
    ['operator defaults to Equal', { key: 'k', value: 'v' }, true],
    ['Exists on the key, any effect', { key: 'k', operator: 'Exists' }, true],
    ['Exists without key tolerates everything', { operator: 'Exists' }, true],
    ['another effect', { key: 'k', operator: 'Exists', effect: 'NoExecute' }, false],
    ['another key', { key: 'x', operator: 'Exists' }, false],
  ];
  for (const [name, t, want] of cases) it(name, () => assert.equal(toleratesTaint(t, taint), want));
});

describe('matchNodeSelectorTerm', () => {
  it('matchFields supports only metadata.name with In/NotIn', () => {
    const n = node('n1');
    assert.equal(matchNodeSelectorTerm({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n2'] }] }, n), true);
    assert.equal(matchNodeSelectorTerm({ matchFields: [{ key: 'metadata.name', operator: 'Exists' }] }, n), false);
    assert.equal(matchNodeSelectorTerm({ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['n1'] }] }, n), false);
  });
  it('requirements of a term are ANDed', () => {
    const n = node('n1', { labels: { a: '1' } });
    assert.equal(matchNodeSelectorTerm({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }, n), true);
    assert.equal(matchNodeSelectorTerm({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }, n), false);
  });
});
