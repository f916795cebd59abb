/** Label, annotation and label-selector validation with Kubernetes' messages. */
import type { FieldError } from '../../apimachinery/errors.js';
import { isObj, type Obj } from '../common/obj.js';
import { forbidden, invalidField, required, tooLong } from './field.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

/** TOTAL_ANNOTATION_SIZE_LIMIT is Kubernetes' 256 KiB limit on all annotations of one object. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** validateLabelName checks one label key. */
export function validateLabelName(key: string, field: string): FieldError[] {
  return isQualifiedName(key).map((m) => invalidField(field, key, m));
}

/** validateLabels checks every key and value of a label map at `field`. */
export function validateLabels(labels: unknown, field: string): FieldError[] {
  if (!isObj(labels)) return [];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateLabelName(k, field));
    const value = typeof v === 'string' ? v : String(v);
    errs.push(...isValidLabelValue(value).map((m) => invalidField(field, value, m)));
  }
  return errs;
}

/** validateAnnotations checks annotation keys and the total size. */
export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  if (!isObj(annotations)) return [];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    errs.push(...isQualifiedName(k.toLowerCase()).map((m) => invalidField(field, k, m)));
    size += k.length + String(v ?? '').length;
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/** validateLabelSelector checks a metav1.LabelSelector at `field`. */
export function validateLabelSelector(sel: unknown, field: string): FieldError[] {
  if (!isObj(sel)) return [];
  const errs = validateLabels(sel.matchLabels, `${field}.matchLabels`);
  requirements(sel).forEach((e, i) => {
    const p = `${field}.matchExpressions[${i}]`;
    const values = Array.isArray(e.values) ? e.values as string[] : [];
    switch (e.operator) {
      case 'In': case 'NotIn':
        if (values.length === 0) errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists': case 'DoesNotExist':
        if (values.length > 0) errs.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalidField(`${p}.operator`, e.operator ?? '', 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(String(e.key ?? ''), `${p}.key`));
    values.forEach((v, j) => errs.push(...isValidLabelValue(String(v)).map((m) => invalidField(`${p}.values[${j}]`, v, m))));
  });
  return errs;
}

/** isEmptySelector: a selector that selects everything (no labels, no expressions). */
export function isEmptySelector(sel: unknown): boolean {
  if (!isObj(sel)) return true;
  const ml = isObj(sel.matchLabels) ? Object.keys(sel.matchLabels).length : 0;
  const me = Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0;
  return ml === 0 && me === 0;
}

/** selectorMatches reports whether a metav1.LabelSelector selects the given labels. */
export function selectorMatches(sel: unknown, labels: Record<string, string> | undefined): boolean {
  if (!isObj(sel)) return false;
  const l = labels ?? {};
  if (isObj(sel.matchLabels)) {
    for (const [k, v] of Object.entries(sel.matchLabels)) if (l[k] !== v) return false;
  }
  for (const e of requirements(sel)) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const values: string[] = Array.isArray(e.values) ? e.values : [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(l[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(l[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/**
 * requirements returns a selector's matchExpressions, each an object: an element that is not one
 * (null from a client) reads as the empty requirement Go's decoder makes of it, never as a crash.
 */
function requirements(sel: Obj): Obj[] {
  if (!Array.isArray(sel.matchExpressions)) return [];
  return sel.matchExpressions.map((e: unknown) => (isObj(e) ? e : {}));
}
