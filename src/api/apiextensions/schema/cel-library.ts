/**
 * Runtime functions the CEL engine adds to @bufbuild/cel's standard library so CRD rules behave
 * as in Kubernetes 1.32: equality with set/map list semantics, the strings extension, sets, and
 * Kubernetes' lists, regex, URL, quantity, IP/CIDR and optional-type functions. Failures throw
 * errors whose messages are Kubernetes' (they surface as `<message> evaluating rule: <rule>`).
 */
import { celFunc, celList, celMap, celMethod, CelScalar, celUint, isCelList, isCelUint, listType, mapType, type CelFunc, type CelInput, type CelList, type CelMap, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from '@bufbuild/re2';
import { parseQuantityExact } from '../../../apimachinery/quantity.js';
import { asOpaque, celEquals, opaqueHandle, type OpaqueValue } from './cel-values.js';
import { formatFunctions } from './cel-format.js';
import { netFunctions } from './cel-net.js';
import { durationMessage, splitNanos } from './cel-time.js';
import { goRegExp } from './cel-regex.js';
import { parseRequestURL } from './cel-url.js';

const { DYN, BOOL, INT, STRING, DOUBLE } = CelScalar;
const LIST = listType(DYN);
const MAP = mapType(DYN, DYN);

/** opaqueOf returns a handle's library value of the wanted kind, or throws "no such overload". */
export function opaqueOf<K extends OpaqueValue['kind']>(v: unknown, kind: K): Extract<OpaqueValue, { kind: K }> {
  const o = asOpaque(v);
  if (!o || o.kind !== kind) throw new Error('no such overload');
  return o as Extract<OpaqueValue, { kind: K }>;
}

function secondsNanos(v: unknown): bigint | undefined {
  const m = (v as { message?: { seconds?: bigint; nanos?: number }; desc?: { typeName?: string } })?.message;
  const tn = (v as { desc?: { typeName?: string } })?.desc?.typeName;
  if (!m || (tn !== 'google.protobuf.Timestamp' && tn !== 'google.protobuf.Duration')) return undefined;
  return BigInt(m.seconds ?? 0n) * 1_000_000_000n + BigInt(m.nanos ?? 0);
}

/** compareValues orders two comparable CEL values (int, uint, double, bool, string, bytes, timestamp, duration). */
export function compareValues(a: unknown, b: unknown): number {
  const num = (v: unknown) => (typeof v === 'bigint' || typeof v === 'number' ? v : (v as { value?: unknown })?.value);
  const na = num(a);
  const nb = num(b);
  if ((typeof na === 'bigint' || typeof na === 'number') && (typeof nb === 'bigint' || typeof nb === 'number')) return na < nb ? -1 : na > nb ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  const ta = secondsNanos(a);
  const tb = secondsNanos(b);
  if (ta !== undefined && tb !== undefined) return ta < tb ? -1 : ta > tb ? 1 : 0;
  throw new Error('no such overload');
}

function addValues(a: unknown, b: unknown): CelInput {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    const r = a + b;
    if (r > 9223372036854775807n || r < -9223372036854775808n) throw new Error('integer overflow');
    return r;
  }
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (isCelUint(a) && isCelUint(b)) {
    const r = a.value + b.value;
    if (r > 18446744073709551615n) throw new Error('unsigned integer overflow');
    return celUint(r);
  }
  const da = secondsNanos(a);
  const db = secondsNanos(b);
  if (da !== undefined && db !== undefined) return durationMessage(splitNanos(da + db)) as unknown as CelInput;
  throw new Error('no such overload');
}

function listValues(l: CelList): CelValue[] {
  return [...l];
}

/** sumFunctions: list.sum() per element type (the engine renames sum to @sum:<type> so an empty list sums to that type's zero). */
function sumFunctions(): CelFunc[] {
  const zero: Record<string, () => CelInput> = {
    int: () => 0n, uint: () => celUint(0n), double: () => 0, duration: () => durationMessage({ seconds: 0n, nanos: 0 }) as unknown as CelInput,
  };
  return Object.keys(zero).map((t) => celMethod(`@sum:${t}`, LIST, [], DYN, function (this: CelList) {
    const vals = listValues(this);
    if (!vals.length) return zero[t]();
    return vals.slice(1).reduce<CelInput>((acc, v) => addValues(acc, v), vals[0]);
  }));
}

