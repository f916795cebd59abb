/**
 * x-kubernetes-validations (CEL rules) behind an interface: a CELEngine compiles rule and
 * messageExpression sources; this module walks a structural schema and the object (and its old
 * version on update), evaluates each node's rules with `self` (and `oldSelf` for transition
 * rules, only where the old value can be correlated) and reports failures as Kubernetes'
 * apiextensions CEL validator does: `spec: Invalid value: "object": <message>` (reason and
 * fieldPath honoured), runtime errors as `<error> evaluating rule: <rule>`, the per-request cost
 * budget, and ratcheting (a rule without oldSelf that fails on a value unchanged by the update
 * is not held against it).
 *
 * No engine is registered by default: rules are then accepted and stored but not enforced.
 * registerCELEngine plugs one in (cel-engine.ts, registered by the API server).
 */
import type { FieldError } from '../../../apimachinery/errors.js';
import { log } from '../../../util/log.js';
import type { JSONSchemaProps, ValidationRule } from '../types.js';
import { FieldPath } from './path.js';
import { additionalPropertiesOf, isObject, itemsOf, propertyOf } from './structural.js';

const logger = log.child({ component: 'cel-validator' });

/** CELCompileOptions: what the expression is and how `self`/`oldSelf` are typed. */
export interface CELCompileOptions {
  /** a rule must evaluate to a bool, a messageExpression to a string */
  kind: 'rule' | 'messageExpression';
  /** the node is the root of a resource (or an embedded resource): apiVersion, kind, metadata.name/generateName are visible */
  isResourceRoot: boolean;
  /** oldSelf is an optional (the rule's optionalOldSelf) */
  optionalOldSelf?: boolean;
}

/** CELEvalInput: the node's value (decoded JSON), its correlated old value, and a per-pass session from newSession. */
export interface CELEvalInput {
  self: unknown;
  oldSelf?: unknown;
  hasOldSelf: boolean;
  session?: object;
}

/** CELEvalResult: the value (bool or string), or the evaluation error as cel-go words it; cost is the runtime cost spent. */
export type CELEvalResult = { value: unknown; cost: number } | { error: string; kind?: 'overload' | 'costLimit'; cost: number };

/** CELProgram is one compiled expression. */
export interface CELProgram {
  evaluate(input: CELEvalInput): CELEvalResult;
}

/**
 * CELCompileResult: a program (with its estimated worst-case cost, and how many times a value of
 * its type fits in a request), or the full error detail (`compilation failed: ERROR: ...`).
 */
export type CELCompileResult = { program: CELProgram; usesOldSelf: boolean; maxCost?: bigint; maxCardinality?: bigint } | { error: string; internal?: boolean };

/** CELEngine compiles CEL expressions for a schema node (the node's schema types `self`). */
export interface CELEngine {
  compile(expression: string, schema: JSONSchemaProps, opts: CELCompileOptions): CELCompileResult;
  /** newSession returns state shared by the evaluations of one validation pass (value conversions) */
  newSession?(): object;
}

/** RUNTIME_COST_BUDGET is Kubernetes' per-request CEL budget (celconfig.RuntimeCELCostBudget). */
export const RUNTIME_COST_BUDGET = 10_000_000;

let engine: CELEngine | undefined;
let warned = false;

/** registerCELEngine installs (or with undefined removes) the CEL engine used for every CRD. */
export function registerCELEngine(e: CELEngine | undefined): void {
  engine = e;
  compiledRules = new WeakMap();
}

/** celEngine returns the registered engine, if any. */
export function celEngine(): CELEngine | undefined {
  return engine;
}

/** celUnavailable tells (and logs once) that rules exist but no engine is registered. */
export function celUnavailable(): boolean {
  if (engine) return false;
  if (!warned) {
    warned = true;
    logger.info('x-kubernetes-validations rules are not enforced: no CEL engine is registered');
  }
  return true;
}

