/**
 * Custom resource validation by x-kubernetes-validations, as Kubernetes' apiextensions CEL
 * validator runs it: the rules of each node that has a value are evaluated with `self` (and
 * `oldSelf` for transition rules where an old value correlates), failures are reported as
 * `spec: Invalid value: "object": <message>` (reason and fieldPath honoured), evaluation errors as
 * `<error> evaluating rule: <rule>`, within the per-request cost budget, and a failing rule
 * without oldSelf is not held against a value the update left unchanged (ratcheting).
 */
import type { FieldError } from '../../../apimachinery/errors.js';
import { log } from '../../../util/log.js';
import type { JSONSchemaProps, ValidationRule } from '../types.js';
import { celEngine, celUnavailable, compileRule, hasRules, isResourceRootAt, RUNTIME_COST_BUDGET } from './cel-registry.js';
import { FieldPath } from './path.js';
import { additionalPropertiesOf, isObject, itemsOf, propertyOf } from './structural.js';

const logger = log.child({ component: 'cel-validator' });

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
  const session = celEngine()!.newSession?.();
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
