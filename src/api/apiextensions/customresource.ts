/**
 * customResourceDefinitions turns a CustomResourceDefinition into the ResourceDefinitions the API
 * server serves, one per served version, all over one store in the storage version
 * (apiextensions' customresource strategy, validator and codec):
 * - create drops status when the status subresource is on and starts generation at 1; updates
 *   keep status and bump generation when anything but metadata changed;
 * - validation: the version's openAPIV3Schema, scale replicas, embedded resources, list-type
 *   set/map uniqueness, then x-kubernetes-validations;
 * - request bodies are pruned of unknown fields (paths reported for fieldValidation), their
 *   metadata decoded as ObjectMeta; schema defaults apply on write and on read;
 * - conversion between versions: None rewrites apiVersion; Webhook calls the CRD's conversion
 *   webhook (the API server hands the caller in, CustomResourceContext.convertByWebhook); either
 *   way the target version's schema then prunes and coerces the result.
 */
import { forbidden, type FieldError } from '../../apimachinery/errors.js';
import type { KubeObject, ResourceDefinition, ResourceStrategy } from '../resource.js';
import { parseJSONPath, findResults } from './jsonpath.js';
import { customResourcePrinter } from './printer.js';
import { openapiSchemas } from './openapi.js';
import {
  isConditionTrue, type CustomResourceDefinition, type CustomResourceDefinitionVersion, type JSONSchemaProps,
} from './types.js';
import { FieldPath } from './schema/path.js';
import { validateValue } from './schema/validator.js';
import { prune } from './schema/pruning.js';
import { applyDefaults, pruneNonNullableNullsWithoutDefaults } from './schema/defaulting.js';
import { coerce, coerceObjectMeta, validateEmbeddedResources } from './schema/objectmeta.js';
import { validateListSetsAndMaps } from './schema/listtype.js';
import { schemaHasCELRules, validateCELRules } from './schema/cel.js';
import { goValue } from './schema/goformat.js';
import { isObject } from './schema/structural.js';

/** CUSTOM_RESOURCE_VERBS are what discovery lists for a custom resource, in Kubernetes' order. */
export const CUSTOM_RESOURCE_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

const MAX_INT32 = 2147483647;

function splitPath(p: string): string[] {
  return p.replace(/^\./, '').split('.');
}

function getPath(obj: unknown, path: string[]): { found: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const k of path) {
    if (!isObject(cur) || !(k in cur)) return { found: false };
    cur = cur[k];
  }
  return { found: true, value: cur };
}

function goTypeOf(v: unknown): string {
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'object') return 'map[string]interface {}';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** nestedInt64 reads an int64 as unstructured.NestedInt64 does, with its error wording. */
function nestedInt64(obj: unknown, jsonPath: string): { value: number; error?: string } {
  const path = splitPath(jsonPath);
  const r = getPath(obj, path);
  if (!r.found) return { value: 0 };
  if (typeof r.value !== 'number' || !Number.isInteger(r.value)) {
    return { value: 0, error: `.${path.join('.')} accessor error: ${goValue(r.value)} is of the type ${goTypeOf(r.value)}, expected int64` };
  }
  return { value: r.value };
}

function validateScaleReplicas(obj: KubeObject, jsonPath: string): FieldError[] {
  const r = nestedInt64(obj, jsonPath);
  if (r.error) return [{ type: 'FieldValueInvalid', field: jsonPath, value: 0, detail: r.error }];
  if (r.value < 0) return [{ type: 'FieldValueInvalid', field: jsonPath, value: r.value, detail: 'should be a non-negative integer' }];
  if (r.value > MAX_INT32) return [{ type: 'FieldValueInvalid', field: jsonPath, value: r.value, detail: `should be less than or equal to ${MAX_INT32}` }];
  return [];
}

