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
  /** cel-go's overload id where cost estimation depends on it (`add_string`), else a derived one */
  id: string;
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
const fn = (name: string, args: CelT[], result: CelT, id?: string) => add(name, { id: id ?? derivedId(name, false, args), member: false, args, result });
const method = (name: string, args: CelT[], result: CelT, id?: string) => add(name, { id: id ?? derivedId(name, true, args), member: true, args, result });
function derivedId(name: string, member: boolean, args: CelT[]): string {
  return `${member ? 'member:' : ''}${name}(${args.map((a) => a.kind).join(',')})`;
}
function add(name: string, o: Overload): void {
  const list = decls.get(name) ?? [];
  list.push(o);
  decls.set(name, list);
}

// Operators.
fn('_?_:_', [bool, A, A], A, 'conditional');
fn('_&&_', [bool, bool], bool, 'logical_and');
fn('_||_', [bool, bool], bool, 'logical_or');
fn('!_', [bool], bool);
fn('@not_strictly_false', [bool], bool);
fn('_==_', [A, A], bool, 'equals');
fn('_!=_', [A, A], bool, 'not_equals');
for (const t of [bytes, double, int, string, uint]) fn('_+_', [t, t], t, `add_${t.kind}`);
fn('_+_', [duration, duration], duration);
fn('_+_', [duration, timestamp], timestamp);
fn('_+_', [timestamp, duration], timestamp);
fn('_+_', [listA, listA], listA, 'add_list');
for (const t of [double, int, uint]) { fn('_-_', [t, t], t); fn('_*_', [t, t], t); fn('_/_', [t, t], t); }
fn('_-_', [duration, duration], duration);
fn('_-_', [timestamp, duration], timestamp);
fn('_-_', [timestamp, timestamp], duration);
fn('_%_', [int, int], int);
fn('_%_', [uint, uint], uint);
fn('-_', [double], double);
fn('-_', [int], int);
for (const op of ['_<_', '_<=_', '_>_', '_>=_']) {
  const opName = ({ '_<_': 'less', '_<=_': 'less_equals', '_>_': 'greater', '_>=_': 'greater_equals' } as Record<string, string>)[op];
  for (const t of [bool, int, uint, double, string, bytes, timestamp, duration]) fn(op, [t, t], bool, `${opName}_${t.kind}`);
  for (const [a, b] of [[int, double], [int, uint], [uint, double], [uint, int], [double, int], [double, uint]]) fn(op, [a, b], bool);
}
fn('_[_]', [listA, int], A, 'index_list');
fn('_[_]', [mapAB, A], B, 'index_map');
fn('@in', [A, listA], bool, 'in_list');
fn('@in', [A, mapAB], bool, 'in_map');
for (const t of [bytes, listA, mapAB, string]) { fn('size', [t], int); method('size', [t], int); }

// Conversions.
fn('type', [A], typeOf(A));
fn('dyn', [A], dyn);
for (const t of [bool, string]) fn('bool', [t], bool);
fn('bytes', [bytes], bytes);
fn('bytes', [string], bytes, 'string_to_bytes');
for (const t of [double, int, string, uint]) fn('double', [t], double);
for (const t of [duration, int, string]) fn('duration', [t], duration);
for (const t of [int, double, duration, string, timestamp, uint]) fn('int', [t], int);
for (const t of [string, bool, double, duration, int, timestamp, uint]) fn('string', [t], string);
fn('string', [bytes], string, 'bytes_to_string');
for (const t of [timestamp, int, string]) fn('timestamp', [t], timestamp);
for (const t of [uint, double, int, string]) fn('uint', [t], uint);

// Strings.
method('contains', [string, string], bool, 'contains_string');
method('endsWith', [string, string], bool, 'ends_with_string');
method('startsWith', [string, string], bool, 'starts_with_string');
fn('matches', [string, string], bool);
method('matches', [string, string], bool, 'matches_string');

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
method('format', [string, listOf(dyn)], string, 'string_format');
fn('strings.quote', [string], string, 'strings_quote');

// Sets extension.
fn('sets.contains', [listA, listA], bool, 'list_sets_contains_list');
fn('sets.equivalent', [listA, listA], bool, 'list_sets_equivalent_list');
fn('sets.intersects', [listA, listA], bool, 'list_sets_intersects_list');

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
method('containsIP', [CIDRT, string], bool, 'cidr_contains_ip_string');
method('containsIP', [CIDRT, IPT], bool);
method('containsCIDR', [CIDRT, string], bool, 'cidr_contains_cidr_string');
method('containsCIDR', [CIDRT, CIDRT], bool);
method('ip', [CIDRT], IPT, 'cidr_ip');
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
