/**
 * CEL for admission (ValidatingAdmissionPolicy validations, variables and messageExpressions,
 * webhooks' and policies' matchConditions): the same @bufbuild/cel environment and Kubernetes
 * function library as x-kubernetes-validations (apiextensions/schema), with the admission
 * variables (object, oldObject, request, params, namespaceObject, variables) declared dyn.
 *
 * Kubernetes types these variables from the resources' OpenAPI schemas; here they are dynamic, so
 * a misspelt field is a runtime "no such key" rather than a compile error (type-checking of
 * field names is not done). The `authorizer` variable is not offered.
 */
import { celEnv, celMap, isCelError, plan, type CelValue } from '@bufbuild/cel';
import { parseAndCheck } from '../apiextensions/schema/cel-compile.js';
import { kubernetesFunctions } from '../apiextensions/schema/cel-library.js';
import { T, type CelT } from '../apiextensions/schema/cel-types.js';
import { fromJSON } from '../apiextensions/schema/cel-values.js';

/** VALIDATION_VARIABLES are the variables a ValidatingAdmissionPolicy's expressions see. */
export const VALIDATION_VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables'];
/** MATCH_CONDITION_VARIABLES are those of a webhook's matchConditions. */
export const MATCH_CONDITION_VARIABLES = ['object', 'oldObject', 'request'];

const env = celEnv({ funcs: kubernetesFunctions([]) });

/** AdmissionCELResult is an expression's value, or its evaluation error as cel-go words it. */
export type AdmissionCELResult = { value: unknown } | { error: string };

/** AdmissionCELProgram is a compiled expression. */
export interface AdmissionCELProgram {
  evaluate(vars: Record<string, unknown>): AdmissionCELResult;
}

/** expected result type of an expression (a validation or condition is bool, a message a string) */
export type CELResultKind = 'bool' | 'string' | 'any';

/** runtimeError rewrites @bufbuild/cel's evaluation errors as cel-go words them. */
function runtimeError(msg: string): string {
  let m: RegExpExecArray | null;
  if ((m = /^field not found: (.*)$/s.exec(msg))) return `no such key: ${m[1]}`;
  if (/^found no matching overload|^no such overload|^unbound function/.test(msg)) return 'no such overload';
  if (/divide by zero$/.test(msg)) return 'division by zero';
  return msg;
}

const compiled = new Map<string, { program: AdmissionCELProgram } | { error: string }>();

/**
 * compileAdmissionCEL parses and type-checks an expression with `variables` declared (dyn); the
 * error reads as Kubernetes' (`compilation failed: ERROR: <input>:1:5: ...`). Results are cached
 * by source: configurations are compiled again on every change of the informer cache.
 */
export function compileAdmissionCEL(expression: string, variables: string[], want: CELResultKind): { program: AdmissionCELProgram } | { error: string } {
  const key = `${want}\u0000${variables.join(',')}\u0000${expression}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const result = compileUncached(expression, variables, want);
  if (compiled.size > 5000) compiled.clear();
  compiled.set(key, result);
  return result;
}

function compileUncached(expression: string, variables: string[], want: CELResultKind): { program: AdmissionCELProgram } | { error: string } {
  const front = parseAndCheck(expression, new Map<string, CelT>(variables.map((v) => [v, T.dyn])));
  if ('issues' in front) return { error: `compilation failed: ${front.issues}` };
  const { parsed, checked } = front;
  const kind = checked.type.kind;
  if (want !== 'any' && kind !== want && kind !== 'dyn') {
    return { error: want === 'bool' ? 'cel expression must evaluate to a bool' : 'must evaluate to string' };
  }
  let run: (vars: Record<string, CelValue>) => unknown;
  try {
    const planned = plan(env, parsed);
    run = (v) => planned(v);
  } catch (e) {
    return { error: `program instantiation failed: ${(e as Error).message}` };
  }
  return {
    program: {
      evaluate(input) {
        const bound: Record<string, CelValue> = {};
        for (const v of variables) bound[v] = v in input ? toCel(input[v]) : null;
        let r: unknown;
        try {
          r = run(bound);
        } catch (e) {
          return { error: runtimeError((e as Error).message ?? String(e)) };
        }
        if (isCelError(r)) return { error: runtimeError(r.message) };
        return { value: r };
      },
    },
  };
}

/** CelBound wraps values that are CEL results already (variables' values) so they are bound as they are. */
interface CelBound { readonly __cel: CelValue }

/** variablesValue is the `variables` map of a policy: each name bound to its CEL result. */
export function variablesValue(values: Map<string, unknown>): CelBound {
  return { __cel: celMap(new Map([...values].map(([k, v]) => [k, v as CelValue]))) };
}

function toCel(v: unknown): CelValue {
  if (typeof v === 'object' && v !== null && '__cel' in v) return (v as CelBound).__cel;
  return fromJSON(v);
}

/** celToJSON turns a CEL result (a messageExpression's string, a bool) into plain JS for messages. */
export function celToJSON(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  return v;
}
