/**
 * Function declarations the CEL type checker resolves calls against: CEL's standard library
 * (with cross-type numeric comparisons, as Kubernetes enables them), the strings extension
 * (version 2), sets, and the Kubernetes libraries a CRD rule may use in 1.32 (lists, regex, url,
 * quantity, ip, cidr, optional types). Each overload is a global function or a member function
 * (the target is the first argument type), as cel-go declares them.
 */
import { listOf, mapOf, opaque, optionalOf, T, typeOf, typeParam, type CelT } from './cel-types.js';

/** Overload is one signature of a function. */
export interface Overload {
  /** member functions are called as target.f(args); args[0] is the target */
  member: boolean;
  args: CelT[];
  result: CelT;
}

/** Opaque library types. */
export const QuantityT = opaque('kubernetes.Quantity');
export const URLT = opaque('kubernetes.URL');
export const IPT = opaque('net.IP');
export const CIDRT = opaque('net.CIDR');

const A = typeParam('A');
const B = typeParam('B');
const listA = listOf(A);
const mapAB = mapOf(A, B);
const { int, uint, double, bool, string, bytes, timestamp, duration, dyn } = T;

const decls = new Map<string, Overload[]>();
const fn = (name: string, args: CelT[], result: CelT) => add(name, { member: false, args, result });
const method = (name: string, args: CelT[], result: CelT) => add(name, { member: true, args, result });
function add(name: string, o: Overload): void {
  const list = decls.get(name) ?? [];
  list.push(o);
  decls.set(name, list);
}

// Operators.
fn('_?_:_', [bool, A, A], A);
fn('_&&_', [bool, bool], bool);
fn('_||_', [bool, bool], bool);
fn('!_', [bool], bool);
fn('@not_strictly_false', [bool], bool);
fn('_==_', [A, A], bool);
fn('_!=_', [A, A], bool);
for (const t of [bytes, double, int, string, uint]) fn('_+_', [t, t], t);
fn('_+_', [duration, duration], duration);
fn('_+_', [duration, timestamp], timestamp);
fn('_+_', [timestamp, duration], timestamp);
fn('_+_', [listA, listA], listA);
for (const t of [double, int, uint]) { fn('_-_', [t, t], t); fn('_*_', [t, t], t); fn('_/_', [t, t], t); }
fn('_-_', [duration, duration], duration);
fn('_-_', [timestamp, duration], timestamp);
fn('_-_', [timestamp, timestamp], duration);
fn('_%_', [int, int], int);
fn('_%_', [uint, uint], uint);
fn('-_', [double], double);
fn('-_', [int], int);
for (const op of ['_<_', '_<=_', '_>_', '_>=_']) {
  for (const t of [bool, int, uint, double, string, bytes, timestamp, duration]) fn(op, [t, t], bool);
  for (const [a, b] of [[int, double], [int, uint], [uint, double], [uint, int], [double, int], [double, uint]]) fn(op, [a, b], bool);
}
fn('_[_]', [listA, int], A);
fn('_[_]', [mapAB, A], B);
fn('@in', [A, listA], bool);
fn('@in', [A, mapAB], bool);
for (const t of [bytes, listA, mapAB, string]) { fn('size', [t], int); method('size', [t], int); }

// Conversions.
fn('type', [A], typeOf(A));
fn('dyn', [A], dyn);
for (const t of [bool, string]) fn('bool', [t], bool);
for (const t of [bytes, string]) fn('bytes', [t], bytes);
for (const t of [double, int, string, uint]) fn('double', [t], double);
for (const t of [duration, int, string]) fn('duration', [t], duration);
for (const t of [int, double, duration, string, timestamp, uint]) fn('int', [t], int);
for (const t of [string, bool, bytes, double, duration, int, timestamp, uint]) fn('string', [t], string);
for (const t of [timestamp, int, string]) fn('timestamp', [t], timestamp);
for (const t of [uint, double, int, string]) fn('uint', [t], uint);

// Strings.
for (const f of ['contains', 'endsWith', 'startsWith']) method(f, [string, string], bool);
fn('matches', [string, string], bool);
method('matches', [string, string], bool);

// Time accessors.
for (const f of ['getFullYear', 'getMonth', 'getDayOfYear', 'getDayOfMonth', 'getDate', 'getDayOfWeek', 'getHours', 'getMinutes', 'getSeconds', 'getMilliseconds']) {
  method(f, [timestamp], int);
  method(f, [timestamp, string], int);
}
for (const f of ['getHours', 'getMinutes', 'getSeconds', 'getMilliseconds']) method(f, [duration], int);

