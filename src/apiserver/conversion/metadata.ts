/**
 * What a conversion webhook may change in metadata (apiextensions-apiserver's webhook converter):
 * nothing but labels and annotations. The converted object's name, namespace and uid must be the
 * original's; its metadata is then the original's again with the webhook's labels and annotations,
 * which are validated when they changed.
 */
import type { KubeObject } from '../../api/resource.js';
import { fieldErrorMessage, type FieldError } from '../../apimachinery/errors.js';
import { validateAnnotations, validateLabels } from '../../api/validation/labels.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** goTypeName names a JSON value's Go type as %T prints it in unstructured content. */
function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** aggregate is utilerrors.Aggregate's Error(): one message, or several in brackets. */
function aggregate(errs: FieldError[]): string {
  const msgs = [...new Set(errs.map(fieldErrorMessage))];
  return msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
}

const metaOf = (o: KubeObject): Obj => (isObj(o.metadata) ? o.metadata as Obj : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** validateConvertedObject: kind, name, namespace and uid are the original's (else the reason). */
export function validateConvertedObject(original: KubeObject, converted: KubeObject): string | undefined {
  if (str(original.kind) !== str(converted.kind)) return `must have the same kind: ${str(original.kind)} != ${str(converted.kind)}`;
  const [a, b] = [metaOf(original), metaOf(converted)];
  for (const [field, label] of [['name', 'name'], ['namespace', 'namespace'], ['uid', 'UID']] as const) {
    if (str(a[field]) !== str(b[field])) return `must have the same ${label}: ${str(a[field])} != ${str(b[field])}`;
  }
  return undefined;
}

/**
 * restoreObjectMeta gives converted the original's metadata, keeping converted's labels and
 * annotations (validated when changed); returns the reason when they cannot be kept.
 */
export function restoreObjectMeta(original: KubeObject, converted: KubeObject): string | undefined {
  if (!('metadata' in converted)) return 'missing metadata in converted object';
  const response = converted.metadata as unknown;
  if (!isObj(response)) return `invalid metadata of type ${goTypeName(response)} in converted object`;
  const restored: Obj = isObj(original.metadata) ? structuredClone(original.metadata) as Obj : {};
  for (const field of ['labels', 'annotations'] as const) {
    const sent = response[field];
    if (sent === undefined || sent === null) {
      delete restored[field];
      continue;
    }
    if (!isObj(sent)) return `invalid metadata.${field} of type ${goTypeName(sent)} in converted object`;
    const before = restored[field];
    if (before !== undefined && before !== null && !isObj(before)) return `invalid metadata.${field} of type ${goTypeName(before)} in original object`;
    const orig: Obj = isObj(before) ? before : {};
    let changed = Object.keys(orig).length !== Object.keys(sent).length;
    for (const [k, v] of Object.entries(sent)) {
      if (typeof v !== 'string') return `metadata.${field}[${k}] must be a string, but is ${goTypeName(v)} in converted object`;
      if (orig[k] !== v) changed = true;
    }
    if (changed) {
      const errs = field === 'labels' ? validateLabels(sent, 'metadata.labels') : validateAnnotations(sent, 'metadata.annotation');
      if (errs.length) return aggregate(errs);
    }
    restored[field] = sent;
  }
  converted.metadata = restored;
  return undefined;
}
