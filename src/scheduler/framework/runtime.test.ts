import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Snapshot } from '../cache/snapshot.js';
import { defaultProfile } from '../apis/defaults.js';
import { newInTreeRegistry } from '../plugins/registry.js';
import { emptyInformers } from '../testing/fake-handle.js';
import { makeNode, makePod } from '../testing/wrappers.js';
import { FakeClock } from '../../util/clock.js';
import type { Client } from '../../client/types.js';
import { CycleState } from './cycle-state.js';
import type { FilterPlugin, Plugin, Registry, ScorePlugin } from './interface.js';
import { Framework } from './runtime.js';
import { newStatus } from './status.js';
import type { KubeSchedulerProfile } from '../apis/types.js';

function fw(profile: Partial<KubeSchedulerProfile> = {}, registry: Registry = newInTreeRegistry(), snapshot = new Snapshot()): Framework {
  return new Framework({
    profile: defaultProfile(profile), registry, client: {} as Client, informers: emptyInformers, clock: new FakeClock(),
    eventRecorder: { event: () => undefined }, snapshot: () => snapshot,
  });
}

test('default profile: Kubernetes 1.32 plugin order per extension point and score weights', () => {
  const l = fw().listPlugins();
  assert.deepEqual(l.preEnqueue?.map((p) => p.name), ['SchedulingGates']);
  assert.deepEqual(l.queueSort?.map((p) => p.name), ['PrioritySort']);
  assert.deepEqual(l.preFilter?.map((p) => p.name), ['NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding', 'PodTopologySpread', 'InterPodAffinity']);
  assert.deepEqual(l.filter?.map((p) => p.name), ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding', 'PodTopologySpread', 'InterPodAffinity']);
  assert.deepEqual(l.postFilter?.map((p) => p.name), ['DefaultPreemption']);
  assert.deepEqual(l.score, [
    { name: 'TaintToleration', weight: 3 }, { name: 'NodeAffinity', weight: 2 }, { name: 'NodeResourcesFit', weight: 1 },
    { name: 'PodTopologySpread', weight: 2 }, { name: 'InterPodAffinity', weight: 2 }, { name: 'NodeResourcesBalancedAllocation', weight: 1 }, { name: 'ImageLocality', weight: 1 },
  ]);
  assert.deepEqual(l.preBind?.map((p) => p.name), ['VolumeBinding']);
  assert.deepEqual(l.bind?.map((p) => p.name), ['DefaultBinder']);
});

test('profile plugins: disable at a point, re-weight, disable everywhere, "*"', () => {
  const l = fw({ plugins: { score: { disabled: [{ name: 'NodeResourcesBalancedAllocation' }], enabled: [{ name: 'ImageLocality', weight: 5 }] } } }).listPlugins();
  assert.deepEqual(l.score?.map((p) => `${p.name}=${p.weight}`), ['ImageLocality=5', 'TaintToleration=3', 'NodeAffinity=2', 'NodeResourcesFit=1', 'PodTopologySpread=2', 'InterPodAffinity=2']);
  const noImage = fw({ plugins: { multiPoint: { disabled: [{ name: 'ImageLocality' }] } } }).listPlugins();
  assert.ok(!noImage.score?.some((p) => p.name === 'ImageLocality'));
  const onlyFit = fw({ plugins: { score: { disabled: [{ name: '*' }], enabled: [{ name: 'NodeResourcesFit' }] } } }).listPlugins();
  assert.deepEqual(onlyFit.score, [{ name: 'NodeResourcesFit', weight: 1 }]);
  const noPreemption = fw({ plugins: { postFilter: { disabled: [{ name: 'DefaultPreemption' }] } } });
  assert.equal(noPreemption.hasPostFilterPlugins(), false);
});

test('profile errors as kube-scheduler words them', () => {
  assert.throws(() => fw({ plugins: { filter: { enabled: [{ name: 'Nope' }] } } }), /FilterPlugin "Nope" does not exist/);
  assert.throws(() => fw({ plugins: { score: { enabled: [{ name: 'NodeName' }] } } }), /plugin "NodeName" does not extend ScorePlugin plugin/);
  assert.throws(() => fw({ plugins: { queueSort: { disabled: [{ name: '*' }] } } }), /only one queue sort plugin required for profile with scheduler name "default-scheduler", but got 0/);
  assert.throws(() => fw({ plugins: { bind: { disabled: [{ name: '*' }] } } }), /at least one bind plugin is needed/);
});

test('filters run in order; the first rejection names its plugin; Skip from PreFilter skips the Filter', () => {
  const calls: string[] = [];
  const mk = (name: string, result?: string): FilterPlugin => ({ name, filter: () => { calls.push(name); return result ? newStatus('Unschedulable', result) : undefined; } });
  const reg: Registry = new Map([
    ...newInTreeRegistry(),
    ['A', () => mk('A')],
    ['B', () => mk('B', 'no B')],
    ['C', () => mk('C', 'no C')],
  ] as [string, () => Plugin][]);
  const f = fw({ plugins: { multiPoint: { disabled: [{ name: '*' }] }, queueSort: { enabled: [{ name: 'PrioritySort' }] }, bind: { enabled: [{ name: 'DefaultBinder' }] }, filter: { enabled: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] } } }, reg);
  const s = f.runFilterPlugins(new CycleState(), makePod().name('p').info(), makeNode().name('n').info());
  assert.equal(s?.message(), 'no B');
  assert.equal(s?.plugin, 'B');
  assert.deepEqual(calls, ['A', 'B']);
  const st = new CycleState();
  st.skipFilterPlugins.add('B');
  assert.equal(f.runFilterPlugins(st, makePod().name('p').info(), makeNode().name('n').info())?.plugin, 'C');
});

