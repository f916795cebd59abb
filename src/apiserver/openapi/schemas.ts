/**
 * schemas turns the schema model (src/api/schema) into OpenAPI schema objects, in the dialect of
 * either OpenAPI v3 (components.schemas, `allOf: [$ref]` for described references) or v2
 * (Swagger definitions, plain `$ref`).
 */
import { getDefinition, type FieldType, type SchemaDefinition, type SchemaField } from '../../api/schema/index.js';

/** OpenAPIDialect selects reference style and where definitions live. */
export type OpenAPIDialect = 'v2' | 'v3';

type Schema = Record<string, unknown>;

function refTo(name: string, dialect: OpenAPIDialect): string {
  return dialect === 'v3' ? `#/components/schemas/${name}` : `#/definitions/${name}`;
}

/** typeSchema renders a field type; `described` means a description will sit beside it (v3 then wraps refs in allOf). */
function typeSchema(t: FieldType, dialect: OpenAPIDialect, described: boolean): Schema {
  switch (t.kind) {
    case 'string': return t.format ? { type: 'string', format: t.format } : { type: 'string' };
    case 'integer': return { type: 'integer', format: t.format };
    case 'number': return { type: 'number', format: 'double' };
    case 'boolean': return { type: 'boolean' };
    case 'any': return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    case 'array': return { type: 'array', items: typeSchema(t.items, dialect, false) };
    case 'map': return { type: 'object', additionalProperties: typeSchema(t.values, dialect, false) };
    case 'ref': {
      const def = getDefinition(t.name);
      const objectLike = def && (!def.scalar || def.scalar === 'object');
      if (dialect === 'v2') return { $ref: refTo(t.name, dialect) };
      if (described || objectLike) return objectLike ? { allOf: [{ $ref: refTo(t.name, dialect) }], default: {} } : { allOf: [{ $ref: refTo(t.name, dialect) }] };
      return { $ref: refTo(t.name, dialect) };
    }
  }
}

function fieldSchema(f: SchemaField, dialect: OpenAPIDialect): Schema {
  const s: Schema = {};
  if (f.description) s.description = f.description;
  Object.assign(s, typeSchema(f.type, dialect, !!f.description));
  if (f.listMapKeys && f.listType === 'map') s['x-kubernetes-list-map-keys'] = f.listMapKeys;
  if (f.listType) s['x-kubernetes-list-type'] = f.listType;
  if (f.patchMergeKey) s['x-kubernetes-patch-merge-key'] = f.patchMergeKey;
  if (f.patchStrategy) s['x-kubernetes-patch-strategy'] = f.patchStrategy;
  return s;
}

/** definitionSchema renders one named definition. */
export function definitionSchema(def: SchemaDefinition, dialect: OpenAPIDialect): Schema {
  const s: Schema = {};
  if (def.description) s.description = def.description;
  switch (def.scalar) {
    // v3 states the two JSON types these accept; kubectl explain then names them by their definition
    case 'quantity': return dialect === 'v3' ? { ...s, oneOf: [{ type: 'string' }, { type: 'number' }] } : { ...s, type: 'string' };
    case 'int-or-string': return dialect === 'v3' ? { ...s, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } : { ...s, type: 'string', format: 'int-or-string' };
    case 'date-time': return { ...s, type: 'string', format: 'date-time' };
    case 'object': return { ...s, type: 'object' };
    case 'any': return { ...s, 'x-kubernetes-preserve-unknown-fields': true };
  }
  s.type = 'object';
  const props: Record<string, Schema> = {};
  for (const f of def.fields.values()) props[f.name] = fieldSchema(f, dialect);
  s.properties = props;
  const required = [...def.fields.values()].filter((f) => f.required).map((f) => f.name);
  if (required.length) s.required = required;
  if (def.gvk) s['x-kubernetes-group-version-kind'] = def.gvk.map((k) => ({ group: k.group, kind: k.kind, version: k.version }));
  return s;
}

/** definitionSchemas renders the named definitions (unknown names are skipped). */
export function definitionSchemas(names: string[], dialect: OpenAPIDialect): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const n of names) {
    const d = getDefinition(n);
    if (d) out[n] = definitionSchema(d, dialect);
  }
  return out;
}