function listsLibrary(): CelFunc[] {
  return [
    celMethod('isSorted', LIST, [], BOOL, function (this: CelList) {
      const vals = listValues(this);
      for (let i = 1; i < vals.length; i++) if (compareValues(vals[i - 1], vals[i]) > 0) return false;
      return true;
    }),
    ...sumFunctions(),
    celMethod('min', LIST, [], DYN, function (this: CelList) {
      const vals = listValues(this);
      if (!vals.length) throw new Error('min called on empty list');
      return vals.reduce((m, v) => (compareValues(m, v) > 0 ? v : m));
    }),
    celMethod('max', LIST, [], DYN, function (this: CelList) {
      const vals = listValues(this);
      if (!vals.length) throw new Error('max called on empty list');
      return vals.reduce((m, v) => (compareValues(m, v) < 0 ? v : m));
    }),
    celMethod('indexOf', LIST, [DYN], INT, function (this: CelList, x: CelValue) {
      const vals = listValues(this);
      return BigInt(vals.findIndex((v) => celEquals(v, x)));
    }),
    celMethod('lastIndexOf', LIST, [DYN], INT, function (this: CelList, x: CelValue) {
      const vals = listValues(this);
      for (let i = vals.length - 1; i >= 0; i--) if (celEquals(vals[i], x)) return BigInt(i);
      return -1n;
    }),
  ];
}

function setsLibrary(): CelFunc[] {
  const has = (l: CelList, x: CelValue) => listValues(l).some((v) => celEquals(v, x));
  return [
    celFunc('sets.contains', [LIST, LIST], BOOL, (a: CelList, b: CelList) => listValues(b).every((x) => has(a, x))),
    celFunc('sets.equivalent', [LIST, LIST], BOOL, (a: CelList, b: CelList) => listValues(b).every((x) => has(a, x)) && listValues(a).every((x) => has(b, x))),
    celFunc('sets.intersects', [LIST, LIST], BOOL, (a: CelList, b: CelList) => listValues(b).some((x) => has(a, x))),
  ];
}

function regexLibrary(): CelFunc[] {
  const findAll = (s: string, pattern: string, n: bigint): CelList => {
    const re = goRegExp(pattern, true);
    const out: string[] = [];
    if (n === 0n) return celList([]);
    for (const m of s.matchAll(re)) {
      out.push(m[0]);
      if (n > 0n && BigInt(out.length) >= n) break;
    }
    return celList(out);
  };
  return [
    celMethod('find', STRING, [STRING], STRING, function (this: string, pattern: string) {
      const m = goRegExp(pattern, false).exec(this);
      return m ? m[0] : '';
    }),
    celMethod('findAll', STRING, [STRING], LIST, function (this: string, pattern: string) { return findAll(this, pattern, -1n); }),
    celMethod('findAll', STRING, [STRING, INT], LIST, function (this: string, pattern: string, n: bigint) { return findAll(this, pattern, n); }),
  ];
}

