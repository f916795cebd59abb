import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage, invalid } from '../../apimachinery/errors.js';
import { createObject, updateObject } from '../testing/strategy-harness.js';
import { convertHPA, CONDITIONS_ANNOTATION, METRICS_ANNOTATION } from './conversion.js';
import { hpaV1, hpaV2 } from './hpa.js';
import { startTestCluster } from '../../testing/test-cluster.js';

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
  });

  it('one object through the API: written as v1, read and changed as v2, read back as v1 without losing v2 fields', async () => {
    const tc = await startTestCluster();
    try {
      const v1Ref = { group: 'autoscaling', version: 'v1', plural: 'horizontalpodautoscalers', namespaced: true };
      const v2Ref = { ...v1Ref, version: 'v2' };
      await tc.client.create(v1Ref, 'default', {
        apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
      });
      const asV2 = await tc.client.get<any>(v2Ref, 'default', 'web');
      assert.equal(asV2.apiVersion, 'autoscaling/v2');
      assert.deepEqual(asV2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
      const qps = { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } };
      asV2.spec.metrics = [qps, { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }];
      await tc.client.update(v2Ref, 'default', asV2);

      const asV1 = await tc.client.get<any>(v1Ref, 'default', 'web');
      assert.equal(asV1.apiVersion, 'autoscaling/v1');
      assert.equal(asV1.spec.targetCPUUtilizationPercentage, 60);
      assert.deepEqual(JSON.parse(asV1.metadata.annotations[METRICS_ANNOTATION]), [qps]);
      // a v1 client changes what v1 has; the Pods metric it cannot see survives in the annotation
      asV1.spec.maxReplicas = 8;
      await tc.client.update(v1Ref, 'default', asV1);
      const back = await tc.client.get<any>(v2Ref, 'default', 'web');
      assert.equal(back.spec.maxReplicas, 8);
      assert.deepEqual(back.spec.metrics, asV2.spec.metrics);
      assert.equal(back.metadata.annotations?.[METRICS_ANNOTATION], undefined);
    } finally {
      await tc.close();
    }
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

  it('keeps currentMetrics null on a status update without metrics, as Go marshals the nil slice', () => {
    const { obj: old } = createObject(hpaV2, { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3 } });
    const { obj } = updateObject(hpaV2, { ...old, status: { currentReplicas: 3, desiredReplicas: 0 } }, old, 'status');
    assert.deepEqual(obj.status, { currentReplicas: 3, desiredReplicas: 0, currentMetrics: null });
    const { obj: zero } = updateObject(hpaV2, { ...old, status: { currentReplicas: 0, desiredReplicas: 0 } }, old, 'status');
    assert.deepEqual(zero.status, { desiredReplicas: 0, currentMetrics: null }, 'v2\'s currentReplicas is omitempty');
    const v1created = convertHPA({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: {}, status: { currentReplicas: 0, desiredReplicas: 0 } }, 'v2');
    assert.deepEqual(v1created.status, { desiredReplicas: 0, currentMetrics: null });
  });

  it('validates metric sources and targets in Kubernetes\' order and words', () => {
    const msgs = (metrics: unknown[], behavior?: unknown) => createObject(hpaV2, { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3, metrics, ...(behavior ? { behavior } : {}) } }).errs.map(fieldErrorMessage);
    assert.deepEqual(msgs([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }]), ['spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization']);
    assert.deepEqual(msgs([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Bogus', averageUtilization: 0 } } }]), [
      'spec.metrics[0].resource.target.type: Invalid value: "Bogus": must be either Utilization, Value, or AverageValue',
      'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
    ]);
    assert.deepEqual(msgs([{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageUtilization: 50, averageValue: '1Gi' } } }]), ['spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization']);
    assert.deepEqual(msgs([{ type: 'Resource', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1' } } }]), ['spec.metrics[0].resource: Required value: must populate information for the given metric source']);
    assert.deepEqual(msgs([{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'App_1', target: { type: 'Utilization', averageUtilization: 60 } } }]).length, 1);
    assert.deepEqual(msgs([{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'Value', value: '-1' } } }]), [
      'spec.metrics[0].pods.target.value: Invalid value: "-1": must be positive',
      'spec.metrics[0].pods.target.averageValue: Required value: must specify a positive target averageValue',
    ]);
    assert.deepEqual(msgs([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], { scaleUp: { policies: [] } }), ['spec.behavior.scaleUp.policies: Required value: must specify at least one Policy']);
  });

  it('rejects max below min', () => {
    const { errs } = createObject(hpaV2, { metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, minReplicas: 5, maxReplicas: 3 } });
    assert.equal(invalid('HorizontalPodAutoscaler', 'autoscaling', 'h', errs).message,
      'HorizontalPodAutoscaler.autoscaling "h" is invalid: spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`');
  });
});