// Strings extension, version 2.
method('charAt', [string, int], string);
method('indexOf', [string, string], int);
method('indexOf', [string, string, int], int);
method('lastIndexOf', [string, string], int);
method('lastIndexOf', [string, string, int], int);
method('lowerAscii', [string], string);
method('upperAscii', [string], string);
method('replace', [string, string, string], string);
method('replace', [string, string, string, int], string);
method('split', [string, string], listOf(string));
method('split', [string, string, int], listOf(string));
method('substring', [string, int], string);
method('substring', [string, int, int], string);
method('trim', [string], string);
method('join', [listOf(string)], string);
method('join', [listOf(string), string], string);
method('format', [string, listOf(dyn)], string);
fn('strings.quote', [string], string);

// Sets extension.
for (const f of ['sets.contains', 'sets.equivalent', 'sets.intersects']) fn(f, [listA, listA], bool);

// Kubernetes lists library.
for (const t of [int, uint, double, bool, duration, timestamp, string, bytes]) {
  method('isSorted', [listOf(t)], bool);
  method('max', [listOf(t)], t);
  method('min', [listOf(t)], t);
}
for (const t of [int, uint, double, duration]) method('sum', [listOf(t)], t);
method('indexOf', [listA, A], int);
method('lastIndexOf', [listA, A], int);

// Kubernetes regex library.
method('find', [string, string], string);
method('findAll', [string, string], listOf(string));
method('findAll', [string, string, int], listOf(string));

// Kubernetes URL library.
fn('url', [string], URLT);
fn('isURL', [string], bool);
for (const f of ['getScheme', 'getHost', 'getHostname', 'getPort', 'getEscapedPath']) method(f, [URLT], string);
method('getQuery', [URLT], mapOf(string, listOf(string)));

// Kubernetes quantity library (sign is declared as a global function upstream).
fn('quantity', [string], QuantityT);
fn('isQuantity', [string], bool);
fn('sign', [QuantityT], int);
method('isGreaterThan', [QuantityT, QuantityT], bool);
method('isLessThan', [QuantityT, QuantityT], bool);
method('compareTo', [QuantityT, QuantityT], int);
method('asApproximateFloat', [QuantityT], double);
method('asInteger', [QuantityT], int);
method('isInteger', [QuantityT], bool);
for (const f of ['add', 'sub']) { method(f, [QuantityT, QuantityT], QuantityT); method(f, [QuantityT, int], QuantityT); }

// Kubernetes IP and CIDR libraries.
fn('ip', [string], IPT);
fn('isIP', [string], bool);
fn('ip.isCanonical', [string], bool);
method('family', [IPT], int);
for (const f of ['isUnspecified', 'isLoopback', 'isLinkLocalMulticast', 'isLinkLocalUnicast', 'isGlobalUnicast']) method(f, [IPT], bool);
fn('string', [IPT], string);
fn('cidr', [string], CIDRT);
fn('isCIDR', [string], bool);
method('containsIP', [CIDRT, string], bool);
method('containsIP', [CIDRT, IPT], bool);
method('containsCIDR', [CIDRT, string], bool);
method('containsCIDR', [CIDRT, CIDRT], bool);
method('ip', [CIDRT], IPT);
method('prefixLength', [CIDRT], int);
method('masked', [CIDRT], CIDRT);
fn('string', [CIDRT], string);

// Kubernetes format library.
export const FormatT = opaque('kubernetes.NamedFormat');
for (const name of ['dns1123Label', 'dns1123Subdomain', 'dns1035Label', 'qualifiedName', 'dns1123LabelPrefix', 'dns1123SubdomainPrefix', 'dns1035LabelPrefix', 'labelValue', 'uri', 'uuid', 'byte', 'date', 'datetime']) {
  fn(`format.${name}`, [], FormatT);
}
fn('format.named', [string], optionalOf(FormatT));
method('validate', [FormatT, string], optionalOf(listOf(string)));

// Optional types (oldSelf under optionalOldSelf).
fn('optional.of', [A], optionalOf(A));
fn('optional.ofNonZeroValue', [A], optionalOf(A));
fn('optional.none', [], optionalOf(dyn));
method('hasValue', [optionalOf(A)], bool);
method('value', [optionalOf(A)], A);
method('orValue', [optionalOf(A), A], A);
method('or', [optionalOf(A), optionalOf(A)], optionalOf(A));

/** lookupFunction returns the overloads declared for a function name. */
export function lookupFunction(name: string): Overload[] | undefined {
  return decls.get(name);
}

/** typeIdents are the type denotations usable as identifiers (`type(x) == string`). */
export const typeIdents = new Map<string, CelT>([
  ['bool', typeOf(bool)], ['bytes', typeOf(bytes)], ['double', typeOf(double)], ['dyn', typeOf(dyn)],
  ['int', typeOf(int)], ['list', typeOf(listOf(dyn))], ['map', typeOf(mapOf(dyn, dyn))],
  ['null_type', typeOf(T.null)], ['string', typeOf(string)], ['type', typeOf(typeOf())], ['uint', typeOf(uint)],
]);
