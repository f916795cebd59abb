/**
 * x-kubernetes-validations (CEL rules) behind an interface: a CELEngine compiles rule and
 * messageExpression sources; this module walks a structural schema and the object (and its old
 * version on update), evaluates each node's rules with `self` (and `oldSelf` for transition
 * rules, only where the old value can be correlated) and reports failures as Kubernetes does:
 * `spec: Invalid value: "object": <message>` (reason and fieldPath honoured).
 *
 * No engine is registered by default: rules are then accepted and stored but not enforced (a
 * warning is logged once). registerCELEngine plugs one in (see cel-engine.ts once a CEL library
 * is a dependency).
 */
import type { FieldError } from '../../../apimachinery/errors.js';
import type { JSONSchemaProps, ValidationRule } from '../types.js';
import { FieldPath } from './path.js';
import { additionalPropertiesOf, isObject, itemsOf, propertyOf } from './structural.js';

/** CELProgram is one compiled expression. */
export interface CELProgram {
  /** evaluate runs the program; `oldSelf` is present only for transition rules with an old value */
  evaluate(vars: { self: unknown; oldSelf?: unknown }): unknown;
}

/** CELCompileResult: a program, or the compiler's message. */
export type CELCompileResult = { program: CELProgram; usesOldSelf: boolean } | { error: string };

/** CELEngine compiles CEL expressions for a schema node (the node's schema types `self`). */
export interface CELEngine {
  compile(expression: string, schema: JSONSchemaProps): CELCompileResult;
}

let engine: CELEngine | undefined;
let warned = false;

/** registerCELEngine installs (or with undefined removes) the CEL engine used for every CRD. */
export function registerCELEngine(e: CELEngine | undefined): void {
  engine = e;
}

/** celEngine returns the registered engine, if any. */
export function celEngine(): CELEngine | undefined {
  return engine;
}

/** celWarning is logged once when rules exist but no engine is registered. */
export function celUnavailable(): boolean {
  if (engine) return false;
  if (!warned) warned = true;
  return true;
}

function schemaTypeName(s: JSONSchemaProps): string {
  if (s['x-kubernetes-int-or-string']) return 'integer-or-string';
  return s.type ?? '';
}

/**
 * validateCELRulesStatically compiles every rule of a schema (CRD validation): a rule that does
 * not compile is `Invalid value: ...: compilation failed: <message>`. Without an engine nothing
 * is checked.
 */
export function validateCELRulesStatically(p: FieldPath, schema: JSONSchemaProps): FieldError[] {
  if (!engine) return [];
  const errs: FieldError[] = [];
  const walk = (pth: FieldPath, s: JSONSchemaProps) => {
    (s['x-kubernetes-validations'] ?? []).forEach((rule, i) => {
      const r = engine!.compile(rule.rule, s);
      if ('error' in r) errs.push({ type: 'FieldValueInvalid', field: pth.child('x-kubernetes-validations').index(i).child('rule').toString(), valueText: ruleText(rule), detail: `compilation failed: ${r.error}` });
      if (rule.messageExpression) {
        const m = engine!.compile(rule.messageExpression, s);
        if ('error' in m) errs.push({ type: 'FieldValueInvalid', field: pth.child('x-kubernetes-validations').index(i).child('messageExpression').toString(), valueText: ruleText(rule), detail: `messageExpression compilation failed: ${m.error}` });
      }
    });
    const items = itemsOf(s);
    if (items) walk(pth.child('items'), items);
    for (const k of Object.keys(s.properties ?? {}).sort()) walk(pth.child('properties').key(k), s.properties![k]);
    const ap = additionalPropertiesOf(s);
    if (ap.schema) walk(pth.child('additionalProperties'), ap.schema);
  };
  walk(p, schema);
  return errs;
}

