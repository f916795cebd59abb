/**
 * The CEL engine for x-kubernetes-validations, on @bufbuild/cel: a rule (or messageExpression) is
 * parsed by @bufbuild/cel, type-checked against the CEL type Kubernetes derives from the rule's
 * schema node (cel-checker.ts; compile errors read as cel-go's), then planned with the standard
 * library plus Kubernetes' (cel-library.ts). Evaluation binds `self` (and `oldSelf`) to the
 * node's value converted as Kubernetes converts it (cel-values.ts).
 *
 * Cost: cel-go meters every operation and stops a call at 1,000,000 units. Here every function
 * call (operators included, so each comprehension iteration too) costs 1 plus a tenth of the
 * length of a string or list it returns; that count is held to the same per-call limit and is
 * reported to the caller for the per-request budget. It approximates cel-go's runtime cost
 * (same order of magnitude for typical rules), not its exact figures.
 */
import { celEnv, celFunc, CelScalar, isCelError, listType, plan, type CelList, type CelValue } from '@bufbuild/cel';
import type { JSONSchemaProps } from '../types.js';
import type { CELCompileOptions, CELCompileResult, CELEngine, CELEvalInput, CELEvalResult, CELProgram } from './cel.js';
import type { Expr } from './cel-checker.js';
import { parseAndCheck } from './cel-compile.js';
import { estimateCost, maxCardinality, schemaSizes } from './cel-cost.js';
import { schemaDeclType } from './cel-decltype.js';
import { kubernetesFunctions } from './cel-library.js';
import { formatType, optionalOf, T, type CelT } from './cel-types.js';
import { ConversionCache, opaqueHandle, toCelValue } from './cel-values.js';

/** PER_CALL_LIMIT is Kubernetes' per-expression runtime cost limit (celconfig.PerCallLimit). */
export const PER_CALL_LIMIT = 1_000_000;

const COST_EXCEEDED = 'operation cancelled: actual cost limit exceeded';

// The meter of the evaluation in progress (evaluation is synchronous, so one at a time).
const meter = { cost: 0, limit: PER_CALL_LIMIT, exceeded: false };

function sizeCost(v: unknown): number {
  if (typeof v === 'string') return Math.ceil(v.length * 0.1);
  if (typeof v === 'object' && v !== null && typeof (v as { size?: unknown }).size === 'number') return Math.ceil((v as { size: number }).size * 0.1);
  return 0;
}

const costFunc = celFunc('@cost', [CelScalar.DYN], CelScalar.DYN, (v: CelValue) => {
  meter.cost += 1 + sizeCost(v);
  if (meter.cost > meter.limit) {
    meter.exceeded = true;
    throw new Error(COST_EXCEEDED);
  }
  return v;
});

const indexList = celFunc('@index_list', [listType(CelScalar.DYN), CelScalar.INT], CelScalar.DYN, (l: CelList, i: bigint) => {
  if (i < 0n || i >= BigInt(l.size)) throw new Error(`index '${i}' out of range in list size '${l.size}'`);
  return l.get(Number(i))!;
});

const env = celEnv({ funcs: kubernetesFunctions([costFunc, indexList]) });

let typeCounter = 0;

/** selfTypeName is Kubernetes' throwaway name for the rule's object type (selfType<n>). */
function selfTypeName(): string {
  typeCounter = (typeCounter + 1) % 1000;
  return `selfType${(Date.now() % 1_000_000) * 1000 + typeCounter}`;
}

