/**
 * checkCustomResourceFields is what the CRD codec does to a request body (apiextensions'
 * schemaCoercingDecoder): duplicate JSON fields and the unknown fields pruning removes are
 * errors (fieldValidation=Strict), warnings (Warn) or ignored (Ignore); malformed metadata is
 * always an error. The object is left pruned, as it will be stored.
 */
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import { duplicateFieldPaths, type FieldCheckResult, type FieldValidationMode } from '../../api/schema/index.js';

/** checkCustomResourceFields decodes a custom resource body in place and reports field problems. */
export function checkCustomResourceFields(def: ResourceDefinition, obj: KubeObject, mode: FieldValidationMode, raw?: string): FieldCheckResult {
  const hooks = def.customResource!;
  const duplicates = raw !== undefined && mode !== 'Ignore' ? duplicateFieldPaths(raw).map((p) => `duplicate field "${p}"`) : [];
  const r = hooks.coerceRequest(obj);
  if (r.error) {
    return { error: r.error.startsWith('json:') ? r.error : `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${r.error}`, warnings: [] };
  }
  if (mode === 'Ignore') return { warnings: [] };
  const problems = [...duplicates, ...r.unknownFields.map((p) => `unknown field "${p}"`)];
  if (!problems.length) return { warnings: [] };
  if (mode === 'Warn') return { warnings: problems };
  return { error: `strict decoding error: ${problems.join(', ')}`, warnings: [] };
}

/** CUSTOM_RESOURCE_PATCH_TYPES are the patch media types a custom resource accepts (no strategic merge). */
export const CUSTOM_RESOURCE_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
