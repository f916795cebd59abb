/**
 * Field selectors: `?fieldSelector=spec.nodeName=n1,status.phase!=Running` (k8s.io/apimachinery
 * pkg/fields). Terms are `field=value`, `field==value` or `field!=value`, separated by ','. In a
 * value, `\,`, `\=` and `\\` escape ',', '=' and '\'; an unescaped ',' splits terms and an unescaped
 * '=' is an error. Which fields a resource supports is the server's business (see
 * fieldSelectorFields): Kubernetes answers `field label not supported: <field>` for the rest.
 */
import { StatusError } from './errors.js';

/** FieldTerm is one term of a field selector. */
export interface FieldTerm {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

/** FieldSelector is the AND of its terms; no terms selects everything. */
export interface FieldSelector {
  readonly terms: readonly FieldTerm[];
}

const termOperators = ['!=', '==', '='] as const;

/** splitTerms splits on unescaped commas, keeping escapes in the terms. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** splitTerm splits at the first operator; the field part has no escaping. */
function splitTerm(term: string): [string, string, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** unescapeFieldValue undoes escapeFieldValue; throws an Error with Kubernetes' message on a bad sequence. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new Error(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    // Go prints the rune with %v, i.e. as its code point number
    else if (c === ',' || c === '=') throw new Error(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw new Error('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** escapeFieldValue escapes '\', ',' and '=' so any string can be a selector value. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** parseFieldSelector parses the string form; '' selects everything. Throws StatusError 400 with Kubernetes' message. */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort();
  const terms: FieldTerm[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw new StatusError(400, 'BadRequest', `invalid selector: '${s}'; can't understand '${part}'`);
    const [field, op, rhs] = split;
    let value: string;
    try {
      value = unescapeFieldValue(rhs);
    } catch (e) {
      throw new StatusError(400, 'BadRequest', (e as Error).message);
    }
    terms.push({ field, operator: op === '!=' ? '!=' : '=', value });
  }
  return { terms };
}

/** matchesFields tells whether an object's fields satisfy the selector; `get` returns a field's value (missing counts as ''). */
export function matchesFields(sel: FieldSelector, get: (field: string) => string | undefined): boolean {
  return sel.terms.every((t) => ((get(t.field) ?? '') === t.value) === (t.operator === '='));
}

/** fieldSelectorFields lists the fields a selector mentions, in order, without duplicates. */
export function fieldSelectorFields(sel: FieldSelector): string[] {
  return [...new Set(sel.terms.map((t) => t.field))];
}

/** requiresExactMatch returns the value the selector demands for `field` (`field=value`), if any — e.g. spec.nodeName fast paths. */
export function requiresExactMatch(sel: FieldSelector, field: string): string | undefined {
  return sel.terms.find((t) => t.field === field && t.operator === '=')?.value;
}

/** fieldSelectorIsEmpty is true when the selector has no terms (selects everything). */
export function fieldSelectorIsEmpty(sel: FieldSelector): boolean {
  return sel.terms.length === 0;
}

/** fieldSelectorString renders a selector in canonical form (`a=b,c!=d`), escaping values. */
export function fieldSelectorString(sel: FieldSelector): string {
  return sel.terms.map((t) => `${t.field}${t.operator}${escapeFieldValue(t.value)}`).join(',');
}

/** oneTermEqualSelector selects objects whose `field` equals `value`. */
export function oneTermEqualSelector(field: string, value: string): FieldSelector {
  return { terms: [{ field, operator: '=', value }] };
}
