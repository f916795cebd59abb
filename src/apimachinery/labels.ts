/**
 * Label selectors: the string syntax of `?labelSelector=` and `kubectl -l` (k8s.io/apimachinery
 * pkg/labels), and the structured `metav1.LabelSelector` of Deployments, ReplicaSets, Jobs...
 *
 * Grammar (Kubernetes'): requirements separated by ',', each one of
 *   `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`, `key notin (v1)`,
 *   `key>N`, `key<N`.
 * Parse errors throw a 400 BadRequest StatusError whose message is the one kube-apiserver sends.
 */
import { StatusError } from './errors.js';
import { isQualifiedName, isValidLabelValue } from './validation.js';
import { goQuote } from '../util/go-quote.js';

/** LabelOperator is a requirement's operator, spelled as Kubernetes' selection.Operator. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

/** LabelRequirement is one term of a selector; `values` is empty for exists / `!`. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/**
 * LabelSelector is a parsed selector: the AND of its requirements, sorted by key. No requirements
 * selects everything; `nothing: true` selects nothing (a nil metav1.LabelSelector).
 */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  readonly nothing?: boolean;
}

/** LabelSelectorSpec is metav1.LabelSelector as JSON. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** everythingSelector selects every object. */
export const everythingSelector: LabelSelector = Object.freeze({ requirements: Object.freeze([]) as readonly LabelRequirement[] });
/** nothingSelector selects no object. */
export const nothingSelector: LabelSelector = Object.freeze({ requirements: Object.freeze([]) as readonly LabelRequirement[], nothing: true });

// ---- lexer ----

type Tok =
  | 'error' | 'eos' | 'closedPar' | 'comma' | 'doesNotExist' | 'doubleEquals' | 'equals'
  | 'greaterThan' | 'identifier' | 'in' | 'lessThan' | 'notEquals' | 'notIn' | 'openPar';

const literalTokens: Record<string, Tok> = {
  ')': 'closedPar', ',': 'comma', '!': 'doesNotExist', '==': 'doubleEquals', '=': 'equals',
  '>': 'greaterThan', 'in': 'in', '<': 'lessThan', '!=': 'notEquals', 'notin': 'notIn', '(': 'openPar',
};

/** literalToken looks a word up among the operators; own keys only ("constructor" is an identifier). */
function literalToken(buf: string): Tok | undefined {
  return Object.prototype.hasOwnProperty.call(literalTokens, buf) ? literalTokens[buf] : undefined;
}

interface Item { tok: Tok; lit: string }

const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string) => '=!(),><'.includes(c);

/** lex splits a selector into tokens exactly as Kubernetes' Lexer does. */
function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    if (isSpecial(s[pos])) {
      // longest run of special characters that still forms a known operator
      let buf = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buf += s[pos];
        const t = literalToken(buf);
        if (t) {
          last = { tok: t, lit: buf };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
    } else {
      let buf = '';
      while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) buf += s[pos++];
      items.push({ tok: literalToken(buf) ?? 'identifier', lit: buf });
    }
  }
}

// ---- parser ----

