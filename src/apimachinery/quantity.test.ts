import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  QuantityError, canonicalizeQuantity, formatQuantity, isValidQuantity, parseQuantity, parseQuantityExact,
  quantityFormatError, quantitySuffixError, toMilli, tryParseQuantity,
} from './quantity.js';

test('parseQuantity reads every suffix kind', () => {
  const cases: Array<[string | number, number]> = [
    ['0', 0], ['1', 1], ['100m', 0.1], ['0.5', 0.5], ['.5', 0.5], ['1.', 1], ['+2', 2], ['-2', -2],
    ['1k', 1000], ['1M', 1e6], ['1G', 1e9], ['2T', 2e12], ['1P', 1e15], ['1E', 1e18],
    ['1n', 1e-9], ['1u', 1e-6], ['1Ki', 1024], ['1Mi', 1048576], ['8Gi', 8 * 2 ** 30], ['1.5Gi', 1.5 * 2 ** 30],
    ['1Ti', 2 ** 40], ['1e3', 1000], ['1E3', 1000], ['5e-3', 0.005], ['007', 7], [' 3 ', 3], [2, 2], [0.25, 0.25],
  ];
  for (const [input, want] of cases) assert.equal(parseQuantity(input), want, String(input));
});

test('parseQuantity rejects malformed quantities with Kubernetes messages', () => {
  const cases: Array<[string, string]> = [
    ['', quantityFormatError],
    ['abc', quantityFormatError],
    ['1 Gi', quantityFormatError],
    ['1Gi5x', quantityFormatError],
    ['1mi', quantitySuffixError],
    ['1Kb', quantityFormatError],
    ['1KM', quantitySuffixError],
    ['1K', quantitySuffixError],
    ['1e', quantitySuffixError],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseQuantity(input), (e: unknown) => e instanceof QuantityError && e.message === message, input);
    assert.equal(isValidQuantity(input), false, input);
  }
  // the text users see is Kubernetes' ErrFormatWrong and ErrSuffix, word for word
  assert.throws(() => parseQuantity('1 Gi'), (e: unknown) => e instanceof QuantityError && e.message === "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  assert.throws(() => parseQuantity('1mi'), (e: unknown) => e instanceof QuantityError && e.message === "unable to parse quantity's suffix");
  assert.equal(isValidQuantity('250m'), true);
});

test('toMilli rounds up like MilliValue', () => {
  const cases: Array<[string, number]> = [['100m', 100], ['1', 1000], ['0.5', 500], ['1n', 1], ['1.0001', 1001], ['2k', 2_000_000], ['-1.5m', -1]];
  for (const [input, want] of cases) assert.equal(toMilli(input), want, input);
});

test('canonicalizeQuantity matches the API server round trip', () => {
  const cases: Array<[string | number, string]> = [
    ['0', '0'], ['0.0', '0'], ['100m', '100m'], ['0.1', '100m'], ['0.5', '500m'], ['1000m', '1'], ['1500m', '1500m'],
    ['1', '1'], ['1000', '1k'], ['1500', '1500'], ['2000', '2k'], ['1.5k', '1500'], ['12e6', '12e6'], ['12000000', '12M'],
    ['128Mi', '128Mi'], ['1024Mi', '1Gi'], ['1536Mi', '1536Mi'], ['0.5Gi', '512Mi'], ['2048Ki', '2Mi'],
    ['1Ki', '1Ki'], ['1000Ki', '1000Ki'], ['512', '512'], ['1e3', '1e3'], ['1500e-3', '1500e-3'],
    ['1.5e3', '1500'], ['0.1m', '100u'], ['0.0000000001', '1n'], ['-100m', '-100m'], [0.25, '250m'], ['1000E', '1000E'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalizeQuantity(input), want, String(input));
});

test('formatQuantity renders numbers in a chosen format', () => {
  assert.equal(formatQuantity(0.1), '100m');
  assert.equal(formatQuantity(2 ** 30, 'BinarySI'), '1Gi');
  assert.equal(formatQuantity(1000, 'BinarySI'), '1k');
  assert.equal(formatQuantity(1e6, 'DecimalExponent'), '1e6');
  assert.equal(formatQuantity(3), '3');
  assert.deepEqual(parseQuantityExact('1Mi'), { nanos: 1048576n * 1_000_000_000n, format: 'BinarySI' });
});

test('tryParseQuantity reads unvalidated JSON: numbers and valid strings, undefined for the rest', () => {
  const cases: [unknown, number | undefined][] = [
    ['100m', 0.1], ['1Gi', 2 ** 30], [' 2 ', 2], [1.5, 1.5], ['1e3', 1000], ['-1', -1],
    ['1n', 1e-9], ['0.0000000001', 1e-9], // finer than nano rounds up, as Kubernetes does
    ['abc', undefined], ['1mi', undefined], ['', undefined], [null, undefined], [undefined, undefined],
    [{ value: 1 }, undefined], [['1'], undefined], [true, undefined], [Number.NaN, undefined], [Infinity, undefined],
  ];
  for (const [input, want] of cases) assert.equal(tryParseQuantity(input), want, JSON.stringify(input));
});

test('parseQuantity of a non-string non-number throws the format error, not a TypeError', () => {
  assert.throws(() => parseQuantity({} as unknown as string), (e: unknown) => e instanceof QuantityError && e.message === quantityFormatError);
});
