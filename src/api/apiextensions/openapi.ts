/**
 * OpenAPI definitions of a custom resource version (apiextensions' openapi builder): the kind's
 * schema is the version's structural schema with int-or-string unfolded, metadata a reference to
 * ObjectMeta, apiVersion/kind from TypeMeta, embedded resources completed, and its
 * x-kubernetes-group-version-kind; the list kind wraps it. OpenAPI v2 drops what Swagger 2.0
 * cannot say (allOf/anyOf/oneOf/not, nullable fields' types, preserved-unknown-fields' structure).
 */
import type { CustomResourceDefinition, JSONSchemaProps } from './types.js';
import { structuralConversionError, validateStructural } from './schema/structural-validation.js';
import { FieldPath } from './schema/path.js';

type Schema = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const API_VERSION_DOC = 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DOC = 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const EMBEDDED_API_VERSION_DOC = 'apiVersion defines the versioned schema of this representation of an object. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const EMBEDDED_KIND_DOC = 'kind is a string value representing the type of this object. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DOC = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_METADATA_DOC = 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/** modelName is the definition name of a kind: the group reversed, version, kind (com.example.stable.v1.CronTab). */
export function modelName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

function ref(name: string, dialect: 'v2' | 'v3', description?: string): Schema {
  const target = dialect === 'v3' ? `#/components/schemas/${name}` : `#/definitions/${name}`;
  if (!description) return { $ref: target };
  return dialect === 'v3' ? { description, allOf: [{ $ref: target }] } : { description, $ref: target };
}

/** unfold turns x-kubernetes-int-or-string into its anyOf (Structural.Unfold). */
function unfold(s: JSONSchemaProps): JSONSchemaProps {
  const out: JSONSchemaProps = { ...s };
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, unfold(v)]));
  if (s.items && !Array.isArray(s.items)) out.items = unfold(s.items);
  if (typeof s.additionalProperties === 'object') out.additionalProperties = unfold(s.additionalProperties);
  if (s['x-kubernetes-int-or-string']) {
    const pattern = (xs: JSONSchemaProps[] | undefined) => xs?.length === 2 && xs[0].type === 'integer' && xs[1].type === 'string';
    if (!pattern(s.anyOf) && !pattern(s.allOf?.[0]?.anyOf)) {
      if (!s.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
      else out.allOf = [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }, ...(s.allOf ?? [])];
    }
  }
  return out;
}

/** toV2 strips what OpenAPI v2 cannot carry (ToStructuralOpenAPIV2). */
function toV2(s: JSONSchemaProps): JSONSchemaProps {
  const out: JSONSchemaProps = { ...s };
  delete out.allOf; delete out.oneOf; delete out.anyOf; delete out.not;
  if (out.nullable) {
    delete out.type; delete out.nullable; delete out.items; delete out.properties;
  }
  if (out['x-kubernetes-preserve-unknown-fields']) {
    delete out.items; delete out.properties;
    if (out.type === 'object') delete out.type;
  }
  if (out.items && !Array.isArray(out.items)) out.items = toV2(out.items);
  if (!out.items && out.type === 'array') delete out.type;
  if (out.properties) {
    const nullable = Object.entries(s.properties ?? {}).filter(([, v]) => v.nullable).map(([k]) => k);
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, toV2(v)]));
    if (nullable.length && out.required) {
      out.required = out.required.filter((r) => !nullable.includes(r));
      if (!out.required.length) delete out.required;
    }
  }
  if (typeof out.additionalProperties === 'object') {
    if (out.additionalProperties.nullable) delete out.required;
    out.additionalProperties = toV2(out.additionalProperties);
  }
  return out;
}

/** addEmbedded completes embedded resources with apiVersion, kind and metadata. */
function addEmbedded(s: Schema, dialect: 'v2' | 'v3'): void {
  const props = s.properties as Record<string, Schema> | undefined;
  if (props) for (const v of Object.values(props)) addEmbedded(v, dialect);
  if (s.items && typeof s.items === 'object' && !Array.isArray(s.items)) addEmbedded(s.items as Schema, dialect);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') addEmbedded(s.additionalProperties as Schema, dialect);
  if (s['x-kubernetes-preserve-unknown-fields'] && dialect === 'v2') return;
  if (s['x-kubernetes-embedded-resource']) {
    const p = (s.properties ??= {}) as Record<string, Schema>;
    p.apiVersion = { type: 'string', description: EMBEDDED_API_VERSION_DOC };
    p.kind = { type: 'string', description: EMBEDDED_KIND_DOC };
    p.metadata = ref(`${META}ObjectMeta`, dialect, METADATA_DOC);
    const req = (s.required as string[] | undefined) ?? [];
    if (!req.includes('kind')) req.push('kind');
    if (!req.includes('apiVersion')) req.push('apiVersion');
    s.required = req;
  }
}

function structuralSchemaOf(crd: CustomResourceDefinition, version: string): JSONSchemaProps | undefined {
  const s = crd.spec.versions.find((v) => v.name === version)?.schema?.openAPIV3Schema;
  if (!s || structuralConversionError(s)) return undefined;
  if (validateStructural(FieldPath.nil(), s).length) return undefined;
  return s;
}

/** openapiSchemas returns the kind and list definitions of one CRD version in an OpenAPI dialect. */
export function openapiSchemas(crd: CustomResourceDefinition, version: string, dialect: 'v2' | 'v3'): { kind: string; list: string; schemas: Record<string, unknown> } {
  const { group, names } = crd.spec;
  const kind = crd.status?.acceptedNames?.kind || names.kind;
  const listKind = crd.status?.acceptedNames?.listKind || names.listKind || `${kind}List`;
  const kindName = modelName(group, version, kind);
  const listName = modelName(group, version, listKind);
  const structural = structuralSchemaOf(crd, version);
  let schema: Schema;
  if (!structural || (dialect === 'v2' && (structural['x-kubernetes-preserve-unknown-fields'] || crd.spec.preserveUnknownFields))) {
    schema = { type: 'object' };
  } else {
    let s = unfold(structural);
    if (dialect === 'v2') s = toV2(s);
    schema = structuredClone(s) as Schema;
    const props = (schema.properties ??= {}) as Record<string, Schema>;
    props.metadata = ref(`${META}ObjectMeta`, dialect, METADATA_DOC);
    props.apiVersion = { description: API_VERSION_DOC, type: 'string' };
    props.kind = { description: KIND_DOC, type: 'string' };
    addEmbedded(schema, dialect);
  }
  schema['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
  const selectable = crd.spec.versions.find((v) => v.name === version)?.selectableFields;
  if (selectable?.length) schema['x-kubernetes-selectable-fields'] = selectable.map((f) => ({ fieldPath: f.jsonPath.replace(/^\./, '') }));
  const list: Schema = {
    description: `${listKind} is a list of ${kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { description: API_VERSION_DOC, type: 'string' },
      items: { description: `List of ${names.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: ref(kindName, dialect) },
      kind: { description: KIND_DOC, type: 'string' },
      metadata: ref(`${META}ListMeta`, dialect, LIST_METADATA_DOC),
    },
    'x-kubernetes-group-version-kind': [{ group, kind: listKind, version }],
  };
  if (selectable?.length) list['x-kubernetes-selectable-fields'] = schema['x-kubernetes-selectable-fields'];
  return { kind: kindName, list: listName, schemas: { [kindName]: schema, [listName]: list } };
}
