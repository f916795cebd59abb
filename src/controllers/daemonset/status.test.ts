import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calculateStatus } from './status.js';
import type { DaemonSet, Node, Pod } from './types.js';

const NOW = new Date('2026-01-01T00:10:00Z');
const ds: DaemonSet = {
  metadata: { name: 'agent', namespace: 'default', annotations: { 'deprecated.daemonset.template.generation': '2' } },
  spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { nodeSelector: { disk: 'ssd' } } }, minReadySeconds: 60 },
};
const node = (name: string, disk: string): Node => ({ metadata: { name, labels: { disk } }, spec: {} });

function pod(name: string, nodeName: string, o: { hash?: string; generation?: string; readySince?: string; created?: string } = {}): Pod {
  return {
    metadata: { name, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z', labels: { app: 'a', ...(o.hash ? { 'controller-revision-hash': o.hash } : {}), ...(o.generation ? { 'pod-template-generation': o.generation } : {}) } },
    spec: { nodeName },
    status: { phase: 'Running', conditions: o.readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: o.readySince }] : [] },
  };
}

describe('calculateStatus', () => {
  it('counts desired, current, misscheduled, ready, available (minReadySeconds) and up-to-date over existing nodes', () => {
    const nodes = [node('n1', 'ssd'), node('n2', 'ssd'), node('n3', 'ssd'), node('n4', 'ssd'), node('n5', 'hdd')];
    const pods = new Map<string, Pod[]>([
      // ready long enough, current revision
      ['n1', [pod('a', 'n1', { hash: 'h2', readySince: '2026-01-01T00:00:00Z' })]],
      // ready for 30 s only: ready, not available; up to date by template generation
      ['n2', [pod('b', 'n2', { generation: '2', readySince: '2026-01-01T00:09:30Z' })]],
      // n3 has no pod; n4's oldest pod (old revision, not ready) is the one counted
      ['n4', [pod('d2', 'n4', { hash: 'h2', readySince: '2026-01-01T00:00:00Z', created: '2026-01-01T00:05:00Z' }), pod('d1', 'n4', { hash: 'h1' })]],
      // the node no longer matches: misscheduled
      ['n5', [pod('e', 'n5', { hash: 'h2' })]],
      // a node that is gone counts nowhere
      ['gone', [pod('f', 'gone', { hash: 'h2', readySince: '2026-01-01T00:00:00Z' })]],
    ]);
    assert.deepEqual(calculateStatus(ds, nodes, pods, 'h2', NOW), {
      desiredNumberScheduled: 4, currentNumberScheduled: 3, numberMisscheduled: 1, numberReady: 2,
      updatedNumberScheduled: 2, numberAvailable: 1, numberUnavailable: 3,
    });
  });
  it('is all zero when no node matches', () => {
    assert.deepEqual(calculateStatus(ds, [node('n1', 'hdd')], new Map(), 'h2', NOW), {
      desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0,
    });
  });
});
