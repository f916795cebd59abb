import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  calculateScaleDownLimitWithBehaviors, calculateScaleUpLimitWithScalingRules, convertDesiredReplicasWithRules, ScalingHistory, type BehaviorArgs, type ScaleEvent,
} from './normalize.js';
import type { HPAScalingRules } from './types.js';

const T = Date.parse('2026-01-01T12:00:00Z');
const s = (n: number) => n * 1000;
const defaultUp: HPAScalingRules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] };
const defaultDown: HPAScalingRules = { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };

describe('convertDesiredReplicasWithRules (no behavior)', () => {
  const cases: [string, [number, number, number, number], [number, string]][] = [
    ['a scale-up is capped at max(2×current, 4)', [2, 10, 1, 20], [4, 'ScaleUpLimit']],
    ['and at maxReplicas', [5, 12, 1, 8], [8, 'TooManyReplicas']],
    ['a count below minReplicas is raised to it', [3, 0, 2, 10], [2, 'TooFewReplicas']],
    ['a count in range is kept', [3, 5, 1, 10], [5, 'DesiredWithinRange']],
  ];
  for (const [name, [cur, desired, min, max], [want, reason]] of cases) {
    it(name, () => {
      const n = convertDesiredReplicasWithRules(cur, desired, min, max);
      assert.deepEqual([n.replicas, n.reason], [want, reason]);
    });
  }
  it('says why in upstream\'s words', () => {
    assert.equal(convertDesiredReplicasWithRules(2, 10, 1, 20).message, 'the desired replica count is increasing faster than the maximum scale rate');
    assert.equal(convertDesiredReplicasWithRules(5, 12, 1, 8).message, 'the desired replica count is more than the maximum replica count');
    assert.equal(convertDesiredReplicasWithRules(3, 0, 2, 10).message, 'the desired replica count is less than the minimum replica count');
    assert.equal(convertDesiredReplicasWithRules(3, 5, 1, 10).message, 'the desired count is within the acceptable range');
  });
});

describe('downscale stabilization (no behavior)', () => {
  it('applies the highest recommendation of the window, then the lower one once the window has passed', () => {
    const h = new ScalingHistory();
    h.recordInitialRecommendation('k', 5, T);
    const first = h.normalizeDesiredReplicas('k', 5, 2, 1, 10, s(300), T + s(60));
    assert.equal(first.replicas, 5);
    assert.deepEqual([first.ableToScale.reason, first.ableToScale.message], ['ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation']);
    assert.deepEqual([first.limited.status, first.limited.reason], ['False', 'DesiredWithinRange']);
    const later = h.normalizeDesiredReplicas('k', 5, 2, 1, 10, s(300), T + s(301));
    assert.equal(later.replicas, 2);
    assert.deepEqual([later.ableToScale.reason, later.ableToScale.message], ['ReadyForNewScale', 'recommended size matches current size']);
    // The recommendation that fell out of the window gave its slot to the new one.
    assert.deepEqual(h.recommendationsOf('k'), [{ replicas: 2, at: T + s(301) }, { replicas: 2, at: T + s(60) }]);
  });
  it('does not hold back a scale-up', () => {
    const h = new ScalingHistory();
    h.recordInitialRecommendation('k', 2, T);
    const n = h.normalizeDesiredReplicas('k', 2, 3, 1, 10, s(300), T + s(15));
    assert.deepEqual([n.replicas, n.ableToScale.reason, n.limited.status], [3, 'ReadyForNewScale', 'False']);
  });
  it('reports ScalingLimited when min or max bound the count', () => {
    const h = new ScalingHistory();
    const n = h.normalizeDesiredReplicas('k', 3, 20, 1, 10, s(300), T);
    assert.deepEqual([n.replicas, n.limited.status, n.limited.reason], [6, 'True', 'ScaleUpLimit']);
  });
});

describe('scale rate policies', () => {
  const up = (n: number, at: number): ScaleEvent => ({ change: n, at, outdated: false });
  it('scale-up: Max takes the most permissive policy, Min the least, Disabled none', () => {
    assert.equal(calculateScaleUpLimitWithScalingRules(1, [], [], defaultUp, T), 5);
    assert.equal(calculateScaleUpLimitWithScalingRules(10, [], [], defaultUp, T), 20);
    assert.equal(calculateScaleUpLimitWithScalingRules(1, [], [], { ...defaultUp, selectPolicy: 'Min' }, T), 2);
    assert.equal(calculateScaleUpLimitWithScalingRules(3, [], [], { ...defaultUp, selectPolicy: 'Disabled' }, T), 3);
    // Percent rounds up, so a small target can always grow.
    assert.equal(calculateScaleUpLimitWithScalingRules(1, [], [], { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] }, T), 2);
  });
  it('scale-up counts from the replicas at the start of each policy\'s period', () => {
    // 1 → 5 ten seconds ago: within 15 s the period started at 1, so 5 is still the limit.
    assert.equal(calculateScaleUpLimitWithScalingRules(5, [up(4, T - s(10))], [], defaultUp, T), 5);
    assert.equal(calculateScaleUpLimitWithScalingRules(5, [up(4, T - s(16))], [], defaultUp, T), 10);
  });
  it('scale-down: Percent rounds down, Max takes the most permissive (lowest)', () => {
    const rules: HPAScalingRules = { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }, { type: 'Pods', value: 1, periodSeconds: 15 }] };
    assert.equal(calculateScaleDownLimitWithBehaviors(10, [], [], rules, T), 5);
    assert.equal(calculateScaleDownLimitWithBehaviors(10, [], [], { ...rules, selectPolicy: 'Min' }, T), 9);
    assert.equal(calculateScaleDownLimitWithBehaviors(5, [], [up(5, T - s(30))], rules, T), 4, 'the 60 s percent policy started at 10 → 5; the pods policy allows one more');
    assert.equal(calculateScaleDownLimitWithBehaviors(4, [], [], { ...rules, selectPolicy: 'Disabled' }, T), 4);
  });
});

