import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createObject, updateObject } from '../testing/strategy-harness.js';
import { fieldErrorMessage } from '../../apimachinery/errors.js';
import { priorityclasses, priorityClassPrinter } from './scheduling.js';

const pc = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, ...extra });

describe('PriorityClass', () => {
  it('defaults preemptionPolicy and value', () => {
    const { obj, errs } = createObject(priorityclasses, pc('high', { value: 1000 }));
    assert.deepEqual(errs, []);
    assert.equal(obj.preemptionPolicy, 'PreemptLowerPriority');
    assert.equal(createObject(priorityclasses, pc('zero')).obj.value, 0);
  });

  it('validates as Kubernetes does', () => {
    const cases = [
      { name: 'user class above 1e9', obj: pc('huge', { value: 1_000_000_001 }), want: ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000'] },
      { name: 'unknown system- class', obj: pc('system-foo', { value: 10 }), want: ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-foo is not a known system priority class"] },
      { name: 'system class with the wrong value', obj: pc('system-node-critical', { value: 10 }), want: ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000"] },
      { name: 'bad preemptionPolicy', obj: pc('p', { value: 1, preemptionPolicy: 'Sometimes' }), want: ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "Never", "PreemptLowerPriority"'] },
      { name: 'system class as it is', obj: pc('system-cluster-critical', { value: 2_000_000_000 }), want: [] },
    ];
    for (const c of cases) assert.deepEqual(createObject(priorityclasses, c.obj).errs.map(fieldErrorMessage), c.want, c.name);
  });

  it('value and preemptionPolicy are immutable', () => {
    const old = createObject(priorityclasses, pc('p', { value: 1 })).obj;
    const { errs } = updateObject(priorityclasses, { ...old, value: 2, preemptionPolicy: 'Never' }, old);
    assert.deepEqual(errs.map(fieldErrorMessage), ['value: Forbidden: may not be changed in an update.', 'preemptionPolicy: Invalid value: "Never": field is immutable']);
  });

  it('prints NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY', () => {
    assert.deepEqual(priorityClassPrinter.columns.map((c) => [c.name.toUpperCase(), c.priority]), [['NAME', 0], ['VALUE', 0], ['GLOBAL-DEFAULT', 0], ['AGE', 0], ['PREEMPTIONPOLICY', 0]]);
    const now = new Date('2026-01-01T01:00:00Z');
    assert.deepEqual(priorityClassPrinter.cells({ metadata: { name: 'high', creationTimestamp: '2026-01-01T00:00:00Z' }, value: 1000, preemptionPolicy: 'Never' }, now), ['high', 1000, false, '60m', 'Never']);
    assert.equal(priorityclasses.shortNames[0], 'pc');
  });
});
