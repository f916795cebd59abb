/**
 * Server-side apply's request checks (apiserver's applyPatcher and the field manager's typed
 * conversion of the patch); the merge by field ownership is fieldmanager/'s (see resource-handler.ts).
 *
 * Order of the checks, as Kubernetes makes them: fieldManager is required; the YAML is decoded
 * leniently (a duplicate key: the last one wins); apiVersion/kind must be the URL's; the patch is
 * converted to the kind's schema, where a field the schema does not declare is an error whatever
 * fieldValidation says; then, with fieldValidation Strict or Warn, the YAML is decoded again
 * strictly and its duplicate keys are an error (Strict) or warnings (Warn).
 */
import YAML from 'yaml';
import type { KubeObject, ResourceDefinition } from '../api/resource.js';
import { checkFields } from '../api/schema/index.js';
import { StatusError, badRequest } from '../apimachinery/errors.js';

/** APPLY_PATCH_TYPE is server-side apply's media type. */
export const APPLY_PATCH_TYPE = 'application/apply-patch+yaml';

/** isApplyPatch says whether a request's Content-Type is an apply patch. */
export function isApplyPatch(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === APPLY_PATCH_TYPE;
}

/**
 * strictYAMLError is what sigs.k8s.io/yaml's UnmarshalStrict (over yaml.v2) says of a document with
 * repeated mapping keys, one line per repeat at its 1-based line; undefined when there is none.
 */
export function strictYAMLError(text: string): string | undefined {
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  const lines: string[] = [];
  for (const e of doc.errors) {
    if (e.code !== 'DUPLICATE_KEY') continue;
    const line = e.linePos?.[0]?.line ?? 0;
    // the key is the text at the error's offset up to its colon
    const key = text.slice(e.pos[0]).split(/:(\s|$)/)[0].trim().replace(/^["']|["']$/g, '');
    lines.push(`  line ${line}: key ${JSON.stringify(key)} already set in map`);
  }
  if (!lines.length) return undefined;
  return `error converting YAML to JSON: yaml: unmarshal errors:\n${lines.join('\n')}`;
}

/** decodeApplyPatch reads an apply patch body leniently, as the apply patcher's yaml.Unmarshal does. */
export function decodeApplyPatch(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    const doc = YAML.parseDocument(text, { uniqueKeys: false });
    const err = doc.errors[0];
    if (err) throw new Error(err.message.split('\n')[0]);
    value = doc.toJS();
  } catch (e) {
    throw badRequest(`error decoding YAML: error converting YAML to JSON: ${(e as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type map[string]interface {}`);
  }
  return value as Record<string, unknown>;
}

/**
 * undeclaredFields lists the fields of obj its kind's schema does not declare, as the field
 * manager's typed conversion finds them (`.spec.x`). A custom resource's schema decides for it
 * (x-kubernetes-preserve-unknown-fields declares everything below it); a built-in kind's Go
 * schema for the rest. obj is not changed.
 */
export function undeclaredFields(def: ResourceDefinition, obj: KubeObject): { paths: string[]; typeError?: string } {
  const copy = structuredClone(obj);
  if (def.customResource) {
    const r = def.customResource.coerceRequest(copy);
    return { paths: r.unknownFields.map((p) => `.${p}`), typeError: r.error };
  }
  const r = checkFields(def.group, def.version, def.kind, copy, 'Warn');
  if (r.error) return { paths: [], typeError: r.error };
  const paths = r.warnings.map((w) => /^unknown field "(.*)"$/.exec(w)?.[1]).filter((p): p is string => p !== undefined).map((p) => `.${p}`);
  return { paths };
}

/** ApplyRequest is what an apply patch asks for once checked. */
export interface ApplyRequest {
  /** the applied configuration, with the URL's name (and namespace) */
  obj: KubeObject;
  warnings: string[];
}

/**
 * checkApplyPatch makes the apply patcher's checks of a request (see the module comment) and
 * returns the applied object, or throws the Status error Kubernetes answers.
 */
export function checkApplyPatch(def: ResourceDefinition, body: Buffer, url: URL, ns: string | undefined, name: string, validation: 'Strict' | 'Warn' | 'Ignore'): ApplyRequest {
  const manager = url.searchParams.get('fieldManager') ?? '';
  if (!manager) {
    throw new StatusError(422, 'Invalid', `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`, {
      kind: 'PatchOptions', group: 'meta.k8s.io', name: '',
      causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }],
    });
  }
  const text = body.toString('utf8');
  const obj = decodeApplyPatch(text) as KubeObject;
  const wantAV = def.group ? `${def.group}/${def.version}` : def.version;
  if (obj.apiVersion !== wantAV) {
    throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${String(obj.apiVersion ?? '')}, expected: ${wantAV}`);
  }
  if (obj.kind !== def.kind) {
    throw badRequest(`Incorrect kind specified in apply patch. Specified patch kind: ${String(obj.kind ?? '')}, expected: ${def.kind}`);
  }
  const meta = (obj.metadata && typeof obj.metadata === 'object' && !Array.isArray(obj.metadata) ? obj.metadata : (obj.metadata = {})) as Record<string, unknown>;
  if (meta.name !== undefined && meta.name !== name) {
    throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
  }
  if (ns !== undefined && meta.namespace !== undefined && meta.namespace !== ns) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const undeclared = undeclaredFields(def, obj);
  const gvk = `${def.group}/${def.version}, Kind=${def.kind}`;
  if (undeclared.typeError) {
    throw new StatusError(500, '', `failed to create typed patch object (${ns ?? ''}/${name}; ${gvk}): ${undeclared.typeError}`);
  }
  if (undeclared.paths.length) {
    const detail = undeclared.paths.length === 1
      ? `${undeclared.paths[0]}: field not declared in schema`
      : `errors:\n${undeclared.paths.map((p) => `  ${p}: field not declared in schema`).join('\n')}`;
    throw new StatusError(500, '', `failed to create typed patch object (${ns ?? ''}/${name}; ${gvk}): ${detail}`);
  }
  const warnings: string[] = [];
  if (validation !== 'Ignore') {
    const strict = strictYAMLError(text);
    if (strict && validation === 'Strict') throw badRequest(`error strict decoding YAML: ${strict}`);
    if (strict) warnings.push(strict);
  }
  meta.name = name;
  if (ns !== undefined) meta.namespace = ns;
  // decode as a create body is decoded (metadata as ObjectMeta, values as their types)
  if (def.customResource) def.customResource.coerceRequest(obj);
  else checkFields(def.group, def.version, def.kind, obj, 'Ignore');
  return { obj, warnings };
}
