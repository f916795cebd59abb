/**
 * The CEL type of a structural schema node, as Kubernetes' SchemaDeclType builds it: objects with
 * properties are object types whose fields are the (escaped) property names, objects with
 * additionalProperties are map(string, T), arrays are list(T), int-or-string is dyn, strings with
 * format byte/duration/date/date-time are bytes/duration/timestamp. A resource root (and every
 * x-kubernetes-embedded-resource) also has apiVersion, kind and metadata.name/generateName.
 * Object types are named after the rule's scope (`selfType123.spec`) as Kubernetes names them.
 */
import type { JSONSchemaProps } from '../types.js';
import { additionalPropertiesOf, itemsOf } from './structural.js';
import { listOf, mapOf, T, type CelT } from './cel-types.js';

const RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/**
 * escapeName maps a property name to the CEL field name Kubernetes exposes (`namespace` →
 * `__namespace__`, `a-b` → `a__dash__b`, `a.b` → `a__dot__b`, `a/b` → `a__slash__b`, `__` →
 * `__underscores__`); undefined when the property cannot be accessed from CEL.
 */
export function escapeName(ident: string): string | undefined {
  if (!ident || /^[0-9]/.test(ident)) return undefined;
  if (RESERVED.has(ident)) return `__${ident}__`;
  if (!/^[a-zA-Z0-9_./-]*$/.test(ident)) return undefined;
  return ident.replace(/__|[./-]/g, (s) => ({ '__': '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' } as Record<string, string>)[s]);
}

/** unescapeName reverses escapeName (for messages and field paths). */
export function unescapeName(escaped: string): string {
  return escaped.replace(/__([^_]+)__/g, (m, inner: string) => {
    switch (inner) {
      case 'underscores': return '__';
      case 'dot': return '.';
      case 'dash': return '-';
      case 'slash': return '/';
      default: return RESERVED.has(inner) ? inner : m;
    }
  });
}

const withMeta = new WeakMap<JSONSchemaProps, JSONSchemaProps>();

/** withTypeAndObjectMeta adds apiVersion, kind and metadata{name,generateName} (model.WithTypeAndObjectMeta); memoized per schema node. */
export function withTypeAndObjectMeta(s: JSONSchemaProps): JSONSchemaProps {
  const p = s.properties ?? {};
  if (p.kind?.type === 'string' && p.apiVersion?.type === 'string' && p.metadata?.type === 'object'
    && p.metadata.properties?.name?.type === 'string' && p.metadata.properties?.generateName?.type === 'string') return s;
  let r = withMeta.get(s);
  if (!r) withMeta.set(s, (r = build(s, p)));
  return r;
}

function build(s: JSONSchemaProps, p: Record<string, JSONSchemaProps>): JSONSchemaProps {
  return {
    ...s,
    properties: {
      ...p,
      kind: { type: 'string' },
      apiVersion: { type: 'string' },
      metadata: { type: 'object', properties: { name: { type: 'string' }, generateName: { type: 'string' } } },
    },
  };
}

/**
 * schemaDeclType returns the CEL type of a schema node (undefined when Kubernetes has none, e.g. an
 * array without items or a schema without a type). `name` names object types (`selfType123`).
 */
export function schemaDeclType(s: JSONSchemaProps | undefined, isResourceRoot: boolean, name: string): CelT | undefined {
  if (!s) return undefined;
  if (s['x-kubernetes-int-or-string']) return T.dyn;
  const sch = isResourceRoot ? withTypeAndObjectMeta(s) : s;
  switch (sch.type) {
    case 'array': {
      const items = itemsOf(sch);
      if (!items) return undefined;
      const elem = schemaDeclType(items, !!items['x-kubernetes-embedded-resource'], `${name}.@idx`);
      return elem ? listOf(elem) : undefined;
    }
    case 'object': {
      const ap = additionalPropertiesOf(sch);
      if (ap.schema) {
        const v = schemaDeclType(ap.schema, !!ap.schema['x-kubernetes-embedded-resource'], `${name}.@elem`);
        return v ? mapOf(T.string, v) : undefined;
      }
      const fields = new Map<string, CelT>();
      for (const [k, prop] of Object.entries(sch.properties ?? {})) {
        const field = escapeName(k);
        if (!field) continue;
        const ft = schemaDeclType(prop, !!prop['x-kubernetes-embedded-resource'], `${name}.${field}`);
        if (ft) fields.set(field, ft);
      }
      return { kind: 'struct', name, fields };
    }
    case 'string':
      switch (sch.format) {
        case 'byte': return T.bytes;
        case 'duration': return T.duration;
        case 'date': case 'date-time': return T.timestamp;
        default: return T.string;
      }
    case 'boolean': return T.bool;
    case 'number': return T.double;
    case 'integer': return T.int;
    default: return undefined;
  }
}
