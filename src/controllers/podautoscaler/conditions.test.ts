import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setCondition } from './conditions.js';

describe('setCondition', () => {
  it('adds a missing condition and moves lastTransitionTime only when the status changes', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const t1 = new Date('2026-01-01T00:01:00Z');
    let list = setCondition(undefined, 'AbleToScale', 'True', 'SucceededGetScale', 'got it', t0);
    assert.deepEqual(list, [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'SucceededGetScale', message: 'got it' }]);
    list = setCondition(list, 'AbleToScale', 'True', 'SucceededRescale', 'scaled', t1);
    assert.deepEqual([list[0].lastTransitionTime, list[0].reason, list[0].message], ['2026-01-01T00:00:00Z', 'SucceededRescale', 'scaled']);
    list = setCondition(list, 'AbleToScale', 'False', 'FailedGetScale', 'lost it', t1);
    assert.equal(list[0].lastTransitionTime, '2026-01-01T00:01:00Z');
    list = setCondition(list, 'ScalingActive', 'False', 'ScalingDisabled', 'zero', t1);
    assert.deepEqual(list.map((c) => c.type), ['AbleToScale', 'ScalingActive']);
  });
});
