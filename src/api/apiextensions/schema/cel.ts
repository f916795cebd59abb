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
 * registerCELEngine plugs one in (cel-engine.ts, registered by the API server). This module is
 * the entry point; the parts live in cel-registry.ts, cel-static.ts and cel-validator.ts.
 */
import type { JSONSchemaProps } from '../types.js';
import { hasRules } from './cel-registry.js';

export {
  celEngine, celUnavailable, registerCELEngine, ruleText, RUNTIME_COST_BUDGET,
  type CELCompileOptions, type CELCompileResult, type CELEngine, type CELEvalInput, type CELEvalResult, type CELProgram,
} from './cel-registry.js';
export { costErrorMessage, STATIC_ESTIMATED_COST_LIMIT, STATIC_ESTIMATED_CRD_COST_LIMIT, validateCELRulesStatically } from './cel-static.js';
export { normalizeRuleFieldPath, validateCELRules, type ValidateCELOptions } from './cel-validator.js';

/** schemaHasCELRules tells whether any node of the schema carries x-kubernetes-validations. */
export function schemaHasCELRules(s: JSONSchemaProps | undefined): boolean {
  return hasRules(s);
}
