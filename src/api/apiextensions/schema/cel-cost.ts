/**
 * Static cost estimation of CEL rules, as Kubernetes runs it when a CRD is created: cel-go's
 * estimator (every identifier and field selection costs 1, each comprehension multiplies its
 * loop cost by the range's size, string operations cost a tenth of the string's length, ...)
 * with Kubernetes' library estimates, over sizes taken from the schema (maxItems, maxLength,
 * maxProperties, or what fits in a 3 MiB request when they are absent). The result is the
 * worst-case cost the CRD validation compares with its limits.
 */
import type { JSONSchemaProps } from '../types.js';
import type { Expr } from './cel-checker.js';
import { escapeName, withTypeAndObjectMeta } from './cel-decltype.js';
import type { CelT } from './cel-types.js';
import { additionalPropertiesOf, itemsOf } from './structural.js';

/** MAX_UINT64 is where estimates saturate. */
export const MAX_UINT64 = (1n << 64n) - 1n;
/** MAX_REQUEST_SIZE_BYTES is celconfig.MaxRequestSizeBytes (3 MiB). */
export const MAX_REQUEST_SIZE_BYTES = 3n * 1024n * 1024n;

/** Est is a [min, max] estimate (cel-go's CostEstimate / SizeEstimate). */
export interface Est { min: bigint; max: bigint }

const est = (min: bigint, max = min): Est => ({ min, max });
const sat = (v: bigint) => (v > MAX_UINT64 ? MAX_UINT64 : v);
const add = (a: Est, b: Est): Est => est(sat(a.min + b.min), sat(a.max + b.max));
const mul = (a: Est, b: Est): Est => est(sat(a.min * b.min), sat(a.max * b.max));
const union = (a: Est, b: Est): Est => est(a.min < b.min ? a.min : b.min, a.max > b.max ? a.max : b.max);
function byFactor(x: bigint, f: number): bigint {
  const v = Math.ceil(Number(x) * f);
  return v >= 2 ** 64 ? MAX_UINT64 : BigInt(v);
}
const factor = (a: Est, f: number): Est => est(byFactor(a.min, f), byFactor(a.max, f));

const STRING_TRAVERSAL = 0.1;
const REGEX_LENGTH = 0.25;
const MAX_NAME_FORMAT_REGEX_SIZE = 128;
const MAX_FORMAT_SIZE = 64n;

/** SizeNode is the size information Kubernetes' DeclType carries for a schema node. */
export interface SizeNode {
  minSerializedSize: bigint;
  maxElements: bigint;
  fields?: Map<string, SizeNode>;
  elem?: SizeNode;
  key?: SizeNode;
}

const simple = (min: bigint, max = 0n): SizeNode => ({ minSerializedSize: min, maxElements: max });
const STRING_KEY = simple(2n);

function maxStringLengthPerRequest(s: JSONSchemaProps): bigint {
  switch (s.format) {
    case 'duration': case 'date-time': return 32n;
    case 'date': return 12n;
    default: return MAX_REQUEST_SIZE_BYTES - 2n;
  }
}

const nonNeg = (v: number) => BigInt(Math.max(0, Math.trunc(v)));

