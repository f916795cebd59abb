/**
 * Path elements of structured-merge-diff's fieldpath: how one step below a value is named in
 * managedFields (`f:name`, `k:{"name":"nginx"}`, `v:"x"`, `i:0`) and in conflict messages
 * (`.name`, `[name="nginx"]`, `[="x"]`, `[0]`).
 */

/** PathElement is one step: a field, an associative-list key, a set value or a list index. */
export type PathElement =
  | { field: string }
  | { key: Record<string, unknown> }
  | { value: unknown }
  | { index: number };

/** canonicalJSON writes a JSON value with object keys sorted, so equal keys serialize alike. */
export function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJSON(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** elementKey is the fieldsV1 spelling of an element; it is also the trie key of a FieldSet. */
export function elementKey(pe: PathElement): string {
  if ('field' in pe) return `f:${pe.field}`;
  if ('key' in pe) return `k:${canonicalJSON(pe.key)}`;
  if ('value' in pe) return `v:${canonicalJSON(pe.value)}`;
  return `i:${pe.index}`;
}

/** parseElementKey reads a fieldsV1 key back into a PathElement (undefined when malformed). */
export function parseElementKey(s: string): PathElement | undefined {
  const kind = s.slice(0, 2);
  const rest = s.slice(2);
  try {
    switch (kind) {
      case 'f:': return { field: rest };
      case 'k:': {
        const key = JSON.parse(rest) as unknown;
        return key !== null && typeof key === 'object' && !Array.isArray(key) ? { key: key as Record<string, unknown> } : undefined;
      }
      case 'v:': return { value: JSON.parse(rest) as unknown };
      case 'i:': return /^\d+$/.test(rest) ? { index: Number(rest) } : undefined;
    }
  } catch { /* malformed JSON: not an element */ }
  return undefined;
}

const ELEMENT_RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** elementOrder sorts as structured-merge-diff does: fields, then keys, values, indexes. */
export function compareElementKeys(a: string, b: string): number {
  const r = (ELEMENT_RANK[a[0]] ?? -1) - (ELEMENT_RANK[b[0]] ?? -1);
  if (r !== 0) return r;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** valueText is how a value is written inside a path string (strings quoted, as JSON). */
function valueText(v: unknown): string {
  return canonicalJSON(v);
}

/** pathString is structured-merge-diff's Path.String: `.spec.containers[name="nginx"].image`. */
export function pathString(path: readonly string[]): string {
  let out = '';
  for (const k of path) {
    const pe = parseElementKey(k);
    if (!pe) { out += '{{invalid path element}}'; continue; }
    if ('field' in pe) out += `.${pe.field}`;
    else if ('key' in pe) out += `[${Object.keys(pe.key).sort().map((n) => `${n}=${valueText(pe.key[n])}`).join(',')}]`;
    else if ('value' in pe) out += `[=${valueText(pe.value)}]`;
    else out += `[${pe.index}]`;
  }
  return out;
}
