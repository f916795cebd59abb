import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode } from './testing/wrappers.js';
import { nodeSchedulingPropertiesChange } from './event-handlers.js';

test('nodeSchedulingPropertiesChange: what a node update changed for scheduling; heartbeats are nothing', () => {
  const base = () => makeNode().name('n').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).obj();
  const labels = (ev: { label?: string }[]) => ev.map((e) => e.label);
  const heartbeat = base();
  heartbeat.status!.conditions = [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:10Z' } as never];
  const before = base();
  before.status!.conditions = [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' } as never];
  const cases = [
    { name: 'heartbeat only', old: before, new: heartbeat, want: [] },
    { name: 'cordoned', old: base(), new: makeNode().name('n').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).unschedulable().obj(), want: ['NodeSpecUnschedulableChange'] },
    { name: 'relabelled', old: base(), new: makeNode().name('n').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).label('disk', 'ssd').obj(), want: ['NodeLabelChange'] },
    { name: 'tainted', old: base(), new: makeNode().name('n').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).taints([{ key: 'a', effect: 'NoSchedule' }]).obj(), want: ['NodeTaintChange'] },
    { name: 'allocatable', old: base(), new: makeNode().name('n').capacity({ cpu: '8', memory: '8Gi', pods: '110' }).obj(), want: ['NodeAllocatableChange'] },
    { name: 'became not ready', old: before, new: (() => { const n = base(); n.status!.conditions = [{ type: 'Ready', status: 'False' }]; return n; })(), want: ['NodeConditionChange'] },
  ];
  for (const c of cases) assert.deepEqual(labels(nodeSchedulingPropertiesChange(c.new, c.old)), c.want, c.name);
});