/** goQuote renders a string as Go's %q (strconv.Quote). */
function goQuote(s: string): string {
  return `"${[...s].map((c) => {
    switch (c) {
      case '"': return '\\"';
      case '\\': return '\\\\';
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      case '\x07': return '\\a';
      case '\b': return '\\b';
      case '\f': return '\\f';
      case '\v': return '\\v';
      default: {
        const code = c.codePointAt(0)!;
        if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
        return c;
      }
    }
  }).join('')}"`;
}

let fakePointer = 0xc000100000;
function pointer(type: string, present: boolean): string {
  if (!present) return `(*${type})(nil)`;
  fakePointer += 0x10;
  return `(*${type})(0x${fakePointer.toString(16)})`;
}

/** ruleText renders a rule as Go's %#v of apiextensions.ValidationRule (field errors quote it). */
export function ruleText(rule: ValidationRule): string {
  return `apiextensions.ValidationRule{Rule:${goQuote(rule.rule ?? '')}, Message:${goQuote(rule.message ?? '')}, `
    + `MessageExpression:${goQuote(rule.messageExpression ?? '')}, Reason:${pointer('apiextensions.FieldValueErrorReason', rule.reason !== undefined && rule.reason !== null)}, `
    + `FieldPath:${goQuote(rule.fieldPath ?? '')}, OptionalOldSelf:${pointer('bool', rule.optionalOldSelf !== undefined && rule.optionalOldSelf !== null)}}`;
}

interface Compiled {
  rule: CELCompileResult | undefined;
  message: CELCompileResult | undefined;
}

let compiledRules = new WeakMap<ValidationRule, WeakMap<JSONSchemaProps, Compiled>>();

function compileRule(rule: ValidationRule, s: JSONSchemaProps, isResourceRoot: boolean): Compiled {
  let per = compiledRules.get(rule);
  const hit = per?.get(s);
  if (hit) return hit;
  const optionalOldSelf = rule.optionalOldSelf === true;
  const r: Compiled = { rule: undefined, message: undefined };
  if ((rule.rule ?? '').trim()) {
    r.rule = engine!.compile(rule.rule, s, { kind: 'rule', isResourceRoot, optionalOldSelf });
    if ('program' in r.rule && rule.messageExpression) {
      r.message = engine!.compile(rule.messageExpression, s, { kind: 'messageExpression', isResourceRoot, optionalOldSelf });
    }
  }
  if (!per) compiledRules.set(rule, (per = new WeakMap()));
  per.set(s, r);
  return r;
}

function isResourceRootAt(s: JSONSchemaProps, isRoot: boolean): boolean {
  return isRoot || !!s['x-kubernetes-embedded-resource'];
}

/** STATIC_ESTIMATED_COST_LIMIT is the largest estimated cost of one expression (StaticEstimatedCostLimit). */
export const STATIC_ESTIMATED_COST_LIMIT = 10_000_000n;
/** STATIC_ESTIMATED_CRD_COST_LIMIT is the largest estimated total of a CRD schema (StaticEstimatedCRDCostLimit). */
export const STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000n;
const MAX_UINT64 = (1n << 64n) - 1n;

