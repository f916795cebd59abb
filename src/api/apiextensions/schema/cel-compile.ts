/**
 * The front half of compiling a CEL expression, shared by CRD rules (cel-engine.ts) and admission
 * expressions (admissionregistration/cel.ts): parse with @bufbuild/cel, then type-check with the
 * caller's variables declared. Either failure reads as cel-go's issues (`ERROR: <input>:1:5: ...`).
 */
import { parse } from '@bufbuild/cel';
import { checkExpr, formatIssues, type CheckIssue, type CheckResult } from './cel-checker.js';
import type { CelT } from './cel-types.js';

/** ParsedExpr is @bufbuild/cel's parse result. */
export type ParsedExpr = ReturnType<typeof parse>;

/** syntaxIssue locates a parser error (`<input>:line:col: msg`) by source offset, as cel-go reports it. */
function syntaxIssue(source: string, err: unknown): CheckIssue {
  const msg = String((err as Error)?.message ?? err);
  const m = /^<input>:(\d+):(\d+): (.*)$/s.exec(msg);
  if (!m) return { offset: 0, message: `Syntax error: ${msg}` };
  const lines = source.split('\n');
  let offset = 0;
  for (let i = 0; i < Number(m[1]) - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  return { offset: offset + Number(m[2]) - 1, message: `Syntax error: ${m[3]}` };
}

/**
 * parseAndCheck parses `expression` and type-checks it with `vars` declared. On failure `issues`
 * is the formatted error text without a prefix: each caller words its own ("compilation failed: ",
 * "messageExpression compilation failed: ").
 */
export function parseAndCheck(expression: string, vars: Map<string, CelT>): { parsed: ParsedExpr; checked: CheckResult } | { issues: string } {
  let parsed: ParsedExpr;
  try {
    parsed = parse(expression);
  } catch (e) {
    return { issues: formatIssues(expression, [syntaxIssue(expression, e)]) };
  }
  const checked = checkExpr(parsed, vars, expression);
  if (checked.issues.length) return { issues: formatIssues(expression, checked.issues) };
  return { parsed, checked };
}
