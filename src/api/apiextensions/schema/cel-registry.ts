/**
 * The CEL engine registry shared by CRD validation (cel-static.ts) and custom resource
 * validation (cel-validator.ts): the engine interface, its registration, and the compiled rules
 * cached per rule and schema node.
 */
import { log } from '../../../util/log.js';
import type { JSONSchemaProps, ValidationRule } from '../types.js';
import { additionalPropertiesOf, itemsOf } from './structural.js';
import { goQuote } from '../../../util/go-quote.js';

const logger = log.child({ component: 'cel' });

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

/** Compiled is a rule's compiled rule and messageExpression (undefined: empty rule, or no messageExpression). */
export interface Compiled {
  rule: CELCompileResult | undefined;
  message: CELCompileResult | undefined;
}

let compiledRules = new WeakMap<ValidationRule, WeakMap<JSONSchemaProps, Compiled>>();

// A rule is user input: an engine failure is that rule's compile error, never a crash.
function safeCompile(expression: string, s: JSONSchemaProps, opts: CELCompileOptions): CELCompileResult {
  try {
    return engine!.compile(expression, s, opts);
  } catch (e) {
    logger.error(e as Error, 'CEL engine failed to compile an expression', { expression });
    return { error: `${opts.kind === 'messageExpression' ? 'messageExpression compilation failed' : 'compilation failed'}: ${(e as Error)?.message ?? String(e)}` };
  }
}

/** compileRule compiles a rule (and its messageExpression) for a schema node, once. */
export function compileRule(rule: ValidationRule, s: JSONSchemaProps, isResourceRoot: boolean): Compiled {
  let per = compiledRules.get(rule);
  const hit = per?.get(s);
  if (hit) return hit;
  const optionalOldSelf = rule.optionalOldSelf === true;
  const r: Compiled = { rule: undefined, message: undefined };
  if ((rule.rule ?? '').trim()) {
    r.rule = safeCompile(rule.rule, s, { kind: 'rule', isResourceRoot, optionalOldSelf });
    if ('program' in r.rule && rule.messageExpression) {
      r.message = safeCompile(rule.messageExpression, s, { kind: 'messageExpression', isResourceRoot, optionalOldSelf });
    }
  }
  if (!per) compiledRules.set(rule, (per = new WeakMap()));
  per.set(s, r);
  return r;
}

/** isResourceRootAt: the node is the resource root or an embedded resource. */
export function isResourceRootAt(s: JSONSchemaProps, isRoot: boolean): boolean {
  return isRoot || !!s['x-kubernetes-embedded-resource'];
}

/** hasRules tells whether a schema node or any below carries rules. */
export function hasRules(s: JSONSchemaProps | undefined): boolean {
  if (!s) return false;
  if (s['x-kubernetes-validations']?.length) return true;
  return hasRules(itemsOf(s)) || Object.values(s.properties ?? {}).some(hasRules) || hasRules(additionalPropertiesOf(s).schema);
}

/** schemaHasCELRules tells whether any node of the schema carries x-kubernetes-validations. */
export function schemaHasCELRules(s: JSONSchemaProps | undefined): boolean {
  return hasRules(s);
}
