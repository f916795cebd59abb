import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admissionConfigFrom, controllerOptionsFrom, parseDuration } from './controller-flags.js';

describe('parseDuration (Go time.ParseDuration)', () => {
  const ok: [string, number][] = [['40s', 40_000], ['5s', 5_000], ['1m30s', 90_000], ['500ms', 500], ['1.5h', 5_400_000], ['0', 0], ['2m0s', 120_000], ['-1s', -1000]];
  for (const [s, ms] of ok) it(s, () => assert.equal(parseDuration(s), ms));
  it('rejects a number without a unit', () => assert.throws(() => parseDuration('40'), { message: 'time: missing unit in duration "40"' }));
  it('rejects garbage', () => assert.throws(() => parseDuration('4 s'), { message: 'time: invalid duration "4 s"' }));
});

describe('cluster flags', () => {
  it('override only what is given', () => {
    const o = controllerOptionsFrom({ nodeMonitorGracePeriod: 4_000 });
    assert.deepEqual([o.nodeMonitorGracePeriodMs, o.nodeMonitorPeriodMs, o.nodeStartupGracePeriodMs], [4_000, 5_000, 60_000]);
    assert.deepEqual(admissionConfigFrom({ defaultUnreachableTolerationSeconds: 2 }), { defaultUnreachableTolerationSeconds: 2 });
  });
  it('carry the horizontal pod autoscaler flags', () => {
    const o = controllerOptionsFrom({ horizontalPodAutoscalerSyncPeriod: 2_000, horizontalPodAutoscalerDownscaleStabilization: 10_000, horizontalPodAutoscalerTolerance: 0.2, horizontalPodAutoscalerCpuInitializationPeriod: 1_000, horizontalPodAutoscalerInitialReadinessDelay: 500 });
    assert.deepEqual([o.horizontalPodAutoscalerSyncPeriodMs, o.horizontalPodAutoscalerDownscaleStabilizationMs, o.horizontalPodAutoscalerTolerance, o.horizontalPodAutoscalerCPUInitializationPeriodMs, o.horizontalPodAutoscalerInitialReadinessDelayMs], [2_000, 10_000, 0.2, 1_000, 500]);
    assert.equal(controllerOptionsFrom({}).horizontalPodAutoscalerSyncPeriodMs, undefined, 'the controller keeps its 15 s default');
    assert.equal(controllerOptionsFrom({ resourceQuotaSyncPeriod: 30_000 }).resourceQuotaSyncPeriodMs, 30_000);
  });
});