function urlLibrary(): CelFunc[] {
  const get = (f: (u: Extract<OpaqueValue, { kind: 'url' }>) => string) => function (this: CelValue) { return f(opaqueOf(this, 'url')); };
  return [
    celFunc('url', [STRING], MAP, (s: string) => {
      const r = parseRequestURL(s);
      if ('error' in r) throw new Error(`URL parse error during conversion from string: ${r.error}`);
      return opaqueHandle({ kind: 'url', ...r });
    }),
    celFunc('isURL', [STRING], BOOL, (s: string) => !('error' in parseRequestURL(s))),
    celMethod('getScheme', MAP, [], STRING, get((u) => u.scheme)),
    celMethod('getHost', MAP, [], STRING, get((u) => u.host)),
    celMethod('getHostname', MAP, [], STRING, get((u) => u.hostname)),
    celMethod('getPort', MAP, [], STRING, get((u) => u.port)),
    celMethod('getEscapedPath', MAP, [], STRING, get((u) => u.escapedPath)),
    celMethod('getQuery', MAP, [], MAP, function (this: CelValue) {
      const q = new Map<string, string[]>();
      for (const [k, v] of opaqueOf(this, 'url').query) q.set(k, [...(q.get(k) ?? []), v]);
      return celMap(new Map([...q].map(([k, v]) => [k, celList(v)])));
    }),
  ];
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function quantityLibrary(): CelFunc[] {
  const q = (v: CelValue) => opaqueOf(v, 'quantity').nanos;
  const make = (nanos: bigint) => opaqueHandle({ kind: 'quantity', nanos });
  const cmp = (a: bigint, b: bigint) => (a < b ? -1n : a > b ? 1n : 0n);
  return [
    celFunc('quantity', [STRING], MAP, (s: string) => make(parseQuantityExact(s).nanos)),
    celFunc('isQuantity', [STRING], BOOL, (s: string) => {
      try { parseQuantityExact(s); return true; } catch { return false; }
    }),
    celFunc('sign', [MAP], INT, (v: CelValue) => cmp(q(v), 0n)),
    celMethod('isGreaterThan', MAP, [MAP], BOOL, function (this: CelValue, o: CelValue) { return q(this) > q(o); }),
    celMethod('isLessThan', MAP, [MAP], BOOL, function (this: CelValue, o: CelValue) { return q(this) < q(o); }),
    celMethod('compareTo', MAP, [MAP], INT, function (this: CelValue, o: CelValue) { return cmp(q(this), q(o)); }),
    celMethod('asApproximateFloat', MAP, [], DOUBLE, function (this: CelValue) { return Number(q(this)) / 1e9; }),
    celMethod('isInteger', MAP, [], BOOL, function (this: CelValue) {
      const n = q(this);
      return n % 1_000_000_000n === 0n && n / 1_000_000_000n <= INT64_MAX && n / 1_000_000_000n >= INT64_MIN;
    }),
    celMethod('asInteger', MAP, [], INT, function (this: CelValue) {
      const n = q(this);
      const v = n / 1_000_000_000n;
      if (n % 1_000_000_000n !== 0n || v > INT64_MAX || v < INT64_MIN) throw new Error('cannot convert value to integer');
      return v;
    }),
    celMethod('add', MAP, [MAP], MAP, function (this: CelValue, o: CelValue) { return make(q(this) + q(o)); }),
    celMethod('add', MAP, [INT], MAP, function (this: CelValue, o: bigint) { return make(q(this) + o * 1_000_000_000n); }),
    celMethod('sub', MAP, [MAP], MAP, function (this: CelValue, o: CelValue) { return make(q(this) - q(o)); }),
    celMethod('sub', MAP, [INT], MAP, function (this: CelValue, o: bigint) { return make(q(this) - o * 1_000_000_000n); }),
  ];
}

function optionalLibrary(): CelFunc[] {
  const opt = (v: CelValue) => opaqueOf(v, 'optional');
  const isZero = (v: CelValue): boolean => {
    if (v === null || v === false || v === '' || v === 0 || v === 0n) return true;
    if (v instanceof Uint8Array) return v.length === 0;
    if (isCelList(v)) return v.size === 0;
    if (typeof v === 'object' && 'size' in v && typeof (v as { size: unknown }).size === 'number' && !asOpaque(v)) return (v as { size: number }).size === 0;
    return false;
  };
  return [
    celFunc('optional.of', [DYN], MAP, (v: CelValue) => opaqueHandle({ kind: 'optional', value: v })),
    celFunc('optional.ofNonZeroValue', [DYN], MAP, (v: CelValue) => opaqueHandle({ kind: 'optional', value: isZero(v) ? undefined : v })),
    celFunc('optional.none', [], MAP, () => opaqueHandle({ kind: 'optional' })),
    celMethod('hasValue', MAP, [], BOOL, function (this: CelValue) { return opt(this).value !== undefined; }),
    celMethod('value', MAP, [], DYN, function (this: CelValue) {
      const v = opt(this).value;
      if (v === undefined) throw new Error('optional.none() dereference');
      return v;
    }),
    celMethod('orValue', MAP, [DYN], DYN, function (this: CelValue, d: CelValue) { return opt(this).value ?? d; }),
    celMethod('or', MAP, [MAP], MAP, function (this: CelMap, o: CelMap) { return opt(this).value !== undefined ? this : (opt(o), o); }),
    // The engine rewrites a field selection on an optional (oldSelf.x under optionalOldSelf) into this call.
    celFunc('@optional_select', [MAP, STRING], MAP, (o: CelValue, field: string) => {
      const v = opt(o).value;
      if (v === undefined || typeof v !== 'object' || v === null || !('get' in v)) return opaqueHandle({ kind: 'optional' });
      const x = (v as { get(k: string): CelValue | undefined }).get(field);
      return opaqueHandle({ kind: 'optional', value: x });
    }),
  ];
}

function equalityLibrary(): CelFunc[] {
  return [
    // CEL's global form of matches (@bufbuild/cel has the method only).
    celFunc('matches', [STRING, STRING], BOOL, (text: string, pattern: string) => {
      try {
        return RE2JS.compile(pattern).test(text);
      } catch (e) {
        throw new Error((e as Error).message);
      }
    }),
    celFunc('_==_', [DYN, DYN], BOOL, celEquals),
    celFunc('_!=_', [DYN, DYN], BOOL, (a: CelValue, b: CelValue) => !celEquals(a, b)),
    celFunc('@in', [DYN, LIST], BOOL, (x: CelValue, l: CelList) => listValues(l).some((v) => celEquals(v, x))),
  ];
}

/** kubernetesFunctions lists every function the engine registers on top of the standard library. */
export function kubernetesFunctions(extra: CelFunc[]): CelFunc[] {
  return [
    ...strings,
    ...equalityLibrary(),
    ...listsLibrary(),
    ...setsLibrary(),
    ...regexLibrary(),
    ...urlLibrary(),
    ...quantityLibrary(),
    ...netFunctions(),
    ...formatFunctions(),
    ...optionalLibrary(),
    ...extra,
  ];
}