/** schemaSizes builds the size tree of a schema node (SchemaDeclType's MaxElements and MinSerializedSize). */
export function schemaSizes(s: JSONSchemaProps | undefined, isResourceRoot: boolean): SizeNode | undefined {
  if (!s) return undefined;
  if (s['x-kubernetes-int-or-string']) return simple(1n, MAX_REQUEST_SIZE_BYTES - 2n);
  const sch = isResourceRoot ? withTypeAndObjectMeta(s) : s;
  switch (sch.type) {
    case 'array': {
      const items = itemsOf(sch);
      const elem = items && schemaSizes(items, !!items['x-kubernetes-embedded-resource']);
      if (!elem) return undefined;
      const max = sch.maxItems !== undefined ? nonNeg(sch.maxItems) : (MAX_REQUEST_SIZE_BYTES - 2n) / (elem.minSerializedSize + 1n);
      return { minSerializedSize: 2n, maxElements: max, elem };
    }
    case 'object': {
      const ap = additionalPropertiesOf(sch);
      if (ap.schema) {
        const elem = schemaSizes(ap.schema, !!ap.schema['x-kubernetes-embedded-resource']);
        if (!elem) return undefined;
        const max = sch.maxProperties !== undefined ? nonNeg(sch.maxProperties) : (MAX_REQUEST_SIZE_BYTES - 2n) / (elem.minSerializedSize + 6n);
        return { minSerializedSize: 2n, maxElements: max, elem, key: STRING_KEY };
      }
      const fields = new Map<string, SizeNode>();
      const required = new Set(sch.required ?? []);
      let min = 2n;
      for (const [k, prop] of Object.entries(sch.properties ?? {})) {
        const f = schemaSizes(prop, !!prop['x-kubernetes-embedded-resource']);
        if (!f) continue;
        const name = escapeName(k);
        if (name) fields.set(name, f);
        if (required.has(k) && (prop.default === undefined || prop.default === null)) min += BigInt(Buffer.byteLength(k)) + f.minSerializedSize + 4n;
      }
      return { minSerializedSize: min, maxElements: 0n, fields };
    }
    case 'string':
      switch (sch.format) {
        case 'byte': return simple(2n, sch.maxLength !== undefined ? nonNeg(sch.maxLength) : maxStringLengthPerRequest(sch));
        case 'duration': return simple(3n, maxStringLengthPerRequest(sch));
        case 'date': return simple(12n, maxStringLengthPerRequest(sch));
        case 'date-time': return simple(21n, maxStringLengthPerRequest(sch));
        default: {
          let max: bigint;
          if (sch.maxLength !== undefined) max = nonNeg(sch.maxLength) * 4n;
          else if (sch.enum?.length) max = BigInt(Math.max(0, ...sch.enum.map((e) => (typeof e === 'string' ? Buffer.byteLength(e) : 0))));
          else max = maxStringLengthPerRequest(sch);
          return simple(2n, max);
        }
      }
    case 'boolean': return simple(4n);
    case 'number': case 'integer': return simple(1n);
    default: return undefined;
  }
}

/** maxCardinality: how many times a value of this minimum size fits in a request (the unbounded case). */
export function maxCardinality(minSerializedSize: bigint): bigint {
  return MAX_REQUEST_SIZE_BYTES / (minSerializedSize + 1n);
}

interface Node {
  path: string[] | undefined;
  type: CelT | undefined;
  expr: Expr | undefined;
  derived?: Est;
}

function literalSize(e: Expr | undefined): Est | undefined {
  if (!e) return undefined;
  const k = e.exprKind;
  if (k.case === 'constExpr') {
    const c = k.value.constantKind;
    if (c.case === 'stringValue') return est(BigInt([...c.value].length));
    if (c.case === 'bytesValue') return est(BigInt(c.value.length));
    return est(1n);
  }
  if (k.case === 'listExpr') return est(BigInt(k.value.elements.length));
  if (k.case === 'structExpr' && !k.value.messageName) return est(BigInt(k.value.entries.length));
  return undefined;
}

const isScalar = (t: CelT | undefined) => !!t && ['bool', 'double', 'duration', 'int', 'timestamp', 'uint'].includes(t.kind);

