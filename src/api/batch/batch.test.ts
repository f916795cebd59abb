import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../../apimachinery/errors.js';
import { createObject, updateObject } from '../testing/strategy-harness.js';
import { jobs } from './jobs.js';
import { cronjobs } from './cronjobs.js';

const UID = '6af17b58-c136-418c-a252-6b903859f8e4';
const podSpec = (restartPolicy?: string) => ({ containers: [{ name: 'sleep', image: 'busybox:1.36', command: ['sleep', '5'] }], ...(restartPolicy ? { restartPolicy } : {}) });

describe('jobs', () => {
  it('default and generate the selector as Kubernetes 1.32 does', () => {
    const { obj, errs } = createObject(jobs, { metadata: { name: 'sleeper' }, spec: { completions: 5, parallelism: 2, template: { spec: podSpec('OnFailure') } } }, { uid: UID });
    assert.deepEqual(errs, []);
    const labels = { 'batch.kubernetes.io/controller-uid': UID, 'batch.kubernetes.io/job-name': 'sleeper', 'controller-uid': UID, 'job-name': 'sleeper' };
    assert.deepEqual(obj.metadata?.labels, labels);
    const spec = obj.spec as any;
    assert.deepEqual({ ...spec, template: undefined }, {
      backoffLimit: 6, completionMode: 'NonIndexed', completions: 5, parallelism: 2, podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } }, suspend: false, template: undefined,
    });
    assert.deepEqual(spec.template.metadata, { creationTimestamp: null, labels });
    assert.equal(obj.metadata?.generation, 1);
  });

  it('defaults completions and parallelism to 1', () => {
    const spec = createObject(jobs, { metadata: { name: 'j' }, spec: { template: { spec: podSpec('Never') } } }).obj.spec as any;
    assert.equal(spec.completions, 1);
    assert.equal(spec.parallelism, 1);
  });

  it('requires OnFailure or Never', () => {
    const { errs } = createObject(jobs, { metadata: { name: 'j' }, spec: { template: { spec: podSpec() } } });
    assert.equal(invalid('Job', 'batch', 'j', errs).message, 'Job.batch "j" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"');
  });

  it('keeps the template immutable', () => {
    const { obj: created } = createObject(jobs, { metadata: { name: 'j' }, spec: { template: { spec: podSpec('Never') } } });
    const next = structuredClone(created);
    (next.spec as any).template.spec.containers[0].image = 'busybox:1.37';
    const { errs } = updateObject(jobs, next, created);
    assert.equal(invalid('Job', 'batch', 'j', errs).message, 'Job.batch "j" is invalid: spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable');
  });
});

describe('cronjobs', () => {
  const cj = (schedule: string, name = 'bad-schedule') => ({ metadata: { name }, spec: { schedule, jobTemplate: { spec: { template: { spec: podSpec('OnFailure') } } } } });

  it('rejects a bad schedule with robfig/cron\'s message', () => {
    const { errs } = createObject(cronjobs, cj('61 * * * *'));
    assert.equal(invalid('CronJob', 'batch', 'bad-schedule', errs).message,
      'CronJob.batch "bad-schedule" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61');
  });

  for (const s of ['0,15,30,45 * * * *', '@hourly', '@daily', '*/5 * * * *', '0 0 1 */3 *']) {
    it(`accepts ${s}`, () => assert.deepEqual(createObject(cronjobs, cj(s, 'ok')).errs, []));
  }

  it('rejects names over 52 characters', () => {
    const name = 'a'.repeat(53);
    const { errs } = createObject(cronjobs, cj('@hourly', name));
    assert.equal(invalid('CronJob', 'batch', name, errs).message, `CronJob.batch "${name}" is invalid: metadata.name: Invalid value: "${name}": must be no more than 52 characters`);
  });

  it('defaults as Kubernetes 1.32 does', () => {
    const spec = createObject(cronjobs, cj('0,15,30,45 * * * *', 'quarterly')).obj.spec as any;
    assert.equal(spec.concurrencyPolicy, 'Allow');
    assert.equal(spec.suspend, false);
    assert.equal(spec.successfulJobsHistoryLimit, 3);
    assert.equal(spec.failedJobsHistoryLimit, 1);
    assert.deepEqual(spec.jobTemplate.metadata, { creationTimestamp: null });
    assert.deepEqual(Object.keys(spec.jobTemplate.spec), ['template']);
    assert.equal(spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
  });
});