describe('normalizing with behavior', () => {
  const args = (o: Partial<BehaviorArgs>): BehaviorArgs => ({ scaleUp: defaultUp, scaleDown: { ...defaultDown, stabilizationWindowSeconds: 0 }, minReplicas: 1, maxReplicas: 10, currentReplicas: 1, desiredReplicas: 1, ...o });

  it('scales up by the policies\' rate, one period at a time', () => {
    const h = new ScalingHistory();
    let n = h.normalizeDesiredReplicasWithBehaviors('k', args({ currentReplicas: 1, desiredReplicas: 10 }), T);
    assert.deepEqual([n.replicas, n.limited.status, n.limited.reason, n.limited.message], [5, 'True', 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']);
    h.storeScaleEvent('k', { scaleUp: defaultUp, scaleDown: defaultDown }, 1, 5, T);
    n = h.normalizeDesiredReplicasWithBehaviors('k', args({ currentReplicas: 5, desiredReplicas: 10 }), T + s(5));
    assert.deepEqual([n.replicas, n.limited.reason], [5, 'ScaleUpLimit']);
    n = h.normalizeDesiredReplicasWithBehaviors('k', args({ currentReplicas: 5, desiredReplicas: 12 }), T + s(16));
    assert.deepEqual([n.replicas, n.limited.status, n.limited.reason], [10, 'True', 'TooManyReplicas']);
  });

  it('scales down by the policies\' rate and not below minReplicas', () => {
    const down: HPAScalingRules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 15 }] };
    const h = new ScalingHistory();
    let n = h.normalizeDesiredReplicasWithBehaviors('k', args({ scaleDown: down, currentReplicas: 4, desiredReplicas: 1 }), T);
    assert.deepEqual([n.replicas, n.limited.reason, n.limited.message], [3, 'ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate']);
    h.storeScaleEvent('k', { scaleUp: defaultUp, scaleDown: down }, 4, 3, T);
    n = h.normalizeDesiredReplicasWithBehaviors('k', args({ scaleDown: down, currentReplicas: 3, desiredReplicas: 1 }), T + s(10));
    assert.equal(n.replicas, 3, 'the period\'s one pod is used up');
    n = h.normalizeDesiredReplicasWithBehaviors('k', args({ scaleDown: { ...down, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] }, minReplicas: 2, currentReplicas: 3, desiredReplicas: 1 }), T + s(20));
    assert.deepEqual([n.replicas, n.limited.reason], [2, 'TooFewReplicas']);
  });

  it('holds the count within the recommendations of the stabilization windows', () => {
    const h = new ScalingHistory();
    h.recordInitialRecommendation('k', 4, T - s(30));
    let n = h.normalizeDesiredReplicasWithBehaviors('k', args({ scaleDown: { ...defaultDown, stabilizationWindowSeconds: 60 }, currentReplicas: 4, desiredReplicas: 2 }), T);
    assert.deepEqual([n.replicas, n.ableToScale.reason, n.ableToScale.message], [4, 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation']);
    n = h.normalizeDesiredReplicasWithBehaviors('k', args({ scaleDown: { ...defaultDown, stabilizationWindowSeconds: 60 }, currentReplicas: 4, desiredReplicas: 2 }), T + s(31));
    assert.deepEqual([n.replicas, n.ableToScale.reason], [2, 'ReadyForNewScale']);

    const u = new ScalingHistory();
    u.recordInitialRecommendation('k', 2, T - s(30));
    n = u.normalizeDesiredReplicasWithBehaviors('k', args({ scaleUp: { ...defaultUp, stabilizationWindowSeconds: 60 }, currentReplicas: 2, desiredReplicas: 6 }), T);
    assert.deepEqual([n.replicas, n.ableToScale.reason, n.ableToScale.message], [2, 'ScaleUpStabilized', 'recent recommendations were lower than current one, applying the lowest recent recommendation']);
  });

  it('reuses the slot of a scale event older than the longest policy period', () => {
    const h = new ScalingHistory();
    const rules = { scaleUp: defaultUp, scaleDown: defaultDown };
    h.storeScaleEvent('k', rules, 1, 3, T);
    h.storeScaleEvent('k', rules, 3, 4, T + s(5));
    assert.equal(h.eventsOf('k', 'up').length, 2);
    h.storeScaleEvent('k', rules, 4, 6, T + s(30));
    // Both earlier events are outdated (older than 15 s); the last of them gives its slot.
    assert.deepEqual(h.eventsOf('k', 'up'), [{ change: 2, at: T, outdated: true }, { change: 2, at: T + s(30), outdated: false }]);
    h.storeScaleEvent('k', undefined, 6, 2, T + s(31));
    assert.equal(h.eventsOf('k', 'down').length, 0, 'without behavior nothing is recorded');
  });
});
