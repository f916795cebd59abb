/**
 * The schema model: every Kubernetes type tskube knows, with its fields, their types and
 * descriptions, and the vendor extensions strategic merge patch and kubectl need.
 *
 * The data comes from generated/definitions.json (written by scripts/gen-schema-docs.ts from the
 * kubernetes-types and @kubernetes/client-node packages). It is read on first use, not at import,
 * so starting the server costs nothing until a schema is needed (~10 ms then).
 */
import { readFileSync } from 'node:fs';
import { PATCH_EXTENSIONS } from './extensions.js';

/** FieldType is the parsed type of one field. */
export type FieldType =
  | { kind: 'string'; format?: 'byte' }
  | { kind: 'integer'; format: 'int32' | 'int64' }
  | { kind: 'number'; format: 'double' }
  | { kind: 'boolean' }
  | { kind: 'array'; items: FieldType }
  | { kind: 'map'; values: FieldType }
  | { kind: 'ref'; name: string }
  | { kind: 'any' };

/** SchemaField is one field of an object definition. */
export interface SchemaField {
  /** JSON name */
  name: string;
  type: FieldType;
  description?: string;
  required: boolean;
  /** x-kubernetes-patch-strategy ('merge', 'retainKeys', 'merge,retainKeys') */
  patchStrategy?: string;
  /** x-kubernetes-patch-merge-key */
  patchMergeKey?: string;
  /** x-kubernetes-list-type ('atomic' | 'set' | 'map') */
  listType?: string;
  /** x-kubernetes-list-map-keys */
  listMapKeys?: string[];
}

/** ScalarKind marks definitions that are not plain objects on the wire. */
export type ScalarKind = 'quantity' | 'int-or-string' | 'date-time' | 'object' | 'any';

/** GroupVersionKind as in x-kubernetes-group-version-kind. */
export interface GroupVersionKind { group: string; version: string; kind: string }

/** SchemaDefinition is one named type, e.g. io.k8s.api.core.v1.Pod. */
export interface SchemaDefinition {
  name: string;
  description?: string;
  /** set for scalar-like definitions (Quantity, IntOrString, Time, RawExtension...) */
  scalar?: ScalarKind;
  /** fields in declaration (alphabetical) order; empty for scalars */
  fields: Map<string, SchemaField>;
  /** set on top-level kinds */
  gvk?: GroupVersionKind[];
}

interface StoredProp { t: string; d?: string }
interface StoredDef { d?: string; p?: Record<string, StoredProp>; r?: string[]; k?: GroupVersionKind[]; s?: ScalarKind }

let stored: Record<string, StoredDef> | undefined;
const parsed = new Map<string, SchemaDefinition>();
let byGVK: Map<string, string> | undefined;

function load(): Record<string, StoredDef> {
  stored ??= JSON.parse(readFileSync(new URL('./generated/definitions.json', import.meta.url), 'utf8')) as Record<string, StoredDef>;
  return stored;
}

/** parseFieldType turns a stored type expression ('int32', '[]#io.k8s...Container', '{}string') into a FieldType. */
export function parseFieldType(t: string): FieldType {
  if (t.startsWith('[]')) return { kind: 'array', items: parseFieldType(t.slice(2)) };
  if (t.startsWith('{}')) return { kind: 'map', values: parseFieldType(t.slice(2)) };
  if (t.startsWith('#')) return { kind: 'ref', name: t.slice(1) };
  switch (t) {
    case 'string': return { kind: 'string' };
    case 'byte': return { kind: 'string', format: 'byte' };
    case 'int32': case 'int64': return { kind: 'integer', format: t };
    case 'double': return { kind: 'number', format: 'double' };
    case 'boolean': return { kind: 'boolean' };
    default: return { kind: 'any' };
  }
}

/** getDefinition returns a definition by its full name, or undefined. */
export function getDefinition(name: string): SchemaDefinition | undefined {
  const cached = parsed.get(name);
  if (cached) return cached;
  const s = load()[name];
  if (!s) return undefined;
  const required = new Set(s.r ?? []);
  const fields = new Map<string, SchemaField>();
  for (const [fname, p] of Object.entries(s.p ?? {})) {
    const f: SchemaField = { name: fname, type: parseFieldType(p.t), required: required.has(fname) };
    if (p.d) f.description = p.d;
    Object.assign(f, PATCH_EXTENSIONS[`${name}.${fname}`]);
    fields.set(fname, f);
  }
  const def: SchemaDefinition = { name, fields };
  if (s.d) def.description = s.d;
  if (s.s) def.scalar = s.s;
  if (s.k) def.gvk = s.k;
  parsed.set(name, def);
  return def;
}

/** definitionNameForKind finds the definition of a top-level kind ('' group for core). */
export function definitionNameForKind(group: string, version: string, kind: string): string | undefined {
  if (!byGVK) {
    byGVK = new Map();
    for (const [name, d] of Object.entries(load())) {
      for (const k of d.k ?? []) byGVK.set(`${k.group}/${k.version}/${k.kind}`, name);
    }
  }
  return byGVK.get(`${group}/${version}/${kind}`);
}

/** definitionForKind is definitionNameForKind followed by getDefinition. */
export function definitionForKind(group: string, version: string, kind: string): SchemaDefinition | undefined {
  const n = definitionNameForKind(group, version, kind);
  return n ? getDefinition(n) : undefined;
}

/** allDefinitionNames lists every known definition name, sorted. */
export function allDefinitionNames(): string[] {
  return Object.keys(load());
}

/** shortName is the last segment of a definition name ('io.k8s.api.core.v1.Pod' → 'Pod'). */
export function shortName(defName: string): string {
  return defName.slice(defName.lastIndexOf('.') + 1);
}

/**
 * referencedDefinitions returns the given definitions and every definition they reach through
 * fields, in a stable (sorted) order.
 */
export function referencedDefinitions(roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const def = getDefinition(name);
    if (!def) return;
    seen.add(name);
    for (const f of def.fields.values()) {
      const r = innermostRef(f.type);
      if (r) visit(r);
    }
  };
  for (const r of roots) visit(r);
  return [...seen].sort();
}

/** innermostRef returns the definition a field type refers to through arrays and maps, if any. */
export function innermostRef(t: FieldType): string | undefined {
  if (t.kind === 'ref') return t.name;
  if (t.kind === 'array') return innermostRef(t.items);
  if (t.kind === 'map') return innermostRef(t.values);
  return undefined;
}