/** runtimeError rewrites @bufbuild/cel's evaluation errors as cel-go words them. */
function runtimeError(msg: string): { error: string; kind?: 'overload' } {
  let m: RegExpExecArray | null;
  if ((m = /^field not found: (.*)$/s.exec(msg))) return { error: `no such key: ${m[1]}` };
  if ((m = /^index (-?\d+) out of bounds \[0, (-?\d+)\)$/.exec(msg))) return { error: `index '${m[1]}' out of range in list size '${Math.max(0, Number(m[2]))}'` };
  if (/^(int|uint) divide by zero$/.test(msg)) return { error: 'division by zero' };
  if (/^(int|uint) modulus by zero$/.test(msg)) return { error: 'modulus by zero' };
  if (/^int overflow/.test(msg)) return { error: 'integer overflow' };
  if (/^uint overflow/.test(msg)) return { error: 'unsigned integer overflow' };
  if (/^found no matching overload|^no such overload|^unbound function/.test(msg)) return { error: 'no such overload', kind: 'overload' };
  return { error: msg };
}

function listElem(t: CelT | undefined): string {
  if (t?.kind !== 'list') return 'int';
  const e = t.elem.kind;
  return e === 'uint' || e === 'double' || e === 'duration' ? e : 'int';
}

/**
 * instrument rewrites the checked AST for evaluation: every call is wrapped in @cost (metering),
 * list.sum() names its element type (an empty list sums to that type's zero), and a field
 * selected on an optional (oldSelf under optionalOldSelf) becomes an optional selection.
 */
function instrument(root: Expr, types: Map<bigint, CelT>): void {
  let nextId = 0n;
  const scan = (e: Expr | undefined): void => {
    if (!e) return;
    if (e.id > nextId) nextId = e.id;
    const k = e.exprKind;
    if (k.case === 'selectExpr') scan(k.value.operand);
    if (k.case === 'callExpr') { scan(k.value.target); k.value.args.forEach(scan); }
    if (k.case === 'listExpr') k.value.elements.forEach(scan);
    if (k.case === 'structExpr') k.value.entries.forEach((en) => { if (en.keyKind.case === 'mapKey') scan(en.keyKind.value); scan(en.value); });
    if (k.case === 'comprehensionExpr') [k.value.iterRange, k.value.accuInit, k.value.loopCondition, k.value.loopStep, k.value.result].forEach(scan);
  };
  scan(root);
  const fresh = (kind: Expr['exprKind']): Expr => ({ ...root, id: ++nextId, exprKind: kind } as Expr);
  const walk = (e: Expr | undefined): void => {
    if (!e) return;
    const k = e.exprKind;
    switch (k.case) {
      case 'selectExpr': {
        walk(k.value.operand);
        const opType = k.value.operand ? types.get(k.value.operand.id) : undefined;
        if (!k.value.testOnly && opType?.kind === 'opaque' && opType.name === 'optional_type') {
          const field = fresh({ case: 'constExpr', value: { $typeName: 'cel.expr.Constant', constantKind: { case: 'stringValue', value: k.value.field } } } as Expr['exprKind']);
          e.exprKind = { case: 'callExpr', value: { $typeName: 'cel.expr.Expr.Call', function: '@optional_select', args: [k.value.operand!, field] } } as Expr['exprKind'];
        }
        return;
      }
      case 'callExpr': {
        const call = k.value;
        walk(call.target);
        call.args.forEach(walk);
        if (call.function === 'sum' && call.target && !call.args.length) call.function = `@sum:${listElem(types.get(call.target.id))}`;
        // List indexing goes through a function that knows the list's size for cel-go's message.
        if (call.function === '_[_]' && !call.target && types.get(call.args[0].id)?.kind === 'list') {
          call.function = '@index_list';
          return;
        }
        if (call.function === '_[_]' || call.function === '_[?_]' || call.function === '_?._') return;
        const inner = fresh(e.exprKind);
        e.exprKind = { case: 'callExpr', value: { $typeName: 'cel.expr.Expr.Call', function: '@cost', args: [inner] } } as Expr['exprKind'];
        return;
      }
      case 'listExpr': k.value.elements.forEach(walk); return;
      case 'structExpr': k.value.entries.forEach((en) => { if (en.keyKind.case === 'mapKey') walk(en.keyKind.value); walk(en.value); }); return;
      case 'comprehensionExpr': [k.value.iterRange, k.value.accuInit, k.value.loopCondition, k.value.loopStep, k.value.result].forEach(walk); return;
      default:
    }
  };
  walk(root);
}

