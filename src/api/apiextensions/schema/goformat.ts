/**
 * Go's fmt renderings the kube-openapi validator and field errors put into messages: `%v` of a
 * float64 (shortest digits, exponent form below 1e-4 and from 1e6, two-digit exponents) and of
 * slices (`[a b c]`).
 */

/** goFloat renders a float64 as Go's %v does (strconv.FormatFloat(f, 'g', -1, 64)). */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, expText] = f.toExponential().split('e');
  const exp = Number(expText);
  const digits = mant.replace('-', '').replace('.', '');
  // %v of a float is %g with the shortest digits, which switches to the exponent form when
  // exp < -4 || exp >= 6 (fmt.Println(1e6) prints 1e+06).
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const e = Math.abs(exp);
    return `${mant}e${sign}${e < 10 ? '0' : ''}${e}`;
  }
  const neg = f < 0 ? '-' : '';
  if (exp < 0) return `${neg}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${neg}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${neg}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** goValue renders a JSON value as Go's %v does for decoded JSON (int64, float64, string, []interface{}, map). */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${entries.map(([k, x]) => `${k}:${goValue(x)}`).join(' ')}]`;
}
