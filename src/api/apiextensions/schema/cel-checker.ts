/**
 * A CEL type checker over @bufbuild/cel's parsed AST, following cel-go's checker (the one
 * Kubernetes compiles CRD rules with): identifiers resolve against the rule's variables (self,
 * oldSelf) and comprehension scopes, field selection on object types knows the schema's fields,
 * calls resolve against the declared overloads with type-parameter unification, and the errors
 * read as cel-go's (`undefined field 'foo'`, `found no matching overload for '_+_' applied to
 * '(int, string)'`, `undeclared reference to 'x' (in container '')`). After a clean check the
 * AST validators Kubernetes enables run: homogeneous aggregate literals, regex literals of
 * matches(), duration() and timestamp() literals.
 */
import type { parse } from '@bufbuild/cel';
import { RE2JS } from '@bufbuild/re2';
import { lookupFunction, typeIdents, type Overload } from './cel-decls.js';
import {
  collectTypeParams, formatType, isAssignable, isAssignableList, isDyn, isExactType, listOf, mapOf, Mapping,
  mostGeneral, renameTypeParams, substitute, T, typeParam, type CelT,
} from './cel-types.js';
import { parseDurationLiteral, parseTimestampLiteral } from './cel-time.js';

/** Expr is a node of the parsed AST. */
export type Expr = ReturnType<typeof parse>['expr'];
type SourceInfo = NonNullable<ReturnType<typeof parse>['sourceInfo']>;

/** CheckIssue is one checker error, located by the expression's source offset. */
export interface CheckIssue { offset: number; message: string }

/** CheckResult is the outcome of a check. */
export interface CheckResult {
  /** the expression's type (error when the check failed) */
  type: CelT;
  issues: CheckIssue[];
  /** the type of every node (type parameters resolved, unresolved ones as dyn) */
  types: Map<bigint, CelT>;
  /** names of variables the expression refers to */
  references: Set<string>;
  /** the overloads each call resolved to (cel-go's reference map) */
  overloads: Map<bigint, string[]>;
}

class Scope {
  constructor(readonly vars: Map<string, CelT>, readonly parent?: Scope) {}
  find(name: string): CelT | undefined {
    return this.vars.get(name) ?? this.parent?.find(name);
  }
}

function qualifiedName(e: Expr): string | undefined {
  const k = e.exprKind;
  if (k.case === 'identExpr') return k.value.name;
  if (k.case === 'selectExpr' && !k.value.testOnly && k.value.operand) {
    const p = qualifiedName(k.value.operand);
    return p === undefined ? undefined : `${p}.${k.value.field}`;
  }
  return undefined;
}

class Checker {
  private mappings = new Mapping();
  private freeTypeVars = 0;
  private scope: Scope;
  readonly types = new Map<bigint, CelT>();
  readonly issues: CheckIssue[] = [];
  readonly references = new Set<string>();
  readonly overloads = new Map<bigint, string[]>();

  constructor(private readonly info: SourceInfo, vars: Map<string, CelT>, private readonly source: string) {
    this.scope = new Scope(new Map([...typeIdents, ...vars]));
  }

  private offset(id: bigint): number {
    return this.info.positions[id.toString()] ?? 0;
  }