/** costErrorMessage words an over-budget estimate as Kubernetes' getCostErrorMessage does. */
export function costErrorMessage(costName: string, cost: bigint, limit: bigint): string {
  const exceed = Number(cost) / Number(limit);
  let f: string;
  if (exceed > 100) f = 'more than 100x';
  else if (exceed < 1.5) f = `${exceed.toFixed(6)}x`;
  else f = `${exceed.toFixed(1)}x`;
  return `${costName} exceeds budget by factor of ${f} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}

// extractMaxElements: how many children a node can have (undefined: unbounded).
function maxElementsOf(s: JSONSchemaProps): bigint | undefined {
  if (s.type === 'object') {
    if (s.additionalProperties !== undefined && s.additionalProperties !== null) return s.maxProperties !== undefined ? BigInt(Math.max(0, s.maxProperties)) : undefined;
    return 1n;
  }
  if (s.type === 'array') return s.maxItems !== undefined ? BigInt(Math.max(0, s.maxItems)) : undefined;
  return 1n;
}

const satMul = (a: bigint, b: bigint) => (a * b > MAX_UINT64 ? MAX_UINT64 : a * b);

/**
 * validateCELRulesStatically compiles every rule of a CRD schema (CRD validation, at the
 * openAPIV3Schema path p): a rule that does not compile is `...rule: Invalid value:
 * apiextensions.ValidationRule{...}: compilation failed: ERROR: <input>:1:6: ...`, a rule whose
 * estimated cost (times the number of times its node can occur) exceeds the limit is Forbidden,
 * as is a schema whose rules together exceed the CRD limit; a transition rule below a list that
 * is not a map list cannot use oldSelf, optionalOldSelf needs oldSelf. Without an engine nothing
 * is checked.
 */
export function validateCELRulesStatically(p: FieldPath, schema: JSONSchemaProps): FieldError[] {
  if (!engine) return [];
  const errs: FieldError[] = [];
  let total = 0n;
  const mostExpensive: { field: string; cost: bigint }[] = [];
  const observe = (field: string, cost: bigint) => {
    total = total + cost > MAX_UINT64 ? MAX_UINT64 : total + cost;
    if (cost < STATIC_ESTIMATED_CRD_COST_LIMIT / 100n) return;
    mostExpensive.push({ field, cost });
    mostExpensive.sort((a, b) => (a.cost > b.cost ? -1 : a.cost < b.cost ? 1 : 0));
    if (mostExpensive.length > 4) mostExpensive.length = 4;
  };
  // cardinality: how many times the node can occur in an object (undefined: unbounded).
  const walk = (pth: FieldPath, s: JSONSchemaProps, isRoot: boolean, uncorrelatable: string | undefined, cardinality: bigint | undefined) => {
    const parentMax = maxElementsOf(s);
    const childCardinality = cardinality === undefined || parentMax === undefined ? undefined : satMul(cardinality, parentMax);
    const ap = additionalPropertiesOf(s);
    if (ap.schema) walk(pth.child('additionalProperties'), ap.schema, false, uncorrelatable, childCardinality);
    const mapType = s['x-kubernetes-map-type'];
    const propsUncorrelatable = uncorrelatable ?? (mapType !== undefined && mapType !== 'granular' && mapType !== 'atomic' ? pth.toString() : undefined);
    for (const k of Object.keys(s.properties ?? {}).sort()) walk(pth.child('properties').key(k), s.properties![k], false, propsUncorrelatable, childCardinality);
    const items = itemsOf(s);
    if (items) walk(pth.child('items'), items, false, uncorrelatable ?? (s['x-kubernetes-list-type'] !== 'map' ? pth.toString() : undefined), childCardinality);
    const rules = s['x-kubernetes-validations'] ?? [];
    rules.forEach((rule, i) => {
      const rp = pth.child('x-kubernetes-validations').index(i);
      const c = compileRule(rule, s, isResourceRootAt(s, isRoot));
      if (!c.rule) return;
      if ('program' in c.rule) {
        const cost = satMul(c.rule.maxCost ?? 0n, cardinality ?? c.rule.maxCardinality ?? 1n);
        if (cost > STATIC_ESTIMATED_COST_LIMIT) errs.push({ type: 'FieldValueForbidden', field: rp.child('rule').toString(), detail: costErrorMessage('estimated rule cost', cost, STATIC_ESTIMATED_COST_LIMIT) });
        observe(rp.child('rule').toString(), cost);
      }
      if ('error' in c.rule) {
        if (c.rule.internal) errs.push({ type: 'FieldValueInvalid', field: pth.child('x-kubernetes-validations').toString(), valueText: '"null"', detail: `internal error: ${c.rule.error}` });
        else errs.push({ type: 'FieldValueInvalid', field: rp.child('rule').toString(), valueText: ruleText(rule), detail: c.rule.error });
        return;
      }
      if (c.message && 'error' in c.message) {
        errs.push({ type: 'FieldValueInvalid', field: rp.child('messageExpression').toString(), valueText: ruleText(rule), detail: c.message.error });
      } else if (c.message && 'program' in c.message) {
        const cost = c.message.maxCost ?? 0n;
        if (cost > STATIC_ESTIMATED_COST_LIMIT) errs.push({ type: 'FieldValueForbidden', field: rp.child('messageExpression').toString(), detail: costErrorMessage('estimated messageExpression cost', cost, STATIC_ESTIMATED_COST_LIMIT) });
        observe(rp.child('messageExpression').toString(), cost);
      }
      if (c.rule.usesOldSelf) {
        if (uncorrelatable) errs.push({ type: 'FieldValueInvalid', field: rp.child('rule').toString(), value: rule.rule, detail: `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatable}` });
      } else if (rule.optionalOldSelf !== undefined && rule.optionalOldSelf !== null) {
        errs.push({ type: 'FieldValueInvalid', field: rp.child('optionalOldSelf').toString(), value: rule.optionalOldSelf, detail: 'may not be set if oldSelf is not used in rule' });
      }
    });
  };
  walk(p, schema, true, undefined, 1n);
  if (total > STATIC_ESTIMATED_CRD_COST_LIMIT) {
    for (const e of mostExpensive) errs.push({ type: 'FieldValueForbidden', field: e.field, detail: 'contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema' });
    errs.push({ type: 'FieldValueForbidden', field: p.toString(), detail: costErrorMessage('x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema', total, STATIC_ESTIMATED_CRD_COST_LIMIT) });
  }
  return errs;
}

function hasRules(s: JSONSchemaProps | undefined): boolean {
  if (!s) return false;
  if (s['x-kubernetes-validations']?.length) return true;
  return hasRules(itemsOf(s)) || Object.values(s.properties ?? {}).some(hasRules) || hasRules(additionalPropertiesOf(s).schema);
}

/** schemaHasCELRules tells whether any node of the schema carries x-kubernetes-validations. */
export function schemaHasCELRules(s: JSONSchemaProps | undefined): boolean {
  return hasRules(s);
}

/** normalizeRuleFieldPath is cel.ValidFieldPath's rendering of a rule's fieldPath (`.a['b.c']` → `a[b.c]`). */
export function normalizeRuleFieldPath(fieldPath: string, s: JSONSchemaProps): string | undefined {
  let out = FieldPath.nil();
  let sch: JSONSchemaProps | undefined = s;
  const tokens = fieldPath.match(/'(?:[^'\\]|\\.)*'|[.[\]]|[^.[\]']+/g) ?? [];
  const step = (name: string): boolean => {
    if (!sch) return false;
    if (sch.properties) {
      const prop = propertyOf(sch, name);
      if (!prop) return false;
      out = out.child(name);
      sch = prop;
      return true;
    }
    const ap = additionalPropertiesOf(sch);
    if (!ap.present) return false;
    out = out.key(name);
    sch = ap.schema;
    return true;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '.') {
      const name = tokens[++i];
      if (name === undefined || !step(name)) return undefined;
    } else if (t === '[') {
      const q = tokens[++i];
      if (!q || q.length < 2 || !q.startsWith("'") || !q.endsWith("'") || tokens[++i] !== ']') return undefined;
      if (!step(q.slice(1, -1).replace(/\\(.)/g, '$1'))) return undefined;
    } else {
      return undefined;
    }
  }
  return out.isNil() ? undefined : out.toString();
}

/** Ratchet: where the node's old value can be compared with the new one, and the nearest correlated ancestor. */
interface Ratchet {
  /** the node is correlated with an old value (its own comparison), else null */
  current: { value: unknown; old: unknown } | null;
  /** the nearest correlated ancestor, for uncorrelated nodes */
  parent: { value: unknown; old: unknown } | null;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function shouldRatchet(r: Ratchet | undefined): boolean {
  if (!r) return false;
  const c = r.current ?? r.parent;
  return !!c && deepEqual(c.value, c.old);
}

function schemaType(s: JSONSchemaProps): string {
  return s.type ?? '';
}

function reasonError(field: string, s: JSONSchemaProps, reason: string | undefined, detail: string): FieldError {
  switch (reason) {
    case 'FieldValueForbidden': return { type: 'FieldValueForbidden', field, detail };
    case 'FieldValueRequired': return { type: 'FieldValueRequired', field, detail };
    case 'FieldValueDuplicate': return { type: 'FieldValueDuplicate', field, value: schemaType(s) };
    default: return { type: 'FieldValueInvalid', field, value: schemaType(s), detail };
  }
}

function ruleErrorString(rule: ValidationRule): string {
  return (rule.message ?? '').trim() || (rule.rule ?? '').trim();
}

/** ValidateCELOptions: the per-request budget left (Kubernetes' RuntimeCELCostBudget by default). */
export interface ValidateCELOptions {
  budget?: number;
  /** receives the messages of ratcheted failures (Kubernetes returns them as warnings) */
  warn?: (message: string) => void;
}

/**
 * validateCELRules evaluates the rules of schema s over obj (and old, on update) and returns the
 * failures. s is the root of a resource. Nothing is evaluated without an engine.
 */
export function validateCELRules(p: FieldPath, s: JSONSchemaProps | undefined, obj: unknown, old: unknown, opts: ValidateCELOptions = {}): FieldError[] {
  if (!s || !hasRules(s) || celUnavailable()) return [];
  const errs: FieldError[] = [];
  const session = engine!.newSession?.();
  let budget = opts.budget ?? RUNTIME_COST_BUDGET;
  const hasRootOld = old !== undefined && old !== null;

  // Returns false when the budget is exhausted (no further rules run).
  const evalNode = (pth: FieldPath, sch: JSONSchemaProps, isRoot: boolean, v: unknown, o: unknown, hasOld: boolean, ratchet: Ratchet | undefined): boolean => {
    const rules = sch['x-kubernetes-validations'] ?? [];
    if (!rules.length) return true;
    const value = schemaType(sch);
    const invalid = (detail: string): FieldError => ({ type: 'FieldValueInvalid', field: pth.toString(), value, detail });
    if (budget <= 0) {
      errs.push(invalid('validation failed due to running out of cost budget, no further validation rules will be run'));
      return false;
    }
    for (const rule of rules) {
      const c = compileRule(rule, sch, isResourceRootAt(sch, isRoot));
      if (!c.rule) continue;
      if ('error' in c.rule) {
        errs.push(invalid(`rule compile error: ${c.rule.error}`));
        continue;
      }
      const optionalOldSelf = rule.optionalOldSelf === true;
      // Transition rules run only where an old value exists, unless oldSelf is optional.
      if (c.rule.usesOldSelf && !hasOld && !optionalOldSelf) continue;
      const input = { self: v, oldSelf: o, hasOldSelf: hasOld, session };
      const r = c.rule.program.evaluate(input);
      if (r.cost > budget) {
        errs.push(invalid('validation failed due to running out of cost budget, no further validation rules will be run'));
        return false;
      }
      budget -= r.cost;
      if ('error' in r) {
        if (r.kind === 'overload') {
          errs.push(invalid(`'${r.error}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`));
        } else if (r.kind === 'costLimit') {
          errs.push(invalid(`'${r.error}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(rule)}`));
          return false;
        } else {
          errs.push(invalid(`${r.error} evaluating rule: ${ruleErrorString(rule)}`));
        }
        continue;
      }
      if (r.value === true) continue;
      let field = pth;
      if (rule.fieldPath) {
        const normalized = normalizeRuleFieldPath(rule.fieldPath, sch);
        if (normalized) field = field.child(normalized);
      }
      const fieldText = field.toString();
      let message = rule.message?.trim() ? rule.message.trim() : `failed rule: ${ruleErrorString(rule)}`;
      if (c.message && 'program' in c.message) {
        const m = c.message.program.evaluate({ self: v, oldSelf: o, hasOldSelf: hasOld, session });
        if (m.cost > budget) {
          errs.push({ type: 'FieldValueInvalid', field: fieldText, value, detail: 'messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run' });
          return false;
        }
        if ('error' in m && m.kind === 'costLimit') {
          errs.push({ type: 'FieldValueInvalid', field: fieldText, value, detail: `no further validation rules will be run due to call cost exceeds limit for messageExpression: ${JSON.stringify(rule.messageExpression)}` });
          return false;
        }
        budget -= m.cost;
        const text = 'value' in m && typeof m.value === 'string' ? m.value.trim() : '';
        // Kubernetes keeps the static message when the messageExpression fails or yields an unusable string.
        if (text && !/\n/.test(text) && text.length <= 5 * 1024) message = text;
        else logger.v(2).info('messageExpression evaluation failed', { rule: rule.rule, error: 'error' in m ? m.error : 'unusable message' });
      }
      const e = reasonError(fieldText, sch, rule.reason, message);
      if (!c.rule.usesOldSelf && shouldRatchet(ratchet)) {
        opts.warn?.(`${e.field}: ${message}`);
        continue;
      }
      errs.push(e);
    }
    return true;
  };

  const walk = (pth: FieldPath, sch: JSONSchemaProps, isRoot: boolean, v: unknown, o: unknown, hasOld: boolean, ratchet: Ratchet | undefined): boolean => {
    if (v === undefined || v === null) return true;
    if (!evalNode(pth, sch, isRoot, v, o, hasOld, ratchet)) return false;
    const child = (value: unknown, old: unknown, hasChildOld: boolean): Ratchet | undefined => {
      if (!ratchet) return undefined;
      if (!ratchet.current) return ratchet;
      return { current: hasChildOld ? { value, old } : null, parent: ratchet.current };
    };
    if (isObject(v)) {
      const ap = additionalPropertiesOf(sch);
      for (const [k, x] of Object.entries(v)) {
        const prop = propertyOf(sch, k);
        const sub = prop ?? ap.schema;
        if (!sub) continue;
        const hasChildOld = hasOld && isObject(o) && k in o && o[k] !== null && o[k] !== undefined;
        const oldChild = hasChildOld ? (o as Record<string, unknown>)[k] : undefined;
        // apiVersion and kind are not ratcheted at the root: both old and new are of the served version.
        const r = isRoot && (k === 'apiVersion' || k === 'kind') && ratchet ? undefined : child(x, oldChild, hasChildOld);
        if (!walk(prop ? pth.child(k) : pth.key(k), sub, false, x, oldChild, hasChildOld, r)) return false;
      }
    } else if (Array.isArray(v)) {
      const items = itemsOf(sch);
      if (!items) return true;
      const keys = sch['x-kubernetes-list-type'] === 'map' ? sch['x-kubernetes-list-map-keys'] ?? [] : undefined;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        let oldItem: unknown;
        if (hasOld && keys && Array.isArray(o) && isObject(x)) {
          oldItem = o.find((y) => isObject(y) && keys.every((k) => JSON.stringify(y[k]) === JSON.stringify(x[k])));
        }
        const hasItemOld = oldItem !== undefined;
        if (!walk(pth.index(i), items, false, x, oldItem, hasItemOld, child(x, oldItem, hasItemOld))) return false;
      }
    }
    return true;
  };
  const rootRatchet: Ratchet | undefined = hasRootOld ? { current: { value: obj, old }, parent: null } : undefined;
  walk(p, s, true, obj, old, hasRootOld, rootRatchet);
  return errs;
}