/** estimateCost returns the worst-case [min, max] cost of a checked expression whose `self` has the given sizes. */
export function estimateCost(root: Expr, types: Map<bigint, CelT>, overloads: Map<bigint, string[]>, self: SizeNode): Est {
  const paths = new Map<bigint, string[]>();
  const sizes = new Map<bigint, Est>();
  const ranges = new Map<string, Expr[]>();

  const sizeOfPath = (path: string[] | undefined): Est | undefined => {
    if (!path || path.length === 0) return undefined;
    let cur: SizeNode | undefined = self;
    for (const name of path.slice(1)) {
      if (name === '@items' || name === '@values') cur = cur?.elem;
      else if (name === '@keys') cur = cur?.key;
      else cur = cur?.fields?.get(name);
      if (!cur) return undefined;
    }
    return est(0n, cur.maxElements);
  };
  const node = (e: Expr | undefined): Node => {
    let path = e ? paths.get(e.id) : undefined;
    if (path && path[0] === '@result') path = undefined;
    return { path, type: e ? types.get(e.id) : undefined, expr: e, derived: e ? sizes.get(e.id) : undefined };
  };
  const sizeOf = (n: Node | undefined): Est => {
    if (!n) return est(0n, MAX_UINT64);
    const computed = n.derived ?? literalSize(n.expr);
    if (computed) return computed;
    const s = sizeOfPath(n.path);
    if (s) return s;
    if (isScalar(n.type)) return est(1n);
    return est(0n, MAX_UINT64);
  };
  const elementNode = (list: Node): Node | undefined => {
    if (list.type?.kind !== 'list') return undefined;
    return { path: list.path ? [...list.path, '@items'] : undefined, type: list.type.elem, expr: undefined };
  };

  // Kubernetes' library estimates (library.CostEstimator.EstimateCallCost); undefined when it has none.
  const k8sCallCost = (fn: string, overload: string, target: Node | undefined, args: Node[]): { cost: Est; size?: Est } | undefined => {
    switch (fn) {
      case 'isSorted': case 'sum': case 'max': case 'min': case 'indexOf': case 'lastIndexOf': {
        if (!target) return undefined;
        const el = elementNode(target);
        if (el) {
          let elCost = est(1n);
          if (el.type?.kind === 'string' || el.type?.kind === 'bytes') elCost = add(elCost, factor(sizeOf(el), STRING_TRAVERSAL));
          return { cost: mul(sizeOf(target), elCost) };
        }
        return { cost: factor(sizeOf(target), STRING_TRAVERSAL) };
      }
      case 'url':
        if (args.length === 1) { const sz = sizeOf(args[0]); return { cost: factor(sz, STRING_TRAVERSAL), size: sz }; }
        return undefined;
      case 'lowerAscii': case 'upperAscii': case 'substring': case 'trim':
        if (target) { const sz = sizeOf(target); return { cost: factor(sz, STRING_TRAVERSAL), size: sz }; }
        return undefined;
      case 'replace': {
        if (!target || args.length < 2) return undefined;
        const sz = sizeOf(target);
        const toReplace = sizeOf(args[0]);
        const replaceWith = sizeOf(args[1]);
        const count = est(0n);
        const retained = est(0n);
        if (toReplace.min === 0n) { count.max = sz.max < MAX_UINT64 ? sz.max + 1n : sz.max; retained.max = sz.max; } else if (replaceWith.max <= toReplace.min) { count.max = 0n; retained.max = sz.max; } else { count.max = BigInt(Math.ceil(Number(sz.max) / Number(toReplace.min))); }
        if (toReplace.max === 0n) { count.min = sz.min < MAX_UINT64 ? sz.min + 1n : sz.min; retained.min = sz.min; } else if (toReplace.max <= replaceWith.min) { count.min = 0n; retained.min = sz.min; } else { count.min = BigInt(Math.ceil(Number(sz.min) / Number(toReplace.max))); }
        return { cost: factor(sz, 2 * STRING_TRAVERSAL), size: add(mul(count, replaceWith), retained) };
      }
      case 'split': {
        if (!target) return undefined;
        const sz = sizeOf(target);
        let max = sz.max;
        const lim = args[1]?.expr?.exprKind;
        if (lim?.case === 'constExpr' && lim.value.constantKind.case === 'int64Value') max = BigInt.asUintN(64, lim.value.constantKind.value);
        return { cost: factor(sz, 2 * STRING_TRAVERSAL), size: est(0n, max) };
      }
      case 'join': {
        if (!target) return undefined;
        let sz = est(0n);
        const listSize = sizeOf(target);
        const el = elementNode(target);
        if (el) sz = mul(listSize, sizeOf(el));
        if (args.length > 0) {
          const sep = sizeOf(args[0]);
          sz = add(sz, mul(sep, est(listSize.min > 0n ? listSize.min - 1n : 0n, listSize.max > 0n ? listSize.max - 1n : 0n)));
        }
        return { cost: factor(sz, STRING_TRAVERSAL), size: sz };
      }
      case 'find': case 'findAll': {
        if (!target || args.length < 1) return undefined;
        const sz = sizeOf(target);
        const strCost = factor(add(sz, est(1n)), STRING_TRAVERSAL);
        const regexCost = factor(sizeOf(args[0]), REGEX_LENGTH);
        return { cost: mul(strCost, regexCost), size: est(0n, sz.max) };
      }
      case 'cidr': case 'isIP': case 'isCIDR': case 'quantity': case 'isQuantity':
        return args.length ? { cost: factor(sizeOf(args[0]), STRING_TRAVERSAL) } : undefined;
      case 'ip':
        if (overload === 'cidr_ip') return { cost: est(1n) };
        if (args.length >= 1) return { cost: factor(sizeOf(args[0]), STRING_TRAVERSAL) };
        return { cost: est(1n) };
      case 'ip.isCanonical':
        return args.length ? { cost: factor(sizeOf(args[0]), 2 * STRING_TRAVERSAL) } : undefined;
      case 'masked': case 'prefixLength': case 'family': case 'isUnspecified': case 'isLoopback': case 'isLinkLocalMulticast': case 'isLinkLocalUnicast': case 'isGlobalUnicast':
        return { cost: est(1n) };
      case 'containsIP': {
        if (!target || args.length < 1) return undefined;
        const ip = est(4n, 16n);
        let c = factor(add(ip, ip), STRING_TRAVERSAL);
        if (overload === 'cidr_contains_ip_string') c = add(c, factor(sizeOf(args[0]), STRING_TRAVERSAL));
        return { cost: c };
      }
      case 'containsCIDR': {
        if (!target || args.length < 1) return undefined;
        const ip = est(4n, 16n);
        let c = add(add(factor(add(ip, ip), STRING_TRAVERSAL), factor(ip, STRING_TRAVERSAL)), est(1n));
        if (overload === 'cidr_contains_cidr_string') c = add(c, factor(sizeOf(args[0]), STRING_TRAVERSAL));
        return { cost: c };
      }
      case 'validate':
        return args.length ? { cost: factor(factor(sizeOf(args[0]), STRING_TRAVERSAL), MAX_NAME_FORMAT_REGEX_SIZE * REGEX_LENGTH) } : undefined;
      case 'format.named': case 'sign': case 'asInteger': case 'isInteger': case 'asApproximateFloat': case 'isGreaterThan': case 'isLessThan': case 'compareTo': case 'add': case 'sub':
      case 'getScheme': case 'getHostname': case 'getHost': case 'getPort': case 'getEscapedPath': case 'getQuery':
        return { cost: est(1n) };
      case '_==_': {
        const t = args[0]?.type;
        if (!t || t.kind !== 'opaque' || args[1]?.type?.kind !== 'opaque' || (args[1].type as { name: string }).name !== t.name) return undefined;
        if (t.name === 'net.IP' || t.name === 'net.CIDR' || t.name === 'kubernetes.Quantity') return { cost: est(1n) };
        if (t.name === 'kubernetes.NamedFormat') return { cost: factor(est(1n, MAX_FORMAT_SIZE), STRING_TRAVERSAL) };
        if (t.name === 'kubernetes.URL') {
          const rs = args[1].derived ?? literalSize(args[1].expr);
          return { cost: factor(est(1n, rs ? rs.max : 1n), STRING_TRAVERSAL) };
        }
        return undefined;
      }
      default:
        return undefined;
    }
  };

  // cel-go's coster.functionCost.
  const functionCost = (fn: string, overload: string, target: Node | undefined, args: Node[], argCosts: Est[]): { cost: Est; size?: Est } => {
    const argSum = () => argCosts.reduce(add, est(0n));
    if (overload === 'list_sets_contains_list' || overload === 'list_sets_intersects_list' || overload === 'list_sets_equivalent_list') {
      const f = overload === 'list_sets_equivalent_list' ? 2 : 1;
      return { cost: add(add(factor(mul(sizeOf(args[0]), sizeOf(args[1])), f), est(1n)), argSum()) };
    }
    const k = k8sCallCost(fn, overload, target, args);
    if (k) return { cost: add(k.cost, argSum()), size: k.size };
    switch (overload) {
      case 'string_format':
        if (target) return { cost: add(factor(sizeOf(target), STRING_TRAVERSAL), argSum()) };
        break;
      case 'string_to_bytes': {
        const sz = sizeOf(args[0]);
        return { cost: add(factor(sz, STRING_TRAVERSAL), argSum()), size: est(sz.min, sat(sz.max * 4n)) };
      }
      case 'bytes_to_string': {
        const sz = sizeOf(args[0]);
        return { cost: add(factor(sz, STRING_TRAVERSAL), argSum()), size: est(sz.min / 4n, sz.max) };
      }
      case 'strings_quote': {
        const sz = sizeOf(args[0]);
        return { cost: add(factor(sz, STRING_TRAVERSAL), argSum()), size: est(sat(sz.min + 2n), sat(sz.max * 2n + 2n)) };
      }
      case 'starts_with_string': case 'ends_with_string':
        return { cost: add(factor(sizeOf(args[0]), STRING_TRAVERSAL), argSum()) };
      case 'in_list':
        return { cost: add(factor(sizeOf(args[1]), 1), argSum()) };
      case 'matches_string':
        if (target) return { cost: add(mul(factor(add(sizeOf(target), est(1n)), STRING_TRAVERSAL), factor(sizeOf(args[0]), REGEX_LENGTH)), argSum()) };
        break;
      case 'contains_string':
        if (target) return { cost: add(mul(factor(sizeOf(target), STRING_TRAVERSAL), factor(sizeOf(args[0]), STRING_TRAVERSAL)), argSum()) };
        break;
      case 'logical_or': case 'logical_and':
        return { cost: est(argCosts[0].min, add(argCosts[0], argCosts[1]).max) };
      case 'conditional':
        return { cost: add(argCosts[0], union(argCosts[1], argCosts[2])), size: union(sizeOf(args[1]), sizeOf(args[2])) };
      case 'add_string': case 'add_bytes': case 'add_list': {
        const size = add(sizeOf(args[0]), sizeOf(args[1]));
        if (overload === 'add_list') return { cost: add(est(1n), argSum()), size };
        return { cost: add(factor(size, STRING_TRAVERSAL), argSum()), size };
      }
      case 'less_string': case 'greater_string': case 'less_equals_string': case 'greater_equals_string':
      case 'less_bytes': case 'greater_bytes': case 'less_equals_bytes': case 'greater_equals_bytes':
      case 'equals': case 'not_equals': {
        const l = sizeOf(args[0]);
        const r = sizeOf(args[1]);
        const smallestMax = l.max < r.max ? l.max : r.max;
        return { cost: add(factor(est(smallestMax > 0n ? 1n : 0n, smallestMax), STRING_TRAVERSAL), argSum()) };
      }
      default:
    }
    return { cost: add(est(1n), argSum()) };
  };

  const cost = (e: Expr | undefined): Est => {
    if (!e) return est(0n);
    const k = e.exprKind;
    switch (k.case) {
      case 'constExpr': return est(0n);
      case 'identExpr': {
        const stack = ranges.get(k.value.name);
        const range = stack?.[stack.length - 1];
        if (range) {
          const rt = types.get(range.id);
          const base = paths.get(range.id) ?? [];
          if (rt?.kind === 'list') paths.set(e.id, [...base, '@items']);
          else if (rt?.kind === 'map') paths.set(e.id, [...base, '@keys']);
        } else {
          paths.set(e.id, [k.value.name]);
        }
        return est(1n);
      }
      case 'selectExpr': {
        const sel = k.value;
        // Kubernetes disables the cost of presence tests (PresenceTestHasCost(false)).
        if (sel.testOnly) return cost(sel.operand);
        let sum = cost(sel.operand);
        const tt = sel.operand ? types.get(sel.operand.id) : undefined;
        if (tt && (tt.kind === 'map' || tt.kind === 'struct' || tt.kind === 'typeParam')) sum = add(sum, est(1n));
        paths.set(e.id, [...((sel.operand && paths.get(sel.operand.id)) ?? []), sel.field]);
        return sum;
      }
      case 'callExpr': {
        const call = k.value;
        const argCosts = call.args.map((a) => cost(a));
        const argNodes = call.args.map((a) => node(a));
        const ids = overloads.get(e.id) ?? [];
        if (!ids.length) return est(0n);
        let sum = est(0n);
        let target: Node | undefined;
        if (call.target) {
          sum = add(sum, cost(call.target));
          target = node(call.target);
        }
        let fnCost: Est = est(MAX_UINT64, 0n);
        let resultSize: Est | undefined;
        for (const id of ids) {
          const c = functionCost(call.function, id, target, argNodes, argCosts);
          fnCost = union(fnCost, c.cost);
          if (c.size) resultSize = resultSize ? union(resultSize, c.size) : c.size;
          if (id === 'index_list' && call.args[0]) paths.set(e.id, [...(paths.get(call.args[0].id) ?? []), '@items']);
          if (id === 'index_map' && call.args[0]) paths.set(e.id, [...(paths.get(call.args[0].id) ?? []), '@values']);
        }
        if (resultSize) sizes.set(e.id, resultSize);
        return add(sum, fnCost);
      }
      case 'listExpr':
        return add(k.value.elements.reduce((s, x) => add(s, cost(x)), est(0n)), est(10n));
      case 'structExpr': {
        let sum = est(0n);
        for (const en of k.value.entries) {
          if (en.keyKind.case === 'mapKey') sum = add(sum, cost(en.keyKind.value));
          sum = add(sum, cost(en.value));
        }
        return add(sum, est(k.value.messageName ? 40n : 30n));
      }
      case 'comprehensionExpr': {
        const c = k.value;
        let sum = add(cost(c.iterRange), cost(c.accuInit));
        const stack = ranges.get(c.iterVar) ?? [];
        stack.push(c.iterRange!);
        ranges.set(c.iterVar, stack);
        const loop = cost(c.loopCondition);
        const step = cost(c.loopStep);
        stack.pop();
        sum = add(sum, cost(c.result));
        const rangeCnt = sizeOf(node(c.iterRange));
        sizes.set(e.id, rangeCnt);
        return add(sum, mul(rangeCnt, add(step, loop)));
      }
      default:
        return est(0n);
    }
  };
  return cost(root);
}