function ruleText(rule: ValidationRule): string {
  const parts = [`Rule:${JSON.stringify(rule.rule)}`, `Message:${JSON.stringify(rule.message ?? '')}`];
  return `apiextensions.ValidationRule{${parts.join(', ')}, ...}`;
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

const compiled = new WeakMap<ValidationRule, CELCompileResult>();
const compiledMessages = new WeakMap<ValidationRule, CELCompileResult>();

function compileRule(rule: ValidationRule, s: JSONSchemaProps, cache: WeakMap<ValidationRule, CELCompileResult>, expr: string): CELCompileResult {
  let r = cache.get(rule);
  if (!r) {
    r = engine!.compile(expr, s);
    cache.set(rule, r);
  }
  return r;
}

function failure(p: FieldPath, s: JSONSchemaProps, rule: ValidationRule, detail: string): FieldError {
  let at = p;
  if (rule.fieldPath) at = FieldPath.root(`${p.toString()}${rule.fieldPath.startsWith('.') ? '' : '.'}${rule.fieldPath}`.replace(/^<nil>\.?/, ''));
  const field = at.toString();
  switch (rule.reason) {
    case 'FieldValueForbidden': return { type: 'FieldValueForbidden', field, detail };
    case 'FieldValueRequired': return { type: 'FieldValueRequired', field, detail };
    case 'FieldValueDuplicate': return { type: 'FieldValueDuplicate', field, value: schemaTypeName(s) };
    default: return { type: 'FieldValueInvalid', field, value: schemaTypeName(s), detail };
  }
}

/**
 * validateCELRules evaluates the rules of schema s over obj (and old, on update) and returns the
 * failures. Nothing is evaluated without an engine.
 */
export function validateCELRules(p: FieldPath, s: JSONSchemaProps | undefined, obj: unknown, old: unknown): FieldError[] {
  if (!s || !hasRules(s) || celUnavailable()) return [];
  const errs: FieldError[] = [];
  const walk = (pth: FieldPath, sch: JSONSchemaProps, v: unknown, o: unknown, hasOld: boolean) => {
    if (v === undefined || v === null) return;
    for (const rule of sch['x-kubernetes-validations'] ?? []) {
      const r = compileRule(rule, sch, compiled, rule.rule);
      if ('error' in r) { errs.push(failure(pth, sch, rule, `rule compile error: ${r.error}`)); continue; }
      if (r.usesOldSelf && !hasOld && !rule.optionalOldSelf) continue;
      let result: unknown;
      try {
        result = r.program.evaluate(r.usesOldSelf && hasOld ? { self: v, oldSelf: o } : { self: v });
      } catch (e) {
        errs.push(failure(pth, sch, rule, String((e as Error).message ?? e)));
        continue;
      }
      if (result === true) continue;
      let message = (rule.message ?? '').trim() || `failed rule: ${rule.rule.trim()}`;
      if (rule.messageExpression) {
        const m = compileRule(rule, sch, compiledMessages, rule.messageExpression);
        if (!('error' in m)) {
          try {
            const text = m.program.evaluate(r.usesOldSelf && hasOld ? { self: v, oldSelf: o } : { self: v });
            if (typeof text === 'string' && text.trim() && !/[\n\r]/.test(text)) message = text.trim();
          } catch { /* keep the static message, as Kubernetes does when messageExpression fails */ }
        }
      }
      errs.push(failure(pth, sch, rule, message));
    }
    if (isObject(v)) {
      const ap = additionalPropertiesOf(sch);
      const correlatable = sch['x-kubernetes-map-type'] !== 'atomic';
      for (const [k, x] of Object.entries(v)) {
        const prop = propertyOf(sch, k);
        const sub = prop ?? ap.schema;
        if (!sub) continue;
        const oldChild = hasOld && correlatable && isObject(o) && k in o ? o[k] : undefined;
        walk(prop ? pth.child(k) : pth.key(k), sub, x, oldChild, oldChild !== undefined);
      }
    } else if (Array.isArray(v)) {
      const items = itemsOf(sch);
      if (!items) return;
      const keys = sch['x-kubernetes-list-type'] === 'map' ? sch['x-kubernetes-list-map-keys'] ?? [] : undefined;
      v.forEach((x, i) => {
        let oldItem: unknown;
        if (hasOld && keys && Array.isArray(o) && isObject(x)) {
          oldItem = o.find((y) => isObject(y) && keys.every((k) => JSON.stringify(y[k]) === JSON.stringify(x[k])));
        }
        walk(pth.index(i), items, x, oldItem, oldItem !== undefined);
      });
    }
  };
  walk(p, s, obj, old, old !== undefined && old !== null);
  return errs;
}
