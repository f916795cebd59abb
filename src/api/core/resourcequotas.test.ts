import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../../apimachinery/errors.js';
import type { KubeObject } from '../resource.js';
import { limitranges, resourcequotas, resourceQuotaPrinter } from './resourcequotas.js';
import { podtemplates } from './podtemplates.js';
import { runtimeclasses } from '../node/runtimeclasses.js';

const msgs = (errs: ReturnType<NonNullable<typeof resourcequotas.strategy.validate>>) => errs.map(fieldErrorMessage);

describe('ResourceQuota', () => {
  it('validates resource names, quantities and scopes with Kubernetes\' messages', () => {
    const rq = (spec: unknown): KubeObject => ({ metadata: { name: 'q' }, spec } as KubeObject);
    assert.deepEqual(msgs(resourcequotas.strategy.validate!(rq({ hard: { pods: '1.5', cpu: '-1', foo: '1', 'count/x.apps': '1' } }))), [
      'spec.hard[pods]: Invalid value: "1.5": must be an integer',
      'spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0',
      'spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota',
    ]);
    assert.deepEqual(msgs(resourcequotas.strategy.validate!(rq({ hard: { configmaps: '1' }, scopes: ['BestEffort'] }))), [
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource',
    ]);
    assert.deepEqual(msgs(resourcequotas.strategy.validate!(rq({ hard: { pods: '1' }, scopes: ['Terminating', 'NotTerminating'] }))), [
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"Terminating", "NotTerminating"}: conflicting scopes',
    ]);
  });
  it('prints REQUEST and LIMIT from status as used/hard', () => {
    const cells = resourceQuotaPrinter.cells({ metadata: { name: 'q', creationTimestamp: '2024-01-01T00:00:00Z' }, status: { hard: { 'limits.cpu': '2', pods: '4', 'requests.cpu': '1' }, used: { pods: '1', 'requests.cpu': '500m' } } }, new Date('2024-01-01T00:00:10Z'));
    assert.deepEqual(cells, ['q', '10s', 'pods: 1/4, requests.cpu: 500m/1', 'limits.cpu: 0/2']);
  });
});

describe('LimitRange', () => {
  it('defaults Container items from max, default and min', () => {
    const lr: KubeObject = { spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { memory: '0.5Gi' } }, { type: 'Pod', max: { cpu: '2' } }] } };
    limitranges.strategy.default!(lr);
    assert.deepEqual(lr.spec, { limits: [
      { type: 'Container', max: { cpu: '1' }, min: { memory: '512Mi' }, default: { cpu: '1' }, defaultRequest: { cpu: '1', memory: '512Mi' } },
      { type: 'Pod', max: { cpu: '2' } },
    ] });
  });
  it('validates the order of min, defaults and max, and the ratio', () => {
    const v = (item: unknown) => msgs(limitranges.strategy.validate!({ metadata: { name: 'l' }, spec: { limits: [item] } }));
    assert.deepEqual(v({ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }), ['spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1']);
    assert.deepEqual(v({ type: 'Pod', default: { cpu: '1' } }), ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"]);
    assert.deepEqual(v({ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '4' } }), []);
    assert.deepEqual(v({ type: 'Container', min: { cpu: '500m' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '4' } }), ['spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "4": ratio 4 is greater than max/min = 2.000000']);
    assert.deepEqual(v({ type: 'PersistentVolumeClaim' }), ['spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided']);
  });
});

describe('PodTemplate and RuntimeClass', () => {
  it('PodTemplate counts template changes in generation and validates the template', () => {
    const pt: KubeObject = { metadata: { name: 't' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } };
    podtemplates.strategy.default!(pt);
    podtemplates.strategy.prepareForCreate!(pt, { now: new Date() });
    assert.equal(pt.metadata?.generation, 1);
    assert.deepEqual(podtemplates.strategy.validate!(pt), []);
    const next = structuredClone(pt);
    (next.template as { metadata: { labels: Record<string, string> } }).metadata.labels.a = 'c';
    podtemplates.strategy.prepareForUpdate!(next, pt, { now: new Date() });
    assert.equal(next.metadata?.generation, 2);
    assert.deepEqual(podtemplates.table!.cells(pt, new Date()), ['t', 'c', 'x', 'a=b']);
  });
  it('RuntimeClass needs a DNS-label handler that never changes', () => {
    assert.deepEqual(runtimeclasses.strategy.validate!({ metadata: { name: 'r' }, handler: 'runc' }), []);
    assert.deepEqual(msgs(runtimeclasses.strategy.validate!({ metadata: { name: 'r' } })), ['handler: Required value']);
    assert.deepEqual(msgs(runtimeclasses.strategy.validateUpdate!({ metadata: { name: 'r' }, handler: 'b' }, { handler: 'a' })), ['handler: Invalid value: "b": field is immutable']);
  });
});
