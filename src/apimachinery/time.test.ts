import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc3339, rfc3339Micro, rfc3339Nano } from './time.js';

test('rfc3339 is metav1.Time: seconds, fraction truncated, UTC Z', () => {
  const cases: [string, string][] = [
    ['2026-01-02T03:04:05.000Z', '2026-01-02T03:04:05Z'],
    ['2026-01-02T03:04:05.999Z', '2026-01-02T03:04:05Z'],
    ['2026-12-31T23:59:59.500+02:00', '2026-12-31T21:59:59Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'],
  ];
  for (const [input, want] of cases) assert.equal(rfc3339(new Date(input)), want, input);
});

test('rfc3339Micro is metav1.MicroTime: always six digits', () => {
  assert.equal(rfc3339Micro(new Date('2026-01-02T03:04:05.123Z')), '2026-01-02T03:04:05.123000Z');
  assert.equal(rfc3339Micro(new Date('2026-01-02T03:04:05Z')), '2026-01-02T03:04:05.000000Z');
  assert.equal(rfc3339Micro(new Date('2026-01-02T03:04:05Z'), 42), '2026-01-02T03:04:05.000042Z');
  assert.equal(rfc3339Micro(new Date('2026-01-02T03:04:05.9Z'), 123456), '2026-01-02T03:04:05.123456Z');
});

test('rfc3339Nano has nine digits (CRI logs)', () => {
  assert.equal(rfc3339Nano(new Date('2026-01-02T03:04:05.007Z')), '2026-01-02T03:04:05.007000000Z');
});

test('an invalid date is an error, not "Invalid Date" on the wire', () => {
  assert.throws(() => rfc3339(new Date('nope')), RangeError);
});
