/**
 * The JSONPath dialect of kubectl and client-go (k8s.io/client-go/util/jsonpath), as printer
 * columns and selectable fields use it: `.spec.replicas`, `.status.conditions[?(@.type=="Ready")].status`,
 * `['a.b']`, `[0]`, `[-1]`, `[0:2]`, `[*]`, `..name`. Missing keys yield no result (AllowMissingKeys).
 */

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'recursive' }
  | { kind: 'wildcard' }
  | { kind: 'index'; start?: number; end?: number; single: boolean }
  | { kind: 'union'; names: string[] }
  | { kind: 'filter'; left: Operand; op?: string; right?: Operand };

type Operand = { kind: 'path'; steps: Step[] } | { kind: 'literal'; value: unknown };

/** JSONPath is a parsed expression; findResults evaluates it. */
export interface JSONPath { steps: Step[] }

/** JSONPathError is a parse error. */
export class JSONPathError extends Error {}

/** parseJSONPath parses a path such as `.spec.x` (braces around it are accepted: `{.spec.x}`). */
export function parseJSONPath(text: string): JSONPath {
  let t = text.trim();
  if (t.startsWith('{') && t.endsWith('}')) t = t.slice(1, -1).trim();
  if (t.startsWith('$')) t = t.slice(1);
  return { steps: parseSteps(t) };
}

function parseSteps(t: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  while (i < t.length) {
    const c = t[i];
    if (c === '.') {
      if (t[i + 1] === '.') { steps.push({ kind: 'recursive' }); i += 2; continue; }
      i++;
      if (t[i] === '*') { steps.push({ kind: 'wildcard' }); i++; continue; }
      let j = i;
      while (j < t.length && t[j] !== '.' && t[j] !== '[') {
        if (t[j] === '\\' && j + 1 < t.length) j++;
        j++;
      }
      const name = t.slice(i, j).replace(/\\(.)/g, '$1');
      if (name) steps.push({ kind: 'field', name });
      i = j;
      continue;
    }
    if (c === '[') {
      const end = matchingBracket(t, i);
      if (end < 0) throw new JSONPathError(`unterminated array`);
      steps.push(parseBracket(t.slice(i + 1, end).trim()));
      i = end + 1;
      continue;
    }
    // A bare field at the start (`spec.x` without a dot).
    let j = i;
    while (j < t.length && t[j] !== '.' && t[j] !== '[') j++;
    steps.push({ kind: 'field', name: t.slice(i, j) });
    i = j;
  }
  return steps;
}

function matchingBracket(t: string, start: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < t.length; i++) {
    const c = t[i];
    if (quote) { if (c === quote && t[i - 1] !== '\\') quote = undefined; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']') { depth--; if (depth === 0) return i; }
  }
  return -1;
}

function parseBracket(inner: string): Step {
  if (inner === '*') return { kind: 'wildcard' };
  if (inner.startsWith('?(') && inner.endsWith(')')) return parseFilter(inner.slice(2, -1).trim());
  if (/^['"]/.test(inner)) {
    const names = inner.split(/\s*,\s*/).map((n) => n.replace(/^['"]|['"]$/g, ''));
    return names.length === 1 ? { kind: 'field', name: names[0] } : { kind: 'union', names };
  }
  const slice = /^(-?\d*)\s*:\s*(-?\d*)(?:\s*:\s*(-?\d*))?$/.exec(inner);
  if (slice) return { kind: 'index', start: slice[1] ? Number(slice[1]) : undefined, end: slice[2] ? Number(slice[2]) : undefined, single: false };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', start: Number(inner), single: true };
  throw new JSONPathError(`invalid array index ${inner}`);
}

function parseFilter(expr: string): Step {
  const m = /^(.*?)\s*(==|!=|<=|>=|<|>|=~)\s*(.*)$/.exec(expr);
  if (!m) return { kind: 'filter', left: operand(expr) };
  return { kind: 'filter', left: operand(m[1]), op: m[2], right: operand(m[3]) };
}

function operand(text: string): Operand {
  const t = text.trim();
  if (t.startsWith('@')) return { kind: 'path', steps: parseSteps(t.slice(1)) };
  if (/^['"]/.test(t)) return { kind: 'literal', value: t.slice(1, -1) };
  if (t === 'true' || t === 'false') return { kind: 'literal', value: t === 'true' };
  if (t !== '' && !Number.isNaN(Number(t))) return { kind: 'literal', value: Number(t) };
  return { kind: 'literal', value: t };
}

function evalSteps(values: unknown[], steps: Step[]): unknown[] {
  let cur = values;
  for (const step of steps) cur = cur.flatMap((v) => applyStep(v, step));
  return cur;
}

function descendants(v: unknown): unknown[] {
  const out: unknown[] = [v];
  if (Array.isArray(v)) for (const x of v) out.push(...descendants(x));
  else if (v && typeof v === 'object') for (const k of Object.keys(v).sort()) out.push(...descendants((v as Record<string, unknown>)[k]));
  return out;
}

function applyStep(v: unknown, step: Step): unknown[] {
  switch (step.kind) {
    case 'field':
      if (v && typeof v === 'object' && !Array.isArray(v) && step.name in v) return [(v as Record<string, unknown>)[step.name]];
      return [];
    case 'union':
      if (v && typeof v === 'object' && !Array.isArray(v)) return step.names.filter((n) => n in v).map((n) => (v as Record<string, unknown>)[n]);
      return [];
    case 'recursive':
      return descendants(v);
    case 'wildcard':
      if (Array.isArray(v)) return [...v];
      if (v && typeof v === 'object') return Object.keys(v).sort().map((k) => (v as Record<string, unknown>)[k]);
      return [];
    case 'index': {
      if (!Array.isArray(v)) return [];
      const n = v.length;
      if (step.single) {
        const i = step.start! < 0 ? n + step.start! : step.start!;
        return i >= 0 && i < n ? [v[i]] : [];
      }
      let s = step.start ?? 0;
      let e = step.end ?? n;
      if (s < 0) s += n;
      if (e < 0) e += n;
      return v.slice(Math.max(0, s), Math.min(n, e));
    }
    case 'filter': {
      if (!Array.isArray(v)) return [];
      return v.filter((item) => {
        const left = step.left.kind === 'path' ? evalSteps([item], step.left.steps) : [step.left.value];
        if (!step.op) return left.length > 0;
        const right = step.right!.kind === 'path' ? evalSteps([item], step.right!.steps) : [step.right!.value];
        if (!left.length || !right.length) return false;
        return compare(left[0], step.op, right[0]);
      });
    }
  }
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==': return a === b || String(a) === String(b);
    case '!=': return !(a === b || String(a) === String(b));
    case '<': return Number(a) < Number(b);
    case '>': return Number(a) > Number(b);
    case '<=': return Number(a) <= Number(b);
    case '>=': return Number(a) >= Number(b);
    case '=~': try { return new RegExp(String(b)).test(String(a)); } catch { return false; }
    default: return false;
  }
}

/** findResults returns every value the path reaches in data (none when a key is missing). */
export function findResults(path: JSONPath, data: unknown): unknown[] {
  return evalSteps([data], path.steps);
}

/** printResult renders one value as client-go's PrintResults: strings raw, lists and maps as JSON. */
export function printResult(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
