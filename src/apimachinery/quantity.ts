/**
 * Resource quantities (`100m`, `0.5`, `8Gi`, `1e3`), as k8s.io/apimachinery/pkg/api/resource.
 * A quantity is held exactly as a whole number of nano-units (bigint): Kubernetes itself rounds any
 * finer precision up (away from zero) to 1n. Its canonical string (what the API server stores and
 * returns) depends on the format the input used: SI suffixes → DecimalSI, Ki/Mi/... → BinarySI,
 * `e<N>` → DecimalExponent.
 */

/** QuantityFormat is how a quantity prints, as Kubernetes' resource.Format. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const splitREString = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** quantityFormatError is Kubernetes' ErrFormatWrong message. */
export const quantityFormatError = `quantities must match the regular expression '${splitREString}'`;
/** quantitySuffixError is Kubernetes' ErrSuffix message. */
export const quantitySuffixError = "unable to parse quantity's suffix";

/** QuantityError is thrown for an unparsable quantity; its message is Kubernetes'. */
export class QuantityError extends Error {}

/** ParsedQuantity is an exact quantity: value × 10⁻⁹, and the format its input used. */
export interface ParsedQuantity {
  nanos: bigint;
  format: QuantityFormat;
}

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalSuffixByExp = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binarySuffixByExp = new Map(Object.entries(binarySuffixes).map(([s, e]) => [e / 10, s]));

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** scan splits a quantity into sign, integer digits, fraction digits and suffix, as Kubernetes' scanner does. */
function scan(str: string): { positive: boolean; num: string; denom: string; suffix: string } {
  let pos = 0;
  const end = str.length;
  let positive = true;
  if (str[0] === '-') { positive = false; pos++; } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  let start = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  const num = str.slice(start, pos) || '0';
  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    start = pos;
    while (pos < end && isDigit(str[pos])) pos++;
    denom = str.slice(start, pos);
  }
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos])) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityError(quantityFormatError);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

/** ceilDiv divides non-negative bigints rounding up. */
function ceilDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return q * d === n ? q : q + 1n;
}

/** parseQuantityExact parses a quantity exactly; throws QuantityError with Kubernetes' message. Numbers are read as JSON numbers are. */
export function parseQuantityExact(input: string | number): ParsedQuantity {
  // Callers pass unvalidated JSON: anything but a string or number is malformed, not a crash.
  if (typeof input !== 'string' && typeof input !== 'number') throw new QuantityError(quantityFormatError);
  const str = typeof input === 'number' ? numberToString(input) : input.trim();
  if (str.length === 0) throw new QuantityError(quantityFormatError);
  if (str === '0') return { nanos: 0n, format: 'DecimalSI' };
  const { positive, num, denom, suffix } = scan(str);
  const mantissa = BigInt(num + denom);
  const fraction = 10n ** BigInt(denom.length);
  let magnitude: bigint;
  let format: QuantityFormat;
  if (suffix in decimalSuffixes) {
    format = 'DecimalSI';
    const exp = decimalSuffixes[suffix] + 9;
    magnitude = exp >= 0 ? ceilDiv(mantissa * 10n ** BigInt(exp), fraction) : ceilDiv(mantissa, fraction * 10n ** BigInt(-exp));
  } else if (suffix in binarySuffixes) {
    format = 'BinarySI';
    magnitude = ceilDiv(mantissa * (1n << BigInt(binarySuffixes[suffix])) * 1_000_000_000n, fraction);
  } else if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    format = 'DecimalExponent';
    const e = Number(suffix.slice(1));
    if (!Number.isSafeInteger(e) || Math.abs(e) > 2 ** 31 - 1) throw new QuantityError(quantitySuffixError);
    const exp = e + 9;
    magnitude = exp >= 0 ? ceilDiv(mantissa * 10n ** BigInt(exp), fraction) : ceilDiv(mantissa, fraction * 10n ** BigInt(-exp));
  } else {
    throw new QuantityError(quantitySuffixError);
  }
  return { nanos: positive ? magnitude : -magnitude, format };
}