  // cel-go locates a function call at its '(' where @bufbuild/cel records the '.' of a member
  // call or the start of a global one (operators are located alike by both).
  private callOffset(id: bigint, name: string): number {
    const at = this.offset(id);
    if (!/^[A-Za-z]/.test(name)) return at;
    const m = /^(?:\.\s*)?[A-Za-z_][A-Za-z0-9_.]*\s*\(/.exec(this.source.slice(at));
    return m ? at + m[0].length - 1 : at;
  }

  private report(id: bigint, message: string, offset = this.offset(id)): void {
    this.issues.push({ offset, message });
  }

  private setType(e: Expr, t: CelT): void {
    this.types.set(e.id, t);
  }

  private getType(e: Expr): CelT {
    return this.types.get(e.id) ?? T.error;
  }

  private newTypeVar(): CelT {
    return typeParam(`_var${this.freeTypeVars++}`);
  }

  private assignable(t1: CelT, t2: CelT): boolean {
    const m = isAssignable(this.mappings, t1, t2);
    if (!m) return false;
    this.mappings = m;
    return true;
  }

  check(e: Expr | undefined): void {
    if (!e) return;
    const k = e.exprKind;
    switch (k.case) {
      case 'constExpr': {
        const c = k.value.constantKind.case;
        const map: Record<string, CelT> = { boolValue: T.bool, bytesValue: T.bytes, doubleValue: T.double, int64Value: T.int, nullValue: T.null, stringValue: T.string, uint64Value: T.uint };
        const t = c ? map[c] : undefined;
        if (t) this.setType(e, t);
        else { this.report(e.id, `unexpected literal type: ${c}`); this.setType(e, T.error); }
        return;
      }
      case 'identExpr': {
        const name = k.value.name;
        const t = this.scope.find(name);
        if (t) {
          this.references.add(name);
          this.setType(e, t);
        } else {
          this.setType(e, T.error);
          this.report(e.id, `undeclared reference to '${name}' (in container '')`);
        }
        return;
      }
      case 'selectExpr': {
        const sel = k.value;
        let t = this.checkSelectField(e, sel.operand!, sel.field);
        if (sel.testOnly) t = T.bool;
        this.setType(e, substitute(this.mappings, t, false));
        return;
      }
      case 'callExpr': return this.checkCall(e, k.value);
      case 'listExpr': {
        let elems: CelT | undefined;
        for (const el of k.value.elements) {
          this.check(el);
          elems = this.joinTypes(elems, this.getType(el));
        }
        this.setType(e, listOf(elems ?? this.newTypeVar()));
        return;
      }
      case 'structExpr': {
        const st = k.value;
        if (st.messageName) {
          for (const en of st.entries) this.check(en.value);
          this.report(e.id, `undeclared reference to '${st.messageName}' (in container '')`);
          this.setType(e, T.error);
          return;
        }
        let kt: CelT | undefined;
        let vt: CelT | undefined;
        for (const en of st.entries) {
          if (en.keyKind.case === 'mapKey') {
            this.check(en.keyKind.value);
            kt = this.joinTypes(kt, this.getType(en.keyKind.value));
          }
          this.check(en.value);
          vt = this.joinTypes(vt, this.getType(en.value!));
        }
        this.setType(e, kt && vt ? mapOf(kt, vt) : mapOf(this.newTypeVar(), this.newTypeVar()));
        return;
      }
      case 'comprehensionExpr': return this.checkComprehension(e, k.value);
      default:
        this.report(e.id, 'unexpected unspecified type');
        this.setType(e, T.error);
    }
  }

  private checkSelectField(e: Expr, operand: Expr, field: string): CelT {
    this.check(operand);
    let target = substitute(this.mappings, this.getType(operand), false);
    let optional = false;
    if (target.kind === 'opaque' && target.name === 'optional_type') {
      target = target.params[0];
      optional = true;
    }
    let result: CelT = T.error;
    switch (target.kind) {
      case 'map': result = target.value; break;
      case 'struct': {
        const ft = target.fields.get(field);
        if (ft) result = ft;
        else this.report(e.id, `undefined field '${field}'`);
        break;
      }
      case 'typeParam':
        this.assignable(T.dyn, target);
        result = T.dyn;
        break;
      default:
        if (!isDyn(target) && target.kind !== 'error') this.report(e.id, `type '${formatType(target)}' does not support field selection`);
        result = T.dyn;
    }
    return optional ? { kind: 'opaque', name: 'optional_type', params: [result] } : result;
  }

  private checkCall(e: Expr, call: Extract<Expr['exprKind'], { case: 'callExpr' }>['value']): void {
    const name = call.function;
    for (const a of call.args) this.check(a);
    if (!call.target) {
      const overloads = lookupFunction(name);
      if (!overloads) {
        this.report(e.id, `undeclared reference to '${name}' (in container '')`, this.callOffset(e.id, name));
        this.setType(e, T.error);
        return;
      }
      this.resolve(e, name, overloads, undefined, call.args);
      return;
    }
    const prefix = qualifiedName(call.target);
    if (prefix !== undefined) {
      const qualified = lookupFunction(`${prefix}.${name}`);
      if (qualified) {
        this.resolve(e, `${prefix}.${name}`, qualified, undefined, call.args);
        return;
      }
    }
    this.check(call.target);
    const overloads = lookupFunction(name);
    if (!overloads) {
      this.setType(e, T.error);
      this.report(e.id, `undeclared reference to '${name}' (in container '')`, this.callOffset(e.id, name));
      return;
    }
    this.resolve(e, name, overloads, call.target, call.args);
  }

  private resolve(e: Expr, name: string, overloads: Overload[], target: Expr | undefined, args: Expr[]): void {
    const argTypes = [...(target ? [this.getType(target)] : []), ...args.map((a) => this.getType(a))];
    if (name === '_&&_' || name === '_||_') {
      let ok = true;
      argTypes.forEach((t, i) => {
        if (!this.assignable(t, T.bool)) {
          this.report(args[i].id, `expected type 'bool' but found '${formatType(t)}'`);
          ok = false;
        }
      });
      this.setType(e, ok ? T.bool : T.error);
      if (ok) this.overloads.set(e.id, [overloads[0].id]);
      return;
    }
    let result: CelT | undefined;
    const matched: string[] = [];
    for (const o of overloads) {
      if (o.member !== !!target) continue;
      const names = new Map<string, CelT>();
      const tps = new Set<string>();
      for (const t of [...o.args, o.result]) collectTypeParams(t, tps);
      for (const tp of tps) names.set(tp, this.newTypeVar());
      const cand = o.args.map((t) => renameTypeParams(t, names));
      const m = isAssignableList(this.mappings, argTypes, cand);
      if (!m) continue;
      this.mappings = m;
      matched.push(o.id);
      const rt = substitute(this.mappings, renameTypeParams(o.result, names), false);
      if (!result) result = rt;
      else if (!isDyn(result) && !isExactType(rt, result)) result = T.dyn;
    }
    if (!result) {
      const shown = argTypes.map((t) => formatType(substitute(this.mappings, t, true)));
      const sig = target ? `${shown[0]}.(${shown.slice(1).join(', ')})` : `(${shown.join(', ')})`;
      this.report(e.id, `found no matching overload for '${name}' applied to '${sig}'`, this.callOffset(e.id, name));
      this.setType(e, T.error);
      return;
    }
    this.setType(e, result);
    this.overloads.set(e.id, matched);
  }

  private checkComprehension(e: Expr, c: Extract<Expr['exprKind'], { case: 'comprehensionExpr' }>['value']): void {
    this.check(c.iterRange);
    this.check(c.accuInit);
    const range = substitute(this.mappings, this.getType(c.iterRange!), false);
    const accu = this.getType(c.accuInit!);
    this.scope = new Scope(new Map([[c.accuVar, accu]]), this.scope);
    let v1: CelT;
    let v2: CelT | undefined;
    const two = !!c.iterVar2;
    switch (range.kind) {
      case 'list': v1 = range.elem; if (two) { v2 = v1; v1 = T.int; } break;
      case 'map': v1 = range.key; if (two) v2 = range.value; break;
      case 'dyn': case 'any': case 'error': case 'typeParam':
        this.assignable(T.dyn, range);
        v1 = T.dyn; if (two) v2 = T.dyn;
        break;
      default:
        this.report(c.iterRange!.id, `expression of type '${formatType(range)}' cannot be range of a comprehension (must be list, map, or dynamic)`);
        v1 = T.error; if (two) v2 = T.error;
    }
    const vars = new Map([[c.iterVar, v1]]);
    if (two && v2) vars.set(c.iterVar2, v2);
    this.scope = new Scope(vars, this.scope);
    this.check(c.loopCondition);
    this.assertType(c.loopCondition!, T.bool);
    this.check(c.loopStep);
    this.assertType(c.loopStep!, accu);
    this.scope = this.scope.parent!;
    this.check(c.result);
    this.scope = this.scope.parent!;
    this.setType(e, substitute(this.mappings, this.getType(c.result!), false));
  }

  private assertType(e: Expr, t: CelT): void {
    if (!this.assignable(t, this.getType(e))) this.report(e.id, `expected type '${formatType(t)}' but found '${formatType(this.getType(e))}'`);
  }

  // Mixed aggregate literals are typed dyn here; the homogeneous-literal validator reports them.
  private joinTypes(prev: CelT | undefined, cur: CelT): CelT {
    if (!prev) return cur;
    if (this.assignable(prev, cur)) return mostGeneral(prev, cur);
    return T.dyn;
  }

  finish(): void {
    for (const [id, t] of this.types) this.types.set(id, substitute(this.mappings, t, true));
  }
}

/** checkExpr type-checks a parsed expression where `vars` (self, oldSelf) are declared. */
export function checkExpr(parsed: ReturnType<typeof parse>, vars: Map<string, CelT>, source = ''): CheckResult {
  const c = new Checker(parsed.sourceInfo!, vars, source);
  c.check(parsed.expr);
  c.finish();
  const type = c.types.get(parsed.expr.id) ?? T.error;
  const issues = [...c.issues];
  if (!issues.length) issues.push(...validateLiterals(parsed, c.types));
  return { type: issues.length ? T.error : type, issues, types: c.types, references: c.references, overloads: c.overloads };
}

// The AST validators of Kubernetes' base environment (cel.ValidateHomogeneousAggregateLiterals,
// ValidateRegexLiterals, ValidateDurationLiterals, ValidateTimestampLiterals).
function validateLiterals(parsed: ReturnType<typeof parse>, types: Map<bigint, CelT>): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const pos = (id: bigint) => parsed.sourceInfo?.positions[id.toString()] ?? 0;
  const typeOfExpr = (e: Expr) => types.get(e.id) ?? T.dyn;
  const walk = (e: Expr | undefined, inFormat: boolean): void => {
    if (!e) return;
    const k = e.exprKind;
    switch (k.case) {
      case 'selectExpr': walk(k.value.operand, inFormat); return;
      case 'callExpr': {
        const call = k.value;
        const nowInFormat = inFormat || call.function === 'format';
        const lit = call.args[0];
        if (lit?.exprKind.case === 'constExpr' && lit.exprKind.value.constantKind.case === 'stringValue') {
          const text = lit.exprKind.value.constantKind.value;
          const bad = (call.function === 'matches' && !compiles(text))
            || (call.function === 'duration' && !call.target && parseDurationLiteral(text) === undefined)
            || (call.function === 'timestamp' && !call.target && parseTimestampLiteral(text) === undefined);
          if (bad) issues.push({ offset: pos(lit.id), message: `invalid ${call.function} argument` });
        }
        walk(call.target, nowInFormat);
        for (const a of call.args) walk(a, nowInFormat);
        return;
      }
      case 'listExpr': {
        const els = k.value.elements;
        if (!inFormat) {
          const first = els[0] && typeOfExpr(els[0]);
          const odd = els.slice(1).find((x) => !isExactType(first!, typeOfExpr(x)));
          if (odd) issues.push({ offset: pos(odd.id), message: `expected type '${formatType(first!)}' but found '${formatType(typeOfExpr(odd))}'` });
        }
        for (const x of els) walk(x, inFormat);
        return;
      }
      case 'structExpr': {
        const entries = k.value.entries;
        if (!inFormat && !k.value.messageName && entries.length) {
          const keyOf = (en: typeof entries[number]) => (en.keyKind.case === 'mapKey' ? en.keyKind.value : undefined);
          const k0 = keyOf(entries[0]);
          const v0 = entries[0].value;
          for (const en of entries.slice(1)) {
            const kx = keyOf(en);
            if (k0 && kx && !isExactType(typeOfExpr(k0), typeOfExpr(kx))) issues.push({ offset: pos(kx.id), message: `expected type '${formatType(typeOfExpr(k0))}' but found '${formatType(typeOfExpr(kx))}'` });
            if (v0 && en.value && !isExactType(typeOfExpr(v0), typeOfExpr(en.value))) issues.push({ offset: pos(en.value.id), message: `expected type '${formatType(typeOfExpr(v0))}' but found '${formatType(typeOfExpr(en.value))}'` });
          }
        }
        for (const en of entries) {
          if (en.keyKind.case === 'mapKey') walk(en.keyKind.value, inFormat);
          walk(en.value, inFormat);
        }
        return;
      }
      case 'comprehensionExpr': {
        const c = k.value;
        for (const x of [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]) walk(x, inFormat);
        return;
      }
      default:
    }
  };
  walk(parsed.expr, false);
  return issues;
}

function compiles(pattern: string): boolean {
  try {
    RE2JS.compile(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * formatIssues renders checker or parser errors as cel-go's Issues.String(): one
 * `ERROR: <input>:line:col: message` per issue, each followed by the source line and a caret,
 * sorted by position.
 */
export function formatIssues(source: string, issues: CheckIssue[]): string {
  const sorted = [...issues].sort((a, b) => a.offset - b.offset);
  return sorted.map((i) => formatIssue(source, i)).join('\n');
}

function formatIssue(source: string, issue: CheckIssue): string {
  const before = source.slice(0, issue.offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const col = [...source.slice(lineStart, issue.offset)].length;
  const lineText = source.slice(lineStart).split('\n')[0].replace(/\t/g, ' ');
  let marker = '';
  const chars = [...lineText];
  for (let i = 0; i < col && i < chars.length; i++) marker += chars[i].length > 1 || chars[i].charCodeAt(0) > 0x7f ? '\uff0e' : '.';
  const at = chars[col];
  marker += at !== undefined && (at.length > 1 || at.charCodeAt(0) > 0x7f) ? '\uff3e' : '^';
  return `ERROR: <input>:${line}:${col + 1}: ${issue.message}\n | ${lineText}\n | ${marker}`;
}
