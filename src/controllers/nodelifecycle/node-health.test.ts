import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { markConditionsUnknown, observeNodeHealth, type Lease } from './node-health.js';
import type { Node } from './taints.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const o = { gracePeriodMs: 40_000, startupGracePeriodMs: 60_000 };
const at = (ms: number) => new Date(T0 + ms).toISOString().replace(/\.\d+Z$/, 'Z');
const node = (heartbeat?: number): Node => ({
  metadata: { name: 'n', creationTimestamp: at(0) },
  status: { conditions: heartbeat === undefined ? [] : [{ type: 'Ready', status: 'True', lastHeartbeatTime: at(heartbeat), lastTransitionTime: at(0) }] },
});
const lease = (renew: number): Lease => ({ spec: { renewTime: new Date(T0 + renew).toISOString().replace('Z', '000Z') } });

describe('observeNodeHealth', () => {
  it('goes stale grace period after the last new heartbeat', () => {
    let r = observeNodeHealth(node(0), undefined, undefined, T0, o);
    assert.equal(r.stale, false);
    r = observeNodeHealth(node(0), r.health, undefined, T0 + 40_000, o);
    assert.equal(r.stale, false, 'exactly the grace period is not yet stale');
    r = observeNodeHealth(node(0), r.health, undefined, T0 + 40_001, o);
    assert.equal(r.stale, true);
    assert.equal(r.observed.status, 'True');
    // A new heartbeat (a different lastHeartbeatTime) is a sign of life.
    r = observeNodeHealth(node(41_000), r.health, undefined, T0 + 41_000, o);
    assert.equal(r.stale, false);
  });

  it('counts a renewed Lease as a heartbeat, and only a renewed one', () => {
    let r = observeNodeHealth(node(0), undefined, lease(0), T0, o);
    r = observeNodeHealth(node(0), r.health, lease(30_000), T0 + 30_000, o);
    r = observeNodeHealth(node(0), r.health, lease(30_000), T0 + 69_000, o);
    assert.equal(r.stale, false, 'renewed at 30 s: fine until 70 s');
    r = observeNodeHealth(node(0), r.health, lease(30_000), T0 + 70_001, o);
    assert.equal(r.stale, true);
  });

  it('gives a node that never posted Ready the startup grace period from its creation', () => {
    let r = observeNodeHealth(node(), undefined, undefined, T0 + 50_000, o);
    assert.deepEqual([r.stale, r.gracePeriodMs, r.observed.status], [false, 60_000, 'Unknown']);
    r = observeNodeHealth(node(), r.health, undefined, T0 + 60_001, o);
    assert.equal(r.stale, true);
  });
});

describe('markConditionsUnknown', () => {
  it('marks Ready and the pressure conditions Unknown, adds the ones never posted', () => {
    const n = node(0);
    n.status!.conditions!.push({ type: 'NetworkUnavailable', status: 'False' });
    const ready = markConditionsUnknown(n, new Date(T0 + 50_000));
    assert.deepEqual([ready.status, ready.reason, ready.message, ready.lastTransitionTime, ready.lastHeartbeatTime],
      ['Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', at(50_000), at(0)]);
    const mem = n.status!.conditions!.find((c) => c.type === 'MemoryPressure')!;
    assert.deepEqual([mem.status, mem.reason, mem.message], ['Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.']);
    assert.equal(n.status!.conditions!.find((c) => c.type === 'NetworkUnavailable')!.status, 'False', 'NetworkUnavailable is left alone');
    // Marking again changes nothing (the transition time stays).
    markConditionsUnknown(n, new Date(T0 + 90_000));
    assert.equal(ready.lastTransitionTime, at(50_000));
  });
});