const binaryOperators = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  // In "values" context `in`/`notin` are ordinary identifiers (`x in (in)`)
  private look(values = true): Item {
    const it = this.items[this.pos];
    return values && (it.tok === 'in' || it.tok === 'notIn') ? { tok: 'identifier', lit: it.lit } : it;
  }
  private next(values = true): Item {
    const it = this.look(values);
    this.pos++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.look();
      if (tok === 'identifier' || tok === 'doesNotExist') {
        let r: LabelRequirement;
        try {
          r = this.parseRequirement();
        } catch (e) {
          throw new Error(`unable to parse requirement: ${(e as Error).message}`);
        }
        reqs.push(r);
        const t = this.next();
        if (t.tok === 'eos') return reqs;
        if (t.tok === 'comma') {
          const t2 = this.look();
          if (t2.tok !== 'identifier' && t2.tok !== 'doesNotExist') throw new Error(`found '${t2.lit}', expected: identifier after ','`);
        } else {
          throw new Error(`found '${t.lit}', expected: ',' or 'end of string'`);
        }
      } else if (tok === 'eos') {
        return reqs;
      } else {
        throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    let operator: LabelOperator | undefined;
    let t = this.next();
    if (t.tok === 'doesNotExist') {
      operator = '!';
      t = this.next();
    }
    if (t.tok !== 'identifier') throw new Error(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = isQualifiedName(key);
    // Kubernetes validates the key here with a nil field path, hence "<nil>"
    if (keyErrs.length) throw new Error(`<nil>: Invalid value: ${goQuote(key)}: ${keyErrs.join('; ')}`);
    const after = this.look().tok;
    // `!key` never takes an operator: in `!a=b` the '=' is reported by the caller
    if (operator === '!' || after === 'eos' || after === 'comma') {
      return newRequirement(key, operator ?? 'exists', [], '');
    }
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, op, [...values].sort(), '');
  }

  private parseOperator(): LabelOperator {
    const t = this.next(false);
    switch (t.tok) {
      case 'in': return 'in';
      case 'equals': return '=';
      case 'doubleEquals': return '==';
      case 'greaterThan': return 'gt';
      case 'lessThan': return 'lt';
      case 'notIn': return 'notin';
      case 'notEquals': return '!=';
      default: throw new Error(`found '${t.lit}', expected: ${binaryOperators.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const t = this.next();
    if (t.tok !== 'openPar') throw new Error(`found '${t.lit}' expected: '('`);
    const { tok, lit } = this.look();
    if (tok === 'identifier' || tok === 'comma') {
      const s = this.parseIdentifiersList();
      if (this.next().tok !== 'closedPar') throw new Error(`found '${lit}', expected: ')'`);
      return s;
    }
    if (tok === 'closedPar') {
      this.next();
      return new Set(['']);
    }
    throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
  }

  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const t = this.next();
      if (t.tok === 'identifier') {
        s.add(t.lit);
        const t2 = this.look();
        if (t2.tok === 'comma') continue;
        if (t2.tok === 'closedPar') return s;
        throw new Error(`found '${t2.lit}', expected: ',' or ')'`);
      } else if (t.tok === 'comma') {
        if (s.size === 0) s.add(''); // "(,"
        const t2 = this.look();
        if (t2.tok === 'closedPar') {
          s.add(''); // ",)"
          return s;
        }
        if (t2.tok === 'comma') {
          this.next();
          s.add(''); // ",,"
        }
      } else {
        throw new Error(`found '${t.lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const t = this.look();
    if (t.tok === 'eos' || t.tok === 'comma') return new Set(['']);
    const v = this.next();
    if (v.tok === 'identifier') return new Set([v.lit]);
    throw new Error(`found '${v.lit}', expected: identifier`);
  }
}

/** goStringSlice renders a []string as Go's %#v does (empty value lists reach validation as nil slices). */
function goStringSlice(vals: readonly string[]): string {
  if (vals.length === 0) return '[]string(nil)';
  return `[]string{${vals.map(goQuote).join(', ')}}`;
}

/**
 * newRequirement validates one requirement the way Kubernetes' NewRequirement does and throws an
 * Error whose message is its aggregated field errors. `path` prefixes field paths ('' for none).
 */
function newRequirement(key: string, operator: LabelOperator, values: string[], path: string): LabelRequirement {
  const errs: string[] = [];
  const child = (name: string) => (path ? `${path}.${name}` : name);
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(`${child('key')}: Invalid value: ${goQuote(key)}: ${keyErrs.join('; ')}`);
  const valuePath = child('values');
  switch (operator) {
    case 'in': case 'notin':
      if (values.length === 0) errs.push(`${valuePath}: Invalid value: ${goStringSlice(values)}: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case '=': case '==': case '!=':
      if (values.length !== 1) errs.push(`${valuePath}: Invalid value: ${goStringSlice(values)}: exact-match compatibility requires one single value`);
      break;
    case 'exists': case '!':
      if (values.length !== 0) errs.push(`${valuePath}: Invalid value: ${goStringSlice(values)}: values set must be empty for exists and does not exist`);
      break;
    case 'gt': case 'lt':
      if (values.length !== 1) errs.push(`${valuePath}: Invalid value: ${goStringSlice(values)}: for 'Gt', 'Lt' operators, exactly one value is required`);
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) errs.push(`${valuePath}[${i}]: Invalid value: ${goQuote(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
      });
      break;
  }
  values.forEach((v, i) => {
    const vErrs = isValidLabelValue(v);
    if (vErrs.length) errs.push(`${valuePath}[${i}][${key}]: Invalid value: ${goQuote(v)}: ${vErrs.join('; ')}`);
  });
  if (errs.length) {
    const unique = [...new Set(errs)];
    throw new Error(unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`);
  }
  return { key, operator, values };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sortByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * parseLabelSelector parses the string form (`app=web,tier in (a,b),!canary`). The empty string
 * selects everything. Throws StatusError 400 BadRequest with Kubernetes' parse message.
 */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return { requirements: sortByKey(new Parser(lex(s)).parse()) };
  } catch (e) {
    throw new StatusError(400, 'BadRequest', (e as Error).message);
  }
}

/** matchesRequirement tells whether one requirement holds for a label set. */
export function matchesRequirement(r: LabelRequirement, labels: Record<string, string> | undefined): boolean {
  const has = labels !== undefined && labels !== null && Object.prototype.hasOwnProperty.call(labels, r.key);
  const val = has ? labels![r.key] : undefined;
  switch (r.operator) {
    case 'in': case '=': case '==':
      return has && r.values.includes(val!);
    case 'notin': case '!=':
      return !has || !r.values.includes(val!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt': case 'lt': {
      if (!has || !/^[+-]?\d+$/.test(val!) || r.values.length !== 1 || !/^[+-]?\d+$/.test(r.values[0])) return false;
      const lv = BigInt(val!);
      const rv = BigInt(r.values[0]);
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

/** matchesLabels tells whether a selector selects an object with these labels. */
export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  if (sel.nothing) return false;
  return sel.requirements.every((r) => matchesRequirement(r, labels));
}

/** selectorIsEmpty is true for a selector that selects everything (no requirements). */
export function selectorIsEmpty(sel: LabelSelector): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}

/** requirementString renders one requirement as Kubernetes' Requirement.String() does. */
function requirementString(r: LabelRequirement): string {
  let s = r.operator === '!' ? `!${r.key}` : r.key;
  switch (r.operator) {
    case '=': s += '='; break;
    case '==': s += '=='; break;
    case '!=': s += '!='; break;
    case 'in': s += ' in '; break;
    case 'notin': s += ' notin '; break;
    case 'gt': s += '>'; break;
    case 'lt': s += '<'; break;
    case 'exists': case '!': return s;
  }
  const vals = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(',');
  return r.operator === 'in' || r.operator === 'notin' ? `${s}(${vals})` : s + vals;
}

/** labelSelectorString renders a selector as Kubernetes does (`app=web,tier in (a,b)`); '' for everything/nothing. */
export function labelSelectorString(sel: LabelSelector): string {
  return sel.requirements.map(requirementString).join(',');
}

/** labelSelectorFromSet selects objects carrying all these labels (a Service's or RC's map selector); empty/undefined selects everything. */
export function labelSelectorFromSet(set: Record<string, string> | undefined | null): LabelSelector {
  if (!set) return everythingSelector;
  return { requirements: sortByKey(Object.entries(set).map(([key, v]) => ({ key, operator: '=' as const, values: [v] }))) };
}

const specOperators: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * labelSelectorFromSpec converts a metav1.LabelSelector (metav1.LabelSelectorAsSelector):
 * `undefined`/`null` selects NOTHING, `{}` (no matchLabels, no matchExpressions) selects EVERYTHING.
 * Throws StatusError 400 for an unknown operator (`"Foo" is not a valid label selector operator`)
 * or invalid keys/values (messages as Kubernetes' NewRequirement).
 */
export function labelSelectorFromSpec(spec: LabelSelectorSpec | undefined | null): LabelSelector {
  if (spec === undefined || spec === null) return nothingSelector;
  // Read as Go's decoder leaves a metav1.LabelSelector: a null requirement is the empty one, a null
  // value the empty string (callers may hand over objects no decoder checked).
  const labels: Record<string, unknown> = isPlainObject(spec.matchLabels) ? spec.matchLabels : {};
  const exprs: unknown[] = Array.isArray(spec.matchExpressions) ? spec.matchExpressions : [];
  if (Object.keys(labels).length === 0 && exprs.length === 0) return everythingSelector;
  const reqs: LabelRequirement[] = [];
  try {
    for (const [k, v] of Object.entries(labels)) reqs.push(newRequirement(k, '=', [String(v ?? '')], ''));
    for (const x of exprs) {
      const e: Record<string, unknown> = isPlainObject(x) ? x : {};
      const operator = String(e.operator ?? '');
      const op = Object.prototype.hasOwnProperty.call(specOperators, operator) ? specOperators[operator] : undefined;
      if (!op) throw new Error(`${goQuote(operator)} is not a valid label selector operator`);
      const values = Array.isArray(e.values) ? e.values.map((v) => String(v ?? '')) : [];
      reqs.push(newRequirement(String(e.key ?? ''), op, values, ''));
    }
  } catch (err) {
    if (err instanceof StatusError) throw err;
    throw new StatusError(400, 'BadRequest', (err as Error).message);
  }
  return { requirements: sortByKey(reqs) };
}

/** formatLabelSelector renders a metav1.LabelSelector for describe/status (`app=web`), `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(spec: LabelSelectorSpec | undefined | null): string {
  let sel: LabelSelector;
  try {
    sel = labelSelectorFromSpec(spec);
  } catch {
    return '<error>';
  }
  return labelSelectorString(sel) || '<none>';
}

/** requiresExactLabelMatch returns the value a selector demands for `key` (via =, == or a one-value in), if any. */
export function requiresExactLabelMatch(sel: LabelSelector, key: string): string | undefined {
  for (const r of sel.requirements) {
    if (r.key !== key) continue;
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    return undefined;
  }
  return undefined;
}