class Program implements CELProgram {
  constructor(
    private readonly run: (vars: Record<string, CelValue>) => unknown,
    private readonly schema: JSONSchemaProps,
    private readonly isResourceRoot: boolean,
    private readonly optionalOldSelf: boolean,
  ) {}

  evaluate(input: CELEvalInput): CELEvalResult {
    const cache = (input.session as ConversionCache | undefined) ?? new ConversionCache();
    const vars: Record<string, CelValue> = { self: toCelValue(input.self, this.schema, this.isResourceRoot, cache) };
    if (this.optionalOldSelf) {
      vars.oldSelf = opaqueHandle(input.hasOldSelf ? { kind: 'optional', value: toCelValue(input.oldSelf, this.schema, this.isResourceRoot, cache) } : { kind: 'optional' });
    } else if (input.hasOldSelf) {
      vars.oldSelf = toCelValue(input.oldSelf, this.schema, this.isResourceRoot, cache);
    }
    meter.cost = 0;
    meter.exceeded = false;
    meter.limit = PER_CALL_LIMIT;
    let r: unknown;
    try {
      r = this.run(vars);
    } catch (e) {
      r = e;
    }
    const cost = meter.cost;
    if (meter.exceeded) return { error: COST_EXCEEDED, kind: 'costLimit', cost };
    if (isCelError(r)) return { ...runtimeError(r.message), cost };
    if (r instanceof Error) return { error: r.message, cost };
    return { value: r, cost };
  }
}

/** newCELEngine builds the engine registerCELEngine installs. */
export function newCELEngine(): CELEngine {
  return {
    newSession: () => new ConversionCache(),
    compile(expression: string, schema: JSONSchemaProps, opts: CELCompileOptions): CELCompileResult {
      const isMessage = opts.kind === 'messageExpression';
      const failed = isMessage ? 'messageExpression compilation failed: ' : 'compilation failed: ';
      const declType = schemaDeclType(schema, opts.isResourceRoot, selfTypeName());
      if (!declType) return { error: 'failed to convert to declType for CEL validation rules', internal: true };
      const vars = new Map<string, CelT>([['self', declType], ['oldSelf', opts.optionalOldSelf ? optionalOf(declType) : declType]]);
      const front = parseAndCheck(expression, vars);
      if ('issues' in front) return { error: failed + front.issues };
      const { parsed, checked } = front;
      const want = isMessage ? T.string : T.bool;
      if (checked.type.kind !== want.kind) {
        return { error: isMessage ? 'messageExpression must evaluate to a string' : 'cel expression must evaluate to a bool' };
      }
      const sizes = schemaSizes(schema, opts.isResourceRoot);
      const maxCost = sizes ? estimateCost(parsed.expr, checked.types, checked.overloads, sizes).max : 0n;
      instrument(parsed.expr, checked.types);
      let run: (vars: Record<string, CelValue>) => unknown;
      try {
        const planned = plan(env, parsed);
        run = (vars) => planned(vars);
      } catch (e) {
        return { error: `${isMessage ? 'messageExpression instantiation failed' : 'program instantiation failed'}: ${(e as Error).message}` };
      }
      return {
        program: new Program(run, schema, opts.isResourceRoot, !!opts.optionalOldSelf),
        usesOldSelf: checked.references.has('oldSelf'),
        maxCost,
        maxCardinality: sizes ? maxCardinality(sizes.minSerializedSize) : 1n,
      };
    },
  };
}

/** celTypeOfSchema prints the CEL type of a schema node (for tests and messages). */
export function celTypeOfSchema(schema: JSONSchemaProps, isResourceRoot = false): string {
  const t = schemaDeclType(schema, isResourceRoot, 'self');
  return t ? formatType(t) : '';
}
