/**
 * The type information server-side apply walks objects with (structured-merge-diff's schema):
 * structs and maps (granular or atomic), lists (atomic, set, or map keyed by fields) and scalars.
 * Built-in kinds get it from the schema model behind the OpenAPI documents (list types from
 * x-kubernetes-list-type / list-map-keys, else from the strategic-merge patchMergeKey); custom
 * resources from their structural schema.
 */
import type { ResourceDefinition } from '../../api/resource.js';
import { definitionNameForKind, getDefinition, type FieldType, type SchemaField } from '../../api/schema/index.js';

/** ScalarType is what a scalar must be (untyped accepts any JSON scalar). */
export type ScalarType = 'string' | 'numeric' | 'boolean' | 'untyped';

/** TypeNode describes one value's shape; children resolve lazily (schemas are recursive). */
export type TypeNode =
  | { kind: 'scalar'; scalar: ScalarType }
  | { kind: 'struct'; atomic: boolean; field(name: string): TypeNode | undefined; extra?: () => TypeNode }
  | { kind: 'map'; atomic: boolean; element(): TypeNode }
  | { kind: 'list'; listType: 'atomic' | 'set' | 'map'; keys: string[]; element(): TypeNode }
  | { kind: 'untyped' };

export const UNTYPED: TypeNode = { kind: 'untyped' };
const scalar = (s: ScalarType): TypeNode => ({ kind: 'scalar', scalar: s });

/**
 * Structs Kubernetes marks `+structType=atomic`: owned and replaced as a whole (a Deployment's
 * selector is one field in managedFields).
 */
const ATOMIC_STRUCTS = new Set([
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
  'io.k8s.api.core.v1.LocalObjectReference',
  'io.k8s.api.core.v1.NodeSelector',
  'io.k8s.api.core.v1.NodeSelectorTerm',
  'io.k8s.api.core.v1.TopologySelectorTerm',
  'io.k8s.api.core.v1.ConfigMapKeySelector',
  'io.k8s.api.core.v1.SecretKeySelector',
  'io.k8s.api.core.v1.ObjectFieldSelector',
  'io.k8s.api.core.v1.ResourceFieldSelector',
  'io.k8s.api.core.v1.TypedLocalObjectReference',
  'io.k8s.api.core.v1.ObjectReference',
]);

const definitionCache = new Map<string, TypeNode>();

/** definitionType is the TypeNode of a named definition of the schema model. */
export function definitionType(name: string): TypeNode {
  const cached = definitionCache.get(name);
  if (cached) return cached;
  const def = getDefinition(name);
  let node: TypeNode;
  if (!def) node = UNTYPED;
  else if (def.scalar === 'object' || def.scalar === 'any') node = UNTYPED;
  else if (def.scalar) node = scalar('untyped');
  else {
    const fields = new Map<string, TypeNode>();
    node = {
      kind: 'struct',
      atomic: ATOMIC_STRUCTS.has(name),
      field(n) {
        const f = def.fields.get(n);
        if (!f) return undefined;
        let t = fields.get(n);
        if (!t) fields.set(n, (t = fieldType(f, f.type)));
        return t;
      },
    };
  }
  definitionCache.set(name, node);
  return node;
}

/** listTypeOf: x-kubernetes-list-type, else what the patch strategy implies, else atomic. */
function listTypeOf(f: SchemaField): { listType: 'atomic' | 'set' | 'map'; keys: string[] } {
  if (f.listType === 'map') return { listType: 'map', keys: f.listMapKeys ?? (f.patchMergeKey ? [f.patchMergeKey] : []) };
  if (f.listType === 'set' || f.listType === 'atomic') return { listType: f.listType, keys: [] };
  if (f.patchStrategy?.includes('merge')) return f.patchMergeKey ? { listType: 'map', keys: [f.patchMergeKey] } : { listType: 'set', keys: [] };
  return { listType: 'atomic', keys: [] };
}

function fieldType(f: SchemaField, t: FieldType): TypeNode {
  switch (t.kind) {
    case 'string': return scalar('string');
    case 'integer': case 'number': return scalar('numeric');
    case 'boolean': return scalar('boolean');
    case 'any': return UNTYPED;
    case 'ref': return definitionType(t.name);
    case 'map': return { kind: 'map', atomic: false, element: () => fieldType(f, t.values) };
    case 'array': {
      const lt = listTypeOf(f);
      const items = t.items;
      return { kind: 'list', ...lt, element: () => fieldType({ ...f, listType: undefined, patchStrategy: undefined, patchMergeKey: undefined }, items) };
    }
  }
}

/** JSONSchema is the part of an OpenAPI v3 schema the walker reads. */
type JSONSchema = Record<string, unknown>;

/** schemaType turns an OpenAPI v3 (structural) schema into a TypeNode; $refs go to built-in definitions. */
export function schemaType(s: JSONSchema | undefined): TypeNode {
  if (!s) return UNTYPED;
  const ref = (s.$ref as string | undefined) ?? ((s.allOf as JSONSchema[] | undefined)?.[0]?.$ref as string | undefined);
  if (ref) return definitionType(ref.slice(ref.lastIndexOf('/') + 1));
  if (s['x-kubernetes-int-or-string']) return scalar('untyped');
  const type = s.type as string | undefined;
  const props = s.properties as Record<string, JSONSchema> | undefined;
  const ap = s.additionalProperties;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  switch (type) {
    case 'string': return scalar('string');
    case 'integer': case 'number': return scalar('numeric');
    case 'boolean': return scalar('boolean');
    case 'array': {
      const lt = s['x-kubernetes-list-type'] as string | undefined;
      const listType = lt === 'map' || lt === 'set' ? lt : 'atomic';
      const items = s.items as JSONSchema | undefined;
      return { kind: 'list', listType, keys: listType === 'map' ? [...((s['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [])] : [], element: () => schemaType(items) };
    }
  }
  const atomic = s['x-kubernetes-map-type'] === 'atomic';
  if (ap && typeof ap === 'object' && !props) return { kind: 'map', atomic, element: () => schemaType(ap as JSONSchema) };
  if (props || s['x-kubernetes-embedded-resource']) {
    const cache = new Map<string, TypeNode>();
    const embedded = !!s['x-kubernetes-embedded-resource'];
    return {
      kind: 'struct', atomic,
      field(n) {
        const p = props?.[n];
        if (!p) {
          if (embedded && n === 'metadata') return definitionType('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
          if (embedded && (n === 'apiVersion' || n === 'kind')) return scalar('string');
          return undefined;
        }
        let t = cache.get(n);
        if (!t) cache.set(n, (t = schemaType(p)));
        return t;
      },
      extra: preserve ? () => UNTYPED : undefined,
    };
  }
  return UNTYPED;
}

const resourceCache = new WeakMap<ResourceDefinition, TypeNode>();

/** resourceType is the TypeNode of a served resource's objects. */
export function resourceType(def: ResourceDefinition): TypeNode {
  let t = resourceCache.get(def);
  if (t) return t;
  if (def.customResource) {
    const o = def.customResource.openapi('v3');
    t = schemaType(o.schemas[o.kind] as JSONSchema | undefined);
    if (t.kind === 'untyped') {
      // No structural schema: everything but metadata is deduced from the value.
      t = { kind: 'struct', atomic: false, field: (n) => (n === 'metadata' ? definitionType('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') : UNTYPED) };
    }
  } else {
    const name = definitionNameForKind(def.group, def.version, def.kind);
    t = name ? definitionType(name) : UNTYPED;
  }
  resourceCache.set(def, t);
  return t;
}
