import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPluginArgs } from '../apis/defaults.js';
import { CycleState } from '../framework/cycle-state.js';
import { implementsPoint, type ScorePlugin } from '../framework/interface.js';
import type { NodeScore } from '../framework/types.js';
import { fakeHandle } from '../testing/fake-handle.js';
import { makeNode, makePod, type PodWrapper } from '../testing/wrappers.js';
import { newInTreeRegistry } from './registry.js';

const ZONE = 'topology.kubernetes.io/zone';

/** nodes of every kind a score depends on: sizes, usage, taints, zones, missing labels. */
function cluster() {
  const nodes = [
    makeNode().name('n1').label(ZONE, 'z1').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).obj(),
    makeNode().name('n2').label(ZONE, 'z1').capacity({ cpu: '8', memory: '4Gi', pods: '110' })
      .taints([{ key: 'a', value: 'b', effect: 'PreferNoSchedule' }, { key: 'c', effect: 'PreferNoSchedule' }]).obj(),
    makeNode().name('n3').label(ZONE, 'z2').capacity({ cpu: '2', memory: '16Gi', pods: '110' })
      .taints([{ key: 'a', value: 'b', effect: 'PreferNoSchedule' }]).obj(),
    makeNode().name('n4').capacity({ cpu: '16', memory: '32Gi', pods: '110' }).obj(),
    makeNode().name('n5').label(ZONE, 'z3').capacity({ cpu: '1', memory: '1Gi', pods: '110' }).obj(),
  ];
  const web = (name: string, node: string) => makePod().name(name).label('app', 'web').node(node).req({ cpu: '500m', memory: '1Gi' }).obj();
  const pods = [web('a', 'n1'), web('b', 'n1'), web('c', 'n3'), web('d', 'n4'), makePod().name('e').label('app', 'db').node('n2').req({ cpu: '1' }).obj()];
  return { nodes, pods };
}

const pods: [string, PodWrapper][] = [
  ['plain pod', makePod().name('p').label('app', 'web').req({ cpu: '250m', memory: '256Mi' })],
  ['pod without requests', makePod().name('p').label('app', 'web')],
  ['pod with a toleration and spread constraints', makePod().name('p').label('app', 'web').req({ cpu: '1' })
    .spreadConstraint(1, ZONE, 'ScheduleAnyway', { matchLabels: { app: 'web' } })
    .spreadConstraint(2, 'kubernetes.io/hostname', 'ScheduleAnyway', { matchLabels: { app: 'web' } })],
];

test('scoreNodes scores every node exactly as score does, plugin by plugin', () => {
  const { nodes, pods: existing } = cluster();
  const args = defaultPluginArgs();
  let batched = 0;
  for (const [name, factory] of newInTreeRegistry()) {
    for (const [what, wrapper] of pods) {
      const h = fakeHandle({ nodes, pods: existing });
      const pl = factory(args[name] ?? {}, h);
      if (!implementsPoint.score(pl)) continue;
      const sp = pl as ScorePlugin;
      if (!sp.scoreNodes) continue;
      const pod = wrapper.info();
      const state = new CycleState();
      const list = h.snapshot.list();
      if (implementsPoint.preScore(pl) && pl.preScore(state, pod, list)?.code === 'Skip') continue;
      const one = list.map((ni) => sp.score(state, pod, ni));
      const all: NodeScore[] = list.map((ni) => ({ name: ni.name, score: -1 }));
      assert.equal(sp.scoreNodes(state, pod, list, all), undefined, `${name}, ${what}`);
      assert.deepEqual(all.map((s) => s.score), one, `${name}, ${what}`);
      batched++;
    }
  }
  // NodeResourcesFit, NodeResourcesBalancedAllocation, TaintToleration on every pod; PodTopologySpread on the one with constraints.
  assert.ok(batched >= 10, `only ${batched} plugin/pod pairs had scoreNodes`);
});
