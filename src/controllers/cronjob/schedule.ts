import { CronExpressionParser } from 'cron-parser';
import { cronScheduleError } from '../../api/validation/cron.js';

/**
 * Schedule answers robfig/cron's Schedule.Next: the first activation strictly after t, at whole
 * seconds; undefined when the expression never fires (robfig returns the zero time).
 */
export interface Schedule {
  next(t: Date): Date | undefined;
}

/** DESCRIPTORS are robfig/cron's predefined schedules, as standard 5-field expressions. */
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** NEVER_FIRES matches cron-parser's refusal of a day of month the month never has, which robfig/cron accepts. */
const NEVER_FIRES = /Invalid explicit day of month definition/;

/** localTimeZone is the zone of this host, which Kubernetes uses for CronJobs without spec.timeZone. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** isValidTimeZone tells whether an IANA zone name is known (time.LoadLocation; "" is UTC there, "Local" is refused here). */
export function isValidTimeZone(tz: string): boolean {
  if (tz === '' || tz === 'UTC') return true;
  if (tz === 'Local') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * parseStandard parses a schedule as robfig/cron's ParseStandard does: an optional `TZ=zone` or
 * `CRON_TZ=zone` prefix, then five fields, a descriptor (@hourly, @daily …) or `@every <duration>`.
 * Throws robfig's error text for a bad schedule. Without a zone, the host's local zone applies.
 */
export function parseStandard(spec: string): Schedule {
  let s = spec.trim();
  let tz = localTimeZone();
  const m = /^(?:CRON_)?TZ=(\S*)\s*(.*)$/.exec(s);
  if (m) {
    if (!isValidTimeZone(m[1])) throw new Error(`provided bad location ${m[1]}: unknown time zone ${m[1]}`);
    tz = m[1] === '' ? 'UTC' : m[1];
    s = m[2].trim();
  }
  const err = cronScheduleError(s);
  // robfig accepts a day that never comes (30 February): such a schedule simply never fires.
  if (err && NEVER_FIRES.test(err)) return { next: () => undefined };
  if (err) throw new Error(err);
  if (s.startsWith('@every ')) return everySchedule(parseGoDuration(s.slice('@every '.length).trim()));
  const expr = DESCRIPTORS[s] ?? s.split(/\s+/).join(' ');
  try {
    CronExpressionParser.parse(expr, { tz });
  } catch (e) {
    if (NEVER_FIRES.test(String(e))) return { next: () => undefined };
    throw e;
  }
  return {
    next(t) {
      // robfig starts at the next whole second after t and returns the first match from there.
      const start = Math.floor(t.getTime() / 1000) * 1000 + 1000;
      try {
        return CronExpressionParser.parse(expr, { tz, currentDate: new Date(start - 1) }).next().toDate();
      } catch {
        return undefined;
      }
    },
  };
}

/** everySchedule is robfig's ConstantDelaySchedule: every delay (whole seconds, at least one) from t's second. */
function everySchedule(delayMs: number): Schedule {
  const delay = Math.max(1000, Math.floor(delayMs / 1000) * 1000);
  return { next: (t) => new Date(Math.floor(t.getTime() / 1000) * 1000 + delay) };
}

const GO_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** parseGoDuration reads a Go duration ("1h30m", "90s", "1.5h") in milliseconds. */
export function parseGoDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * GO_UNITS[m[2]];
    pos = re.lastIndex;
  }
  if (s.length === 0 || pos !== s.length) throw new Error(`failed to parse duration @every ${s}: time: invalid duration ${JSON.stringify(s)}`);
  return total;
}
