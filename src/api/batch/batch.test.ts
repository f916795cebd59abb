import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../../apimachinery/errors.js';
import { createObject, updateObject } from '../testing/strategy-harness.js';
import { jobs } from './jobs.js';
import { cronjobs } from './cronjobs.js';
import { cronJobPrinter, jobPrinter } from '../printers/workloads.js';

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

describe('batch printers (kubectl get, Kubernetes 1.32)', () => {
  const now = new Date('2026-11-22T09:31:04Z');
  const job = (status: object, meta: object = {}) => ({
    metadata: { name: 'sleeper', creationTimestamp: '2026-11-22T09:30:41Z', ...meta },
    spec: { completions: 5, parallelism: 2, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } }, template: { spec: podSpec('OnFailure') } },
    status,
  });
  const cond = (type: string, status = 'True') => ({ type, status });

  it('jobs: STATUS COMPLETIONS DURATION AGE, as the reference capture', () => {
    assert.deepEqual(jobPrinter.columns.map((c) => c.name), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector']);
    assert.deepEqual(jobPrinter.cells(job({ active: 2, ready: 0, startTime: '2026-11-22T09:30:41Z' }), now),
      ['sleeper', 'Running', '0/5', '23s', '23s', 'sleep', 'busybox:1.36', `batch.kubernetes.io/controller-uid=${UID}`]);
  });

  it('jobs: STATUS is Complete, Failed, Terminating, Suspended, FailureTarget or Running (SuccessCriteriaMet alone is still Running)', () => {
    const status = (conditions: object[], meta: object = {}) => jobPrinter.cells(job({ conditions }, meta), now)[1];
    assert.equal(status([cond('SuccessCriteriaMet'), cond('Complete')]), 'Complete');
    assert.equal(status([cond('FailureTarget'), cond('Failed')]), 'Failed');
    assert.equal(status([cond('SuccessCriteriaMet')]), 'Running');
    assert.equal(status([cond('FailureTarget')]), 'FailureTarget');
    assert.equal(status([cond('Suspended')]), 'Suspended');
    assert.equal(status([cond('Suspended', 'False')]), 'Running');
    assert.equal(status([], { deletionTimestamp: '2026-11-22T09:31:00Z' }), 'Terminating');
  });

  it('jobs: DURATION runs until completionTime; COMPLETIONS for work queues', () => {
    assert.equal(jobPrinter.cells(job({ startTime: '2026-11-22T09:30:41Z', completionTime: '2026-11-22T09:31:12Z', succeeded: 5 }), now)[3], '31s');
    const queue = { metadata: { name: 'q' }, spec: { parallelism: 3, template: {} }, status: { succeeded: 1 } };
    assert.equal(jobPrinter.cells(queue, now)[2], '1/1 of 3');
  });

  it('cronjobs: SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE, SUSPEND as True/False', () => {
    assert.deepEqual(cronJobPrinter.columns.map((c) => c.name), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector']);
    const cj = (spec: object, status: object = {}) => ({
      metadata: { name: 'quarterly', creationTimestamp: '2026-11-22T09:30:41Z' },
      spec: { schedule: '0,15,30,45 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox:1.36' }] } } } }, ...spec },
      status,
    });
    assert.deepEqual(cronJobPrinter.cells(cj({ suspend: false }), now), ['quarterly', '0,15,30,45 * * * *', '<none>', 'False', 0, '<none>', '23s', 'hello', 'busybox:1.36', '<none>']);
    assert.deepEqual(cronJobPrinter.cells(cj({ suspend: true, timeZone: 'Etc/UTC' }, { active: [{ name: 'x' }], lastScheduleTime: '2026-11-22T09:31:00Z' }), now).slice(2, 6), ['Etc/UTC', 'True', 1, '4s']);
  });
});

describe('cronjobs: timeZone as upstream validateTimeZone', () => {
  const cj = (timeZone: string) => ({ metadata: { name: 'tz' }, spec: { schedule: '@hourly', timeZone, jobTemplate: { spec: { template: { spec: podSpec('OnFailure') } } } } });
  const message = (tz: string) => {
    const { errs } = createObject(cronjobs, cj(tz));
    return errs.length ? invalid('CronJob', 'batch', 'tz', errs).message : '';
  };
  it('accepts IANA zones', () => {
    for (const tz of ['UTC', 'Etc/UTC', 'America/New_York', 'Asia/Kolkata']) assert.equal(message(tz), '', tz);
  });
  it('rejects empty, Local, malformed and unknown zones with Kubernetes\' messages', () => {
    assert.equal(message(''), 'CronJob.batch "tz" is invalid: spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string');
    assert.equal(message('Local'), 'CronJob.batch "tz" is invalid: spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones');
    assert.equal(message('../etc/passwd'), 'CronJob.batch "tz" is invalid: spec.timeZone: Invalid value: "../etc/passwd": unknown time zone ../etc/passwd');
    assert.equal(message('Mars/Olympus_Mons'), 'CronJob.batch "tz" is invalid: spec.timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons');
  });
});
