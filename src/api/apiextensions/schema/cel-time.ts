/**
 * Times and durations for CEL: the literal formats CEL accepts (timestamp('RFC3339'),
 * duration('1h30m') as Go's time.ParseDuration), the looser forms OpenAPI `date`, `date-time`
 * and `duration` strings take in a CRD (go-openapi strfmt, which Kubernetes converts with), and
 * the protobuf Timestamp/Duration messages @bufbuild/cel evaluates them as.
 */
import { create } from '@bufbuild/protobuf';
import { DurationSchema, TimestampSchema, type Duration, type Timestamp } from '@bufbuild/protobuf/wkt';

/** SecondsNanos is an exact instant or span. */
export interface SecondsNanos { seconds: bigint; nanos: number }

const MAX_SECONDS = 253402300799n; // 9999-12-31T23:59:59Z, CEL's timestamp range
const MIN_SECONDS = -62135596800n; // 0001-01-01T00:00:00Z

function fracNanos(frac: string | undefined): number {
  if (!frac) return 0;
  return Number((frac + '000000000').slice(0, 9));
}

function instant(y: number, mo: number, d: number, h: number, mi: number, s: number, nanos: number, offsetMin: number): SecondsNanos | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return undefined;
  const seconds = BigInt(Math.floor(ms / 1000)) - BigInt(offsetMin * 60);
  if (seconds > MAX_SECONDS || seconds < MIN_SECONDS) return undefined;
  return { seconds, nanos };
}

function zoneMinutes(z: string | undefined): number | undefined {
  if (!z || z === 'Z' || z === 'z') return 0;
  const m = /^([+-])(\d\d):?(\d\d)$/.exec(z);
  if (!m) return undefined;
  const v = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -v : v;
}

/** parseTimestampLiteral parses what CEL's timestamp(string) accepts (RFC 3339). */
export function parseTimestampLiteral(s: string): SecondsNanos | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return undefined;
  const off = zoneMinutes(m[8]);
  if (off === undefined) return undefined;
  return instant(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], fracNanos(m[7]), off);
}

/** parseSchemaDateTime parses a `format: date-time` string the way strfmt.ParseDateTime does. */
export function parseSchemaDateTime(s: string): SecondsNanos | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?([Zz]|[+-]\d\d:?\d\d)?$/.exec(s);
  if (!m) return undefined;
  const off = zoneMinutes(m[8]);
  if (off === undefined) return undefined;
  return instant(+m[1], +m[2], +m[3], +m[4], +m[5], +(m[6] ?? 0), fracNanos(m[7]), off);
}

/** parseSchemaDate parses a `format: date` string (2006-01-02). */
export function parseSchemaDate(s: string): SecondsNanos | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(s);
  return m ? instant(+m[1], +m[2], +m[3], 0, 0, 0, 0, 0) : undefined;
}

const GO_UNITS: Record<string, bigint> = {
  ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n,
};

/** parseGoDuration is Go's time.ParseDuration, in nanoseconds (undefined when invalid). */
export function parseGoDuration(s: string): bigint | undefined {
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) { neg = rest[0] === '-'; rest = rest.slice(1); }
  if (rest === '0') return 0n;
  if (!rest) return undefined;
  let total = 0n;
  while (rest) {
    const m = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m || (!m[1] && !m[2])) return undefined;
    const unit = GO_UNITS[m[3]];
    const whole = BigInt(m[1] || '0') * unit;
    let frac = 0n;
    if (m[2]) frac = (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length);
    total += whole + frac;
    rest = rest.slice(m[0].length);
  }
  if (total > 9223372036854775807n) return undefined;
  return neg ? -total : total;
}

/** parseDurationLiteral parses what CEL's duration(string) accepts. */
export function parseDurationLiteral(s: string): SecondsNanos | undefined {
  const n = parseGoDuration(s);
  return n === undefined ? undefined : splitNanos(n);
}

const STRFMT_UNITS: [string[], bigint][] = [
  [['ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds'], 1n],
  [['us', 'µs', 'micro', 'micros', 'microsecond', 'microseconds'], 1000n],
  [['ms', 'milli', 'millis', 'millisecond', 'milliseconds'], 1_000_000n],
  [['s', 'sec', 'secs', 'second', 'seconds'], 1_000_000_000n],
  [['m', 'min', 'mins', 'minute', 'minutes'], 60_000_000_000n],
  [['h', 'hr', 'hrs', 'hour', 'hours'], 3_600_000_000_000n],
  [['d', 'day', 'days'], 86_400_000_000_000n],
  [['w', 'wk', 'wks', 'week', 'weeks'], 604_800_000_000_000n],
];

/** parseSchemaDuration parses a `format: duration` string as strfmt.ParseDuration does. */
export function parseSchemaDuration(s: string): SecondsNanos | undefined {
  const go = parseGoDuration(s);
  if (go !== undefined) return splitNanos(go);
  let total = 0n;
  let ok = false;
  for (const m of s.matchAll(/(\d+)\s*([A-Za-zµ]+)/g)) {
    const unit = STRFMT_UNITS.find(([names]) => names.includes(m[2].toLowerCase()));
    if (!unit) continue;
    ok = true;
    total += BigInt(m[1]) * unit[1];
  }
  return ok ? splitNanos(total) : undefined;
}

/** splitNanos turns nanoseconds into seconds and nanos with the sign on both, as protobuf does. */
export function splitNanos(n: bigint): SecondsNanos {
  const seconds = n / 1_000_000_000n;
  return { seconds, nanos: Number(n - seconds * 1_000_000_000n) };
}

/** timestampMessage builds the protobuf Timestamp @bufbuild/cel evaluates as a CEL timestamp. */
export function timestampMessage(v: SecondsNanos): Timestamp {
  return create(TimestampSchema, { seconds: v.seconds, nanos: v.nanos });
}

/** durationMessage builds the protobuf Duration @bufbuild/cel evaluates as a CEL duration. */
export function durationMessage(v: SecondsNanos): Duration {
  return create(DurationSchema, { seconds: v.seconds, nanos: v.nanos });
}