/** numberToString writes a JS number the way a JSON number would appear in a manifest. */
function numberToString(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(quantityFormatError);
  return String(n).replace('e+', 'e');
}

/** isValidQuantity tells whether Kubernetes would accept the string (or JSON number) as a quantity. */
export function isValidQuantity(s: string | number): boolean {
  try {
    parseQuantityExact(s);
    return true;
  } catch {
    return false;
  }
}

/** parseQuantity returns a quantity's value in base units (`100m` → 0.1, `1Ki` → 1024). Throws QuantityError. */
export function parseQuantity(s: string | number): number {
  const { nanos } = parseQuantityExact(s);
  const whole = nanos / 1_000_000_000n;
  const frac = nanos - whole * 1_000_000_000n;
  return Number(whole) + Number(frac) / 1e9;
}

/** tryParseQuantity is parseQuantity for unvalidated input: undefined for anything that is not a valid quantity. */
export function tryParseQuantity(q: unknown): number | undefined {
  if (typeof q !== 'string' && typeof q !== 'number') return undefined;
  try {
    return parseQuantity(q);
  } catch {
    return undefined;
  }
}

/** toMilli returns ceil(value × 1000) as Kubernetes' MilliValue does (`100m` → 100, `1` → 1000, `1n` → 1). */
export function toMilli(s: string | number): number {
  const { nanos } = parseQuantityExact(s);
  const d = 1_000_000n;
  // ceiling toward +∞
  const q = nanos / d;
  return Number(q * d < nanos ? q + 1n : q);
}

/** removeFactors divides out `base` as often as it goes evenly. */
function removeFactors(v: bigint, base: bigint): [bigint, number] {
  let times = 0;
  while (v !== 0n && v % base === 0n) {
    v /= base;
    times++;
  }
  return [v, times];
}

/** formatNanos renders an exact quantity canonically, as Kubernetes' Quantity.String(). */
export function formatNanos(nanos: bigint, format: QuantityFormat): string {
  if (nanos === 0n) return '0';
  let fmt = format;
  const neg = nanos < 0n;
  const mag = neg ? -nanos : nanos;
  const sign = neg ? '-' : '';
  if (fmt === 'BinarySI') {
    // small or fractional values print as DecimalSI so nothing is rounded
    if (mag < 1024n * 1_000_000_000n || mag % 1_000_000_000n !== 0n) fmt = 'DecimalSI';
    else {
      let [amount, times] = removeFactors(mag / 1_000_000_000n, 1024n);
      while (times > 6) { amount *= 1024n; times--; }
      return `${sign}${amount}${binarySuffixByExp.get(times) ?? ''}`;
    }
  }
  let [amount, times] = removeFactors(mag, 10n);
  let exp = times - 9;
  const r = ((exp % 3) + 3) % 3;
  if (r !== 0) {
    amount *= 10n ** BigInt(r);
    exp -= r;
  }
  if (fmt === 'DecimalExponent') return `${sign}${amount}${exp === 0 ? '' : `e${exp}`}`;
  while (exp > 18) { amount *= 1000n; exp -= 3; }
  return `${sign}${amount}${decimalSuffixByExp.get(exp) ?? ''}`;
}

/** canonicalizeQuantity rewrites a quantity as the API server returns it (`0.5` → `500m`, `2048Ki` → `2Mi`, `1000m` → `1`). Throws QuantityError. */
export function canonicalizeQuantity(s: string | number): string {
  const q = parseQuantityExact(s);
  return formatNanos(q.nanos, q.format);
}

/** formatQuantity renders a number of base units in a format (`formatQuantity(0.1)` → `100m`, `formatQuantity(2**30, 'BinarySI')` → `1Gi`). */
export function formatQuantity(n: number, format: QuantityFormat = 'DecimalSI'): string {
  return formatNanos(parseQuantityExact(n).nanos, format);
}
