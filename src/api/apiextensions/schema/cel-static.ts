/**
 * CRD validation of x-kubernetes-validations: every rule compiles (with cel-go's messages), its
 * estimated cost stays within Kubernetes' limits, and oldSelf is used only where an old value
 * can be correlated.
 */
import type { FieldError } from '../../../apimachinery/errors.js';
import type { JSONSchemaProps } from '../types.js';
import { celEngine, compileRule, isResourceRootAt, ruleText } from './cel-registry.js';
import type { FieldPath } from './path.js';
import { additionalPropertiesOf, itemsOf } from './structural.js';

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
  if (!celEngine()) return [];
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
