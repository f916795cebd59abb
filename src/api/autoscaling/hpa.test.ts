import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../../apimachinery/errors.js';
import { createObject } from '../testing/strategy-harness.js';
import { convertHPA, CONDITIONS_ANNOTATION, METRICS_ANNOTATION } from './conversion.js';
import { hpaV1, hpaV2 } from './hpa.js';

const v2 = {
  apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'nginx', namespace: 'default' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nginx' }, minReplicas: 2, maxReplicas: 10,
    metrics: [
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    ],
  },
  status: {
    currentReplicas: 3, desiredReplicas: 3,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } }],
    conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale' }],
  },
};

describe('HPA conversion', () => {
  it('v2 -> v1 keeps CPU in targetCPUUtilizationPercentage and the rest in annotations', () => {
    const v1 = convertHPA(v2, 'v1') as any;
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.deepEqual(v1.spec, { scaleTargetRef: v2.spec.scaleTargetRef, minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 50 });
    assert.deepEqual(v1.status, { currentReplicas: 3, desiredReplicas: 3, currentCPUUtilizationPercentage: 40 });
    assert.deepEqual(JSON.parse(v1.metadata.annotations[METRICS_ANNOTATION]), [v2.spec.metrics[0]]);
    assert.ok(v1.metadata.annotations[CONDITIONS_ANNOTATION]);
  });

  it('round-trips v2 -> v1 -> v2', () => {
    assert.deepEqual(convertHPA(convertHPA(v2, 'v1'), 'v2'), { ...v2, status: { ...v2.status } });
  });

  it('v1 without target gets the 80% CPU default', () => {
    const { obj, errs } = createObject(hpaV1, { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3 } });
    assert.deepEqual(errs, []);
    assert.deepEqual(obj.spec, { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3, minReplicas: 1, targetCPUUtilizationPercentage: 80 });
    assert.deepEqual(obj.status, { currentReplicas: 0, desiredReplicas: 0 });
    assert.equal(hpaV1.storageVersion, 'v2');
  });
});

describe('HPA v2 defaulting and validation', () => {
  it('defaults minReplicas, metrics and behavior', () => {
    const { obj } = createObject(hpaV2, { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } });
    const spec = obj.spec as any;
    assert.equal(spec.minReplicas, 1);
    assert.deepEqual(spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    assert.deepEqual(spec.behavior.scaleDown, { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
    assert.equal(spec.behavior.scaleUp.policies.length, 2);
    assert.deepEqual(obj.status, { currentMetrics: null, desiredReplicas: 0 });
  });

  it('fills scaleUp completely but leaves scaleDown\'s window to the controller, as Kubernetes\' defaulting does', () => {
    const { obj } = createObject(hpaV2, { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3, behavior: { scaleUp: { selectPolicy: 'Min' } } } });
    assert.deepEqual((obj.spec as any).behavior, {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  it('rejects max below min', () => {
    const { errs } = createObject(hpaV2, { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, minReplicas: 5, maxReplicas: 3 } });
    assert.equal(invalid('HorizontalPodAutoscaler', 'autoscaling', 'h', errs).message,
      'HorizontalPodAutoscaler.autoscaling "h" is invalid: spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`');
  });
});
