import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration, parseStandard } from './schedule.js';

const iso = (d: Date | undefined) => d?.toISOString().replace('.000Z', 'Z');

describe('parseStandard (robfig/cron ParseStandard)', () => {
  const from = new Date('2026-01-01T00:07:30Z');
  const cases: { spec: string; want: string[] }[] = [
    { spec: 'TZ=UTC 0,15,30,45 * * * *', want: ['2026-01-01T00:15:00Z', '2026-01-01T00:30:00Z', '2026-01-01T00:45:00Z'] },
    { spec: 'TZ=UTC 0 3 * * *', want: ['2026-01-01T03:00:00Z', '2026-01-02T03:00:00Z'] },
    { spec: 'TZ=UTC */1 * * * *', want: ['2026-01-01T00:08:00Z', '2026-01-01T00:09:00Z'] },
    { spec: 'TZ=UTC @hourly', want: ['2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z'] },
    { spec: 'TZ=UTC @daily', want: ['2026-01-02T00:00:00Z'] },
    { spec: 'TZ=UTC @midnight', want: ['2026-01-02T00:00:00Z'] },
    { spec: 'TZ=UTC @weekly', want: ['2026-01-04T00:00:00Z'] },
    { spec: 'TZ=UTC @monthly', want: ['2026-02-01T00:00:00Z'] },
    { spec: 'TZ=UTC @yearly', want: ['2027-01-01T00:00:00Z'] },
    { spec: 'TZ=UTC 0 0 1 */3 *', want: ['2026-04-01T00:00:00Z', '2026-07-01T00:00:00Z'] },
    // Day of month and day of week both restricted: either matches (standard cron).
    { spec: 'TZ=UTC 0 0 13 * 5', want: ['2026-01-02T00:00:00Z', '2026-01-09T00:00:00Z'] },
    { spec: 'CRON_TZ=America/New_York 0 3 * * *', want: ['2026-01-01T08:00:00Z', '2026-01-02T08:00:00Z'] },
    { spec: 'TZ=Asia/Kolkata 30 9 * * *', want: ['2026-01-01T04:00:00Z'] },
    { spec: '@every 90s', want: ['2026-01-01T00:09:00Z', '2026-01-01T00:10:30Z'] },
  ];
  for (const c of cases) {
    it(`${c.spec}`, () => {
      const s = parseStandard(c.spec);
      let t: Date | undefined = from;
      const got: (string | undefined)[] = [];
      for (let i = 0; i < c.want.length; i++) { t = s.next(t!); got.push(iso(t)); }
      assert.deepEqual(got, c.want);
    });
  }

  it('next is strictly after t, from the next whole second', () => {
    const s = parseStandard('TZ=UTC 0 3 * * *');
    assert.equal(iso(s.next(new Date('2026-01-01T03:00:00Z'))), '2026-01-02T03:00:00Z');
    assert.equal(iso(s.next(new Date('2026-01-01T03:00:00.500Z'))), '2026-01-02T03:00:00Z');
    assert.equal(iso(s.next(new Date('2026-01-01T02:59:59.500Z'))), '2026-01-01T03:00:00Z');
  });

  it('bad schedules fail with robfig\'s words', () => {
    assert.throws(() => parseStandard('61 * * * *'), /end of range \(61\) above maximum \(59\): 61/);
    assert.throws(() => parseStandard('* * * *'), /expected exactly 5 fields, found 4/);
    assert.throws(() => parseStandard('TZ=Mars/Olympus * * * * *'), /provided bad location Mars\/Olympus/);
    assert.throws(() => parseStandard('@fortnightly'), /unrecognized descriptor: @fortnightly/);
  });

  it('a schedule that never fires has no next time', () => {
    assert.equal(parseStandard('TZ=UTC 0 0 30 2 *').next(from), undefined);
  });

  it('Go durations', () => {
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.throws(() => parseGoDuration('5 minutes'), /invalid duration/);
  });
});