test('runScorePlugins: normalized scores times weights, summed', () => {
  const score = (name: string, raw: number[]): ScorePlugin => ({
    name, score: (_s, _p, ni) => raw[Number(ni.name.slice(1))],
    normalizeScore: (_s, _p, scores) => { const max = Math.max(...scores.map((x) => x.score)); for (const x of scores) x.score = max ? Math.trunc((x.score * 100) / max) : 0; return undefined; },
  });
  const reg: Registry = new Map([...newInTreeRegistry(), ['S1', () => score('S1', [1, 2])], ['S2', () => score('S2', [4, 1])]] as [string, () => Plugin][]);
  const f = fw({ plugins: { multiPoint: { disabled: [{ name: '*' }] }, queueSort: { enabled: [{ name: 'PrioritySort' }] }, bind: { enabled: [{ name: 'DefaultBinder' }] }, score: { enabled: [{ name: 'S1', weight: 2 }, { name: 'S2', weight: 1 }] } } }, reg);
  const nodes = [makeNode().name('n0').info(), makeNode().name('n1').info()];
  const { scores } = f.runScorePlugins(new CycleState(), makePod().name('p').info(), nodes);
  assert.deepEqual(scores, [{ name: 'n0', totalScore: 50 * 2 + 100 }, { name: 'n1', totalScore: 100 * 2 + 25 }]);
  const bad: Registry = new Map([...newInTreeRegistry(), ['Bad', () => ({ name: 'Bad', score: () => 101 })]] as [string, () => Plugin][]);
  const fb = fw({ plugins: { score: { enabled: [{ name: 'Bad' }] } } }, bad);
  assert.match(fb.runScorePlugins(new CycleState(), makePod().name('p').info(), nodes).status!.message(), /plugin "Bad" returns an invalid score 101, it should in the range of \[0, 100\] after normalizing/);
});

test('runPreFilterPlugins: node restrictions intersect; an empty intersection names the plugins', () => {
  const f = fw();
  const pod = makePod().name('p').nodeAffinity([], [{ key: 'metadata.name', operator: 'In', values: ['host02'] }]).info();
  const r = f.runPreFilterPlugins(new CycleState(), pod, []);
  assert.deepEqual([...r.result!.nodeNames!], ['host02']);
  assert.deepEqual([...r.pluginsWithNodes], ['NodeAffinity']);
  assert.ok(r.status === undefined);
});
