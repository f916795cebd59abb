import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStandard } from './schedule.js';
import type { CronJob } from './types.js';
import { byJobStartTime, formatRFC1123Z, formatRFC3339InZone, getJobFromTemplate2, getJobName, mostRecentScheduleTime, nextScheduleTimeDuration } from './utils.js';
import type { Job } from '../job/types.js';

const cronJob = (o: { schedule?: string; created?: string; last?: string; sds?: number; timeZone?: string } = {}): CronJob => ({
  apiVersion: 'batch/v1', kind: 'CronJob',
  metadata: { name: 'hello', namespace: 'default', uid: 'cj-uid', creationTimestamp: o.created ?? '2026-01-01T10:00:30Z' },
  spec: {
    schedule: o.schedule ?? '*/1 * * * *', ...(o.timeZone ? { timeZone: o.timeZone } : {}), ...(o.sds !== undefined ? { startingDeadlineSeconds: o.sds } : {}),
    jobTemplate: { metadata: { labels: { app: 'hello' }, annotations: { note: 'x' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [] } } } },
  },
  status: o.last ? { lastScheduleTime: o.last } : {},
});
const iso = (d: Date | undefined) => d?.toISOString().replace('.000Z', 'Z');

describe('mostRecentScheduleTime', () => {
  const cases: { name: string; cj: CronJob; sched?: string; now: string; sds?: boolean; want: { mostRecent?: string; missed: string; earliest: string } }[] = [
    { name: 'nothing due yet', cj: cronJob(), now: '2026-01-01T10:00:59Z', want: { missed: 'none', earliest: '2026-01-01T10:00:30Z' } },
    { name: 'exactly one due', cj: cronJob(), now: '2026-01-01T10:01:00Z', want: { mostRecent: '2026-01-01T10:01:00Z', missed: 'none', earliest: '2026-01-01T10:00:30Z' } },
    { name: 'a few missed: only the latest is returned', cj: cronJob({ last: '2026-01-01T10:01:00Z' }), now: '2026-01-01T10:05:10Z', want: { mostRecent: '2026-01-01T10:05:00Z', missed: 'few', earliest: '2026-01-01T10:01:00Z' } },
    { name: 'more than 100 missed', cj: cronJob({ last: '2026-01-01T10:01:00Z' }), now: '2026-01-01T12:00:00Z', want: { mostRecent: '2026-01-01T12:00:00Z', missed: 'many', earliest: '2026-01-01T10:01:00Z' } },
    { name: 'startingDeadlineSeconds moves the earliest time up', cj: cronJob({ last: '2026-01-01T10:01:00Z', sds: 30 }), sds: true, now: '2026-01-01T12:00:10Z', want: { mostRecent: '2026-01-01T12:00:00Z', missed: 'none', earliest: '2026-01-01T11:59:40Z' } },
    { name: 'startingDeadlineSeconds past every missed time', cj: cronJob({ last: '2026-01-01T10:01:00Z', sds: 5 }), sds: true, now: '2026-01-01T12:00:10Z', want: { missed: 'none', earliest: '2026-01-01T12:00:05Z' } },
    { name: 'startingDeadlineSeconds ignored when asked to', cj: cronJob({ last: '2026-01-01T10:01:00Z', sds: 5 }), sds: false, now: '2026-01-01T12:00:10Z', want: { mostRecent: '2026-01-01T12:00:00Z', missed: 'many', earliest: '2026-01-01T10:01:00Z' } },
    { name: 'irregular schedule (hours 6-16 every 4, weekdays)', cj: cronJob({ last: '2026-01-05T06:30:00Z' }), sched: 'TZ=UTC 30 6-16/4 * * 1-5', now: '2026-01-07T12:00:00Z', want: { mostRecent: '2026-01-07T10:30:00Z', missed: 'few', earliest: '2026-01-05T06:30:00Z' } },
    { name: 'the hour of a daily 03:00 job', cj: cronJob({ created: '2026-01-01T01:00:00Z' }), sched: 'TZ=UTC 0 3 * * *', now: '2026-01-01T03:00:05Z', want: { mostRecent: '2026-01-01T03:00:00Z', missed: 'none', earliest: '2026-01-01T01:00:00Z' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = mostRecentScheduleTime(c.cj, new Date(c.now), parseStandard(c.sched ?? 'TZ=UTC */1 * * * *'), c.sds ?? false);
      assert.equal(r.error, undefined);
      assert.deepEqual({ mostRecent: iso(r.mostRecent), missed: r.missed, earliest: iso(r.earliest) }, { ...c.want, mostRecent: c.want.mostRecent });
    });
  }

  it('a schedule that never fires is an error', () => {
    const r = mostRecentScheduleTime(cronJob(), new Date('2026-03-01T00:00:00Z'), parseStandard('TZ=UTC 0 0 30 2 *'), true);
    assert.equal(r.error?.message, 'time difference between two schedules is less than 1 second');
  });
});

describe('nextScheduleTimeDuration', () => {
  it('waits until the next schedule after the latest due one, plus 100 ms', () => {
    const s = parseStandard('TZ=UTC */1 * * * *');
    assert.equal(nextScheduleTimeDuration(cronJob(), new Date('2026-01-01T10:00:45Z'), s), 15_100);
    assert.equal(nextScheduleTimeDuration(cronJob({ last: '2026-01-01T10:01:00Z' }), new Date('2026-01-01T10:01:00.200Z'), s), 59_900);
    // Missed schedules: from now.
    assert.equal(nextScheduleTimeDuration(cronJob({ last: '2026-01-01T10:01:00Z' }), new Date('2026-01-01T10:30:20Z'), s), 40_100);
  });
});

describe('Jobs made from a CronJob', () => {
  it('are named CRONJOB-<minutes since the epoch>, carry the template and the scheduled time', () => {
    const t = new Date('2026-01-01T03:00:00Z');
    assert.equal(getJobName(cronJob(), t), `hello-${t.getTime() / 60_000}`);
    const job = getJobFromTemplate2(cronJob(), t);
    assert.deepEqual(job.metadata, {
      name: 'hello-29453940', labels: { app: 'hello' },
      annotations: { note: 'x', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2026-01-01T03:00:00Z' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }],
    });
    assert.equal(job.spec.template.spec?.restartPolicy, 'OnFailure');
    const ny = getJobFromTemplate2(cronJob({ timeZone: 'America/New_York' }), t);
    assert.equal(ny.metadata!.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2025-12-31T22:00:00-05:00');
  });

  it('time formats are Go\'s', () => {
    assert.equal(formatRFC3339InZone(new Date('2026-07-01T12:00:00Z'), 'Asia/Kolkata'), '2026-07-01T17:30:00+05:30');
    assert.equal(formatRFC3339InZone(new Date('2026-07-01T12:00:00Z'), 'Etc/UTC'), '2026-07-01T12:00:00Z');
    assert.equal(formatRFC1123Z(new Date('2026-01-02T15:04:05Z')), 'Fri, 02 Jan 2026 15:04:05 +0000');
  });

  it('history cleanup deletes the oldest first (unstarted last, then by name)', () => {
    const j = (name: string, start?: string): Job => ({ metadata: { name }, spec: { template: {} }, status: start ? { startTime: start } : {} });
    const sorted = [j('c'), j('b', '2026-01-01T00:02:00Z'), j('a', '2026-01-01T00:02:00Z'), j('d', '2026-01-01T00:01:00Z')].sort(byJobStartTime);
    assert.deepEqual(sorted.map((x) => x.metadata!.name), ['d', 'a', 'b', 'c']);
  });
});