/** hasBlockingErr: errors after which CEL rules are not run (kube's hasBlockingErr). */
function blockingError(errs: FieldError[]): FieldError | undefined {
  const blocking = errs.some((e) => ['FieldValueNotSupported', 'FieldValueRequired', 'FieldValueTooLong', 'FieldValueTooMany', 'FieldValueTypeInvalid'].includes(e.type));
  return blocking ? { type: 'FieldValueInvalid', field: '<nil>', valueText: '"null"', detail: 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation' } : undefined;
}

function withoutMetadata(o: KubeObject): Record<string, unknown> {
  const { metadata: _m, ...rest } = o;
  return rest;
}

function jsonEq(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

/** CustomResourceContext says what the served definitions need to know beyond the CRD itself. */
export interface CustomResourceContext {
  /** terminating: the CRD is being deleted (creates are forbidden) */
  terminating?: boolean;
  /**
   * convertByWebhook calls the CRD's conversion webhook (strategy Webhook): objects not yet in
   * desiredAPIVersion come back converted, in their places. Without it Webhook acts as None.
   */
  convertByWebhook?: (crd: CustomResourceDefinition, objs: KubeObject[], desiredAPIVersion: string) => Promise<KubeObject[]>;
}

/** customResourceDefinitions builds the served definitions of every served version of a CRD. */
export function customResourceDefinitions(crd: CustomResourceDefinition, ctx: CustomResourceContext = {}): ResourceDefinition[] {
  const spec = crd.spec;
  const storage = spec.versions.find((v) => v.storage)?.name ?? spec.versions[0]?.name;
  const schemas = new Map(spec.versions.map((v) => [v.name, v.schema?.openAPIV3Schema]));
  const terminating = ctx.terminating ?? (!!crd.metadata?.deletionTimestamp || isConditionTrue(crd, 'Terminating'));
  const byWebhook = spec.conversion?.strategy === 'Webhook' ? ctx.convertByWebhook : undefined;
  return spec.versions.filter((v) => v.served).map((v) => versionDefinition(crd, v, storage!, schemas, terminating, byWebhook));
}

function versionDefinition(
  crd: CustomResourceDefinition, v: CustomResourceDefinitionVersion, storage: string,
  schemas: Map<string, JSONSchemaProps | undefined>, terminating: boolean,
  byWebhook?: CustomResourceContext['convertByWebhook'],
): ResourceDefinition {
  const spec = crd.spec;
  const accepted = crd.status?.acceptedNames;
  const group = spec.group;
  const kind = accepted?.kind || spec.names.kind;
  const plural = spec.names.plural;
  const singular = accepted?.singular || spec.names.singular || kind.toLowerCase();
  const namespaced = spec.scope === 'Namespaced';
  const schema = v.schema?.openAPIV3Schema;
  const statusSchema = schema?.properties?.status;
  const hasStatus = !!v.subresources?.status;
  const scale = v.subresources?.scale;
  const preserveUnknown = !!spec.preserveUnknownFields;
  const gr = { group, resource: plural };
  const schemaOf = (obj: KubeObject): JSONSchemaProps | undefined => {
    const av = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
    return schemas.get(av.slice(av.indexOf('/') + 1)) ?? schema;
  };

  const validateObject = (obj: KubeObject): FieldError[] => {
    const errs: FieldError[] = [];
    errs.push(...validateValue(FieldPath.nil(), schema, obj));
    if (scale) {
      errs.push(...validateScaleReplicas(obj, scale.specReplicasPath));
      errs.push(...validateScaleStatus(obj));
    }
    errs.push(...validateEmbeddedResources(FieldPath.nil(), obj, schema));
    errs.push(...validateListSetsAndMaps(FieldPath.nil(), schema, obj as Record<string, unknown>));
    return errs;
  };
  const validateScaleStatus = (obj: KubeObject): FieldError[] => {
    if (!scale) return [];
    const errs = validateScaleReplicas(obj, scale.statusReplicasPath);
    if (scale.labelSelectorPath) {
      const r = getPath(obj, splitPath(scale.labelSelectorPath));
      if (r.found && typeof r.value !== 'string') {
        errs.push({ type: 'FieldValueInvalid', field: scale.labelSelectorPath, value: '', detail: `.${splitPath(scale.labelSelectorPath).join('.')} accessor error: ${goValue(r.value)} is of the type ${goTypeOf(r.value)}, expected string` });
      }
    }
    return errs;
  };
  const hasCEL = schemaHasCELRules(schema);
  // The old object of an update in progress (prepareForUpdate runs before validate): CEL
  // transition rules (oldSelf) and ratcheting need it.
  const updating = new WeakMap<KubeObject, KubeObject>();
  const withCEL = (errs: FieldError[], obj: KubeObject, old?: KubeObject): FieldError[] => {
    // Kubernetes builds a CEL validator only for schemas with rules.
    if (!hasCEL) return errs;
    const block = blockingError(errs);
    if (block) return [...errs, block];
    return [...errs, ...validateCELRules(FieldPath.nil(), schema, obj, old)];
  };

  const strategy: ResourceStrategy = {
    default(obj) {
      if (!preserveUnknown) applyDefaults(obj, schema);
    },
    prepareForCreate(obj) {
      if (terminating) throw forbidden(gr, obj.metadata?.name ?? '', 'create not allowed while custom resource definition is terminating');
      if (hasStatus) delete obj.status;
      (obj.metadata ??= {}).generation = 1;
    },
    prepareForUpdate(obj, old) {
      updating.set(obj, old);
      if (hasStatus) {
        if ('status' in old) obj.status = structuredClone(old.status);
        else delete obj.status;
      }
      const meta = (obj.metadata ??= {});
      const oldGen = old.metadata?.generation ?? 0;
      meta.generation = jsonEq(withoutMetadata(obj), withoutMetadata(old)) ? oldGen : oldGen + 1;
    },
    validate(obj) {
      return withCEL(validateObject(obj), obj, updating.get(obj));
    },
    validateUpdate(obj, old) {
      // validate (run by the store on every update) checked the object; list-type rules ratchet:
      // a list already invalid in the old object is not held against the update.
      void old;
      return [];
    },
  };

  const statusStrategy: ResourceStrategy = {
    prepareForUpdate(obj, old) {
      const status = obj.status;
      const has = 'status' in obj;
      for (const k of Object.keys(obj)) delete obj[k];
      Object.assign(obj, structuredClone(old));
      if (has) obj.status = status;
      else delete obj.status;
    },
    validateUpdate(obj, old) {
      const errs: FieldError[] = [];
      if ('status' in obj) errs.push(...validateValue(FieldPath.root('status'), statusSchema, obj.status));
      errs.push(...validateScaleStatus(obj));
      const listErrs = validateListSetsAndMaps(FieldPath.nil(), schema, obj as Record<string, unknown>);
      if (listErrs.length && !validateListSetsAndMaps(FieldPath.nil(), schema, old as Record<string, unknown>).length) errs.push(...listErrs);
      return withCEL(errs, obj, old);
    },
  };

  const selectableFields: Record<string, (obj: KubeObject) => string | undefined> = {};
  for (const sf of v.selectableFields ?? []) {
    const name = sf.jsonPath.replace(/^\./, '');
    let path: ReturnType<typeof parseJSONPath> | undefined;
    try { path = parseJSONPath(sf.jsonPath); } catch { path = undefined; }
    selectableFields[name] = (obj) => {
      if (!path) return '';
      const r = findResults(path, obj);
      const value = r[0];
      if (value === undefined || value === null) return '';
      return typeof value === 'number' && !Number.isInteger(value) ? String(value) : String(value);
    };
  }

  const coerceRequest = (obj: KubeObject): { unknownFields: string[]; error?: string } => {
    const unknownFields: string[] = [];
    const meta = coerceObjectMeta(obj as Record<string, unknown>, '', false);
    if (meta.error) return { unknownFields, error: meta.error };
    unknownFields.push(...meta.unknown);
    const target = schemaOf(obj);
    if (!preserveUnknown) {
      unknownFields.push(...prune(obj, target, true));
      pruneNonNullableNullsWithoutDefaults(obj, target);
    }
    const c = coerce(FieldPath.nil(), obj, target, false, false);
    unknownFields.push(...c.unknown);
    if (c.error) return { unknownFields, error: `${c.error.field}: ${c.error.detail}` };
    return { unknownFields };
  };

  // A converted object (None or webhook) is pruned and coerced by its new version's schema, as
  // kube's schemaCoercingConverter does after the delegate converter.
  const fitSchema = (out: KubeObject, toVersion: string): KubeObject => {
    const target = schemas.get(toVersion);
    if (!preserveUnknown) {
      prune(out, target, true, false);
      pruneNonNullableNullsWithoutDefaults(out, target);
    }
    coerce(FieldPath.nil(), out, target, false, true);
    return out;
  };

  const def: ResourceDefinition = {
    group, version: v.name, kind, plural, singular, namespaced,
    shortNames: [...(accepted?.shortNames ?? spec.names.shortNames ?? [])],
    categories: [...(accepted?.categories ?? spec.names.categories ?? [])],
    verbs: [...CUSTOM_RESOURCE_VERBS],
    subresources: [...(hasStatus ? ['status'] : []), ...(scale ? ['scale'] : [])],
    strategy,
    statusStrategy: hasStatus ? statusStrategy : undefined,
    table: customResourcePrinter(v.additionalPrinterColumns),
    selectableFields,
    storageVersion: storage,
    convert: (obj, toVersion) => {
      const out = structuredClone(obj);
      out.apiVersion = `${group}/${toVersion}`;
      return fitSchema(out, toVersion);
    },
    convertAsync: byWebhook && (async (objs, toVersion) => {
      const desired = `${group}/${toVersion}`;
      const out = await byWebhook(crd, objs, desired);
      // Only what the webhook returned is fitted: objects already in the version are as stored.
      return out.map((o, i) => (o === objs[i] && o.apiVersion === desired ? o : fitSchema(o, toVersion)));
    }),
    defaultOnRead: (obj) => {
      if (!preserveUnknown) applyDefaults(obj, schemaOf(obj));
    },
    customResource: {
      crdName: crd.metadata?.name ?? `${plural}.${group}`,
      coerceRequest,
      openapi: (dialect) => openapiSchemas(crd, v.name, dialect),
    },
  };
  if (scale) {
    def.scale = {
      specReplicasPath: splitPath(scale.specReplicasPath),
      statusReplicasPath: splitPath(scale.statusReplicasPath),
      labelSelectorPath: scale.labelSelectorPath ? splitPath(scale.labelSelectorPath) : undefined,
    };
  }
  return def;
}
