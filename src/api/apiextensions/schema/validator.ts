/**
 * The value validator behind custom resources: what kube-openapi's validate.SchemaValidator does
 * with a CRD's openAPIV3Schema (type, format, enum, numeric bounds, lengths, patterns, items,
 * properties, required, additionalProperties, allOf/anyOf/oneOf/not), with its messages
 * ("spec.replicas in body should be greater than or equal to 1"), and the translation of its
 * result into Kubernetes field errors that apiextensions-apiserver makes.
 *
 * Values are decoded JSON: a number that is an integer counts as Go's int64, any other as float64.
 */
import type { FieldError } from '../../../apimachinery/errors.js';
import type { JSONSchemaProps } from '../types.js';
import { FieldPath } from './path.js';
import { goFloat, goValue } from './goformat.js';
import { checkFormat, effectiveFormat, isKnownFormat } from './formats.js';
import { goValueText } from './gosyntax.js';
import { compileGoRegexp } from './regexp.js';
import { goQuote } from '../../../util/go-quote.js';

/** ValidationCode names kube-openapi's error codes that the field-error translation tells apart. */
type ValidationCode =
  | 'InvalidType' | 'Required' | 'TooLong' | 'TooShort' | 'Pattern' | 'Enum' | 'MultipleOf' | 'Max' | 'Min'
  | 'Unique' | 'MaxItems' | 'MinItems' | 'TooFewProperties' | 'TooManyProperties' | 'UnallowedProperty'
  | 'MultipleOfMustBePositive';

/** SchemaError is one validation error: a typed one (errors.Validation) or a plain message (errors.New / fmt.Errorf). */
export type SchemaError =
  | { kind: 'validation'; code: ValidationCode; name: string; value?: unknown; valid?: number; values?: unknown[]; message: string }
  | { kind: 'plain'; message: string };

/** ValidationResult is a validate.Result: errors (deduplicated by message) and how much matched. */
export interface ValidationResult { errors: SchemaError[]; matchCount: number }

const IN = 'body';

function newResult(): ValidationResult {
  return { errors: [], matchCount: 0 };
}

function addErrors(r: ValidationResult, ...errs: SchemaError[]): void {
  for (const e of errs) if (!r.errors.some((x) => x.message === e.message)) r.errors.push(e);
}

function merge(r: ValidationResult, ...others: (ValidationResult | undefined)[]): ValidationResult {
  for (const o of others) {
    if (!o) continue;
    addErrors(r, ...o.errors);
    r.matchCount += o.matchCount;
  }
  return r;
}

function msgIn(name: string, tail: string): string {
  return `${name} in ${IN} ${tail}`;
}

/** invalidType is errors.InvalidType: a string value is quoted into the message. */
function invalidType(name: string, typeName: string, value: unknown): SchemaError {
  const message = typeof value === 'string'
    ? msgIn(name, `must be of type ${typeName}: ${goQuote(value)}`)
    : msgIn(name, `must be of type ${typeName}`);
  return { kind: 'validation', code: 'InvalidType', name, value, message };
}

type DataKind = 'null' | 'boolean' | 'int' | 'float' | 'string' | 'array' | 'object';

function kindOf(v: unknown): DataKind {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** schemaTypes is the schema's type list as kube-openapi sees it (int-or-string is integer,string). */
function schemaTypes(s: JSONSchemaProps): string[] {
  if (s['x-kubernetes-int-or-string']) return ['integer', 'string'];
  return s.type ? [s.type] : [];
}

/**
 * validateSchema validates data against s at kube-openapi path `path` ('' at the root), running
 * the validators in kube-openapi's order: type, allOf/anyOf/oneOf/not, string, format, number,
 * slice, enum, object.
 */
export function validateSchema(s: JSONSchemaProps, data: unknown, path = ''): ValidationResult {
  const result = newResult();
  const types = schemaTypes(s);
  const format = effectiveFormat(s.type, s.format);
  const kind = kindOf(data);
  if (kind === 'null') {
    merge(result, typeValidator(types, !!s.nullable, format, path, data));
    merge(result, enumValidator(s, path, data));
    return result;
  }
  if (types.length > 0 || format) { merge(result, typeValidator(types, !!s.nullable, format, path, data)); result.matchCount++; }
  merge(result, schemaPropsValidator(s, path, data)); result.matchCount++;
  if (kind === 'string') { merge(result, stringValidator(s, path, data as string)); result.matchCount++; }
  if (kind === 'string' && isKnownFormat(format)) { merge(result, formatValidator(format, path, data as string)); result.matchCount++; }
  if (kind === 'int' || kind === 'float') { merge(result, numberValidator(s, types, format, path, data as number)); result.matchCount++; }
  if (kind === 'array') { merge(result, sliceValidator(s, path, data as unknown[])); result.matchCount++; }
  merge(result, enumValidator(s, path, data)); result.matchCount++;
  if (kind === 'object') { merge(result, objectValidator(s, path, data as Record<string, unknown>)); result.matchCount++; }
  result.matchCount++;
  return result;
}

function typeValidator(types: string[], nullable: boolean, format: string, path: string, data: unknown): ValidationResult {
  const r = newResult();
  r.matchCount++;
  const kind = kindOf(data);
  if (kind === 'null') {
    if (types.length > 0 && !types.includes('null') && !nullable) addErrors(r, invalidType(path, types.join(','), 'null'));
    return r;
  }
  const [schType, dataFormat] = kind === 'int' ? ['integer', 'int64'] : kind === 'float' ? ['number', 'float64'] : [kind, ''];
  const isIntFloat = schType === 'integer' && types.includes('number');
  if (kind !== 'string' && kind !== 'array' && format !== '' && !(types.includes(schType) || dataFormat === format || isIntFloat)) {
    addErrors(r, invalidType(path, format, dataFormat));
    return r;
  }
  if (!(types.includes('number') || types.includes('integer')) && format !== '' && (kind === 'string' || kind === 'array')) return r;
  if (!(types.includes(schType) || isIntFloat)) addErrors(r, invalidType(path, types.join(','), schType));
  return r;
}

function schemaPropsValidator(s: JSONSchemaProps, path: string, data: unknown): ValidationResult {
  const main = newResult();
  if (s.anyOf?.length) {
    let best: ValidationResult | undefined;
    let firstSuccess: ValidationResult | undefined;
    let succeeded = false;
    for (const sub of s.anyOf) {
      const r = validateSchema(sub, data, path);
      if (r.errors.length === 0) {
        best = undefined;
        succeeded = true;
        firstSuccess ??= r;
        break;
      }
      if (!best || r.matchCount > best.matchCount) best = r;
    }
    if (!succeeded) addErrors(main, { kind: 'plain', message: `${goQuote(path)} must validate at least one schema (anyOf)` });
    if (best) merge(main, best);
    else if (firstSuccess) merge(main, firstSuccess);
  }
  if (s.oneOf?.length) {
    let best: ValidationResult | undefined;
    let firstSuccess: ValidationResult | undefined;
    let validated = 0;
    for (const sub of s.oneOf) {
      const r = validateSchema(sub, data, path);
      if (r.errors.length === 0) {
        validated++;
        best = undefined;
        firstSuccess ??= r;
        continue;
      }
      if (validated === 0 && (!best || r.matchCount > best.matchCount)) best = r;
    }
    if (validated !== 1) {
      const additional = validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`;
      addErrors(main, { kind: 'plain', message: `${goQuote(path)} must validate one and only one schema (oneOf). ${additional}` });
      if (best) merge(main, best);
    } else if (firstSuccess) {
      merge(main, firstSuccess);
    }
  }
  if (s.allOf?.length) {
    let validated = 0;
    for (const sub of s.allOf) {
      const r = validateSchema(sub, data, path);
      if (r.errors.length === 0) validated++;
      merge(main, r);
    }
    if (validated !== s.allOf.length) {
      addErrors(main, { kind: 'plain', message: `${goQuote(path)} must validate all the schemas (allOf)${validated === 0 ? '. None validated' : ''}` });
    }
  }
  if (s.not) {
    if (validateSchema(s.not, data, path).errors.length === 0) {
      addErrors(main, { kind: 'plain', message: `${goQuote(path)} must not validate the schema (not)` });
    }
  }
  main.matchCount++;
  return main;
}

function runeCount(s: string): number {
  return [...s].length;
}

function stringValidator(s: JSONSchemaProps, path: string, data: string): ValidationResult {
  const r = newResult();
  if (s.maxLength !== undefined && runeCount(data) > s.maxLength) {
    addErrors(r, { kind: 'validation', code: 'TooLong', name: path, value: data, valid: s.maxLength, message: msgIn(path, `should be at most ${s.maxLength} chars long`) });
    return r;
  }
  if (s.minLength !== undefined && runeCount(data) < s.minLength) {
    addErrors(r, { kind: 'validation', code: 'TooShort', name: path, value: data, valid: s.minLength, message: msgIn(path, `should be at least ${s.minLength} chars long`) });
    return r;
  }
  if (s.pattern) {
    const re = compileGoRegexp(s.pattern);
    if (re instanceof Error) {
      addErrors(r, { kind: 'validation', code: 'Pattern', name: path, value: data, message: msgIn(path, `should match '${s.pattern}, but pattern is invalid: ${re.message}'`) });
    } else if (!re.test(data)) {
      addErrors(r, { kind: 'validation', code: 'Pattern', name: path, value: data, message: msgIn(path, `should match '${s.pattern}'`) });
    }
  }
  return r;
}

function formatValidator(format: string, path: string, data: string): ValidationResult {
  const r = newResult();
  if (!checkFormat(format, data)) addErrors(r, invalidType(path, format, data));
  return r;
}

const INT32 = [-2147483648, 2147483647];

/** rangeError is IsValueValidAgainstRange: a bound or value that does not fit the declared integer/float format. */
function rangeError(v: number, typeName: string, format: string, prefix: string, path: string): SchemaError | undefined {
  let bad = false;
  if (typeName === 'integer') {
    if (!Number.isInteger(v)) bad = true;
    else if (format === 'int32') bad = v < INT32[0] || v > INT32[1];
  } else if (format === 'float' && Math.abs(v) > 3.4028234663852886e38) {
    bad = true;
  }
  if (!bad) return undefined;
  return {
    kind: 'plain',
    message: format ? `${prefix} value must be of type ${typeName} with format ${format} in ${path}` : `${prefix} value must be of type ${typeName} (default format) in ${path}`,
  };
}

function isJSONInteger(f: number): boolean {
  if (!Number.isFinite(f)) return false;
  const g = Math.trunc(f);
  if (f === g) return true;
  const diff = Math.abs(f - g);
  return diff / Math.min(Math.abs(f) + Math.abs(g), Number.MAX_VALUE) < 1e-9;
}

function numberValidator(s: JSONSchemaProps, types: string[], format: string, path: string, val: number): ValidationResult {
  const r = newResult();
  let typeName = '';
  let fmt = '';
  if (types.length === 1 && (types[0] === 'integer' || types[0] === 'number')) {
    typeName = types[0];
    if (typeName === 'integer' && (format === 'int32' || format === 'int64')) fmt = format;
    if (typeName === 'number' && (format === 'float' || format === 'double')) fmt = format;
  }
  const isInt = Number.isInteger(val);
  const checked = rangeError(val, typeName, fmt, 'Checked', path);
  if (checked) addErrors(r, checked);
  const resMultiple = newResult();
  const resMin = newResult();
  const resMax = newResult();
  const numText = (n: number, asInt: boolean) => (asInt ? String(Math.trunc(n)) : goFloat(n));
  if (s.multipleOf !== undefined) {
    const bad = rangeError(s.multipleOf, typeName, fmt, 'MultipleOf', path);
    if (bad) addErrors(resMultiple, bad);
    const native = !bad && isInt;
    const factor = native ? Math.trunc(s.multipleOf) : s.multipleOf;
    if (factor <= 0) {
      addErrors(resMultiple, { kind: 'validation', code: 'MultipleOfMustBePositive', name: path, value: factor, message: `factor MultipleOf declared for ${path} must be positive: ${numText(factor, native)}` });
    } else {
      const ok = native ? val % factor === 0 : isJSONInteger(factor < 1 ? (1 / factor) * val : val / factor);
      if (!ok) addErrors(resMultiple, { kind: 'validation', code: 'MultipleOf', name: path, value: val, message: msgIn(path, `should be a multiple of ${numText(factor, native)}`) });
    }
  }
  if (s.maximum !== undefined) {
    const bad = rangeError(s.maximum, typeName, fmt, 'Maximum boundary', path);
    if (bad) addErrors(resMax, bad);
    const native = !bad && isInt;
    const max = native ? Math.trunc(s.maximum) : s.maximum;
    const ex = !!s.exclusiveMaximum;
    if ((!ex && val > max) || (ex && val >= max)) {
      addErrors(resMax, { kind: 'validation', code: 'Max', name: path, value: val, message: msgIn(path, `should be less than ${ex ? '' : 'or equal to '}${numText(max, native)}`) });
    }
  }
  if (s.minimum !== undefined) {
    const bad = rangeError(s.minimum, typeName, fmt, 'Minimum boundary', path);
    if (bad) addErrors(resMin, bad);
    const native = !bad && isInt;
    const min = native ? Math.trunc(s.minimum) : s.minimum;
    const ex = !!s.exclusiveMinimum;
    if ((!ex && val < min) || (ex && val <= min)) {
      addErrors(resMin, { kind: 'validation', code: 'Min', name: path, value: val, message: msgIn(path, `should be greater than ${ex ? '' : 'or equal to '}${numText(min, native)}`) });
    }
  }
  merge(r, resMultiple, resMin, resMax);
  r.matchCount++;
  return r;
}

function sliceValidator(s: JSONSchemaProps, path: string, data: unknown[]): ValidationResult {
  const r = newResult();
  const items = s.items && !Array.isArray(s.items) ? s.items : undefined;
  if (items) data.forEach((v, i) => merge(r, validateSchema(items, v, `${path}[${i}]`)));
  const size = data.length;
  if (s.minItems !== undefined && size < s.minItems) {
    addErrors(r, { kind: 'validation', code: 'MinItems', name: path, value: size, valid: s.minItems, message: msgIn(path, `should have at least ${s.minItems} items`) });
  }
  if (s.maxItems !== undefined && size > s.maxItems) {
    addErrors(r, { kind: 'validation', code: 'MaxItems', name: path, value: size, valid: s.maxItems, message: msgIn(path, `should have at most ${s.maxItems} items`) });
  }
  if (s.uniqueItems) {
    const seen: unknown[] = [];
    for (const v of data) {
      if (seen.some((u) => jsonEqual(u, v))) {
        addErrors(r, { kind: 'validation', code: 'Unique', name: path, message: msgIn(path, "shouldn't contain duplicates") });
        break;
      }
      seen.push(v);
    }
  }
  r.matchCount++;
  return r;
}

/** jsonEqual is reflect.DeepEqual over decoded JSON. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function enumValidator(s: JSONSchemaProps, path: string, data: unknown): ValidationResult | undefined {
  if (!s.enum?.length) return undefined;
  if (data !== null && data !== undefined && s.enum.some((e) => e !== null && jsonEqual(e, data))) return undefined;
  const r = newResult();
  addErrors(r, { kind: 'validation', code: 'Enum', name: path, value: data, values: s.enum, message: msgIn(path, `should be one of ${goValue(s.enum)}`) });
  return r;
}

function objectValidator(s: JSONSchemaProps, path: string, val: Record<string, unknown>): ValidationResult {
  const r = newResult();
  const numKeys = Object.keys(val).length;
  if (s.minProperties !== undefined && numKeys < s.minProperties) {
    addErrors(r, { kind: 'validation', code: 'TooFewProperties', name: path, value: numKeys, valid: s.minProperties, message: msgIn(path, `should have at least ${s.minProperties} properties`) });
  }
  if (s.maxProperties !== undefined && numKeys > s.maxProperties) {
    addErrors(r, { kind: 'validation', code: 'TooManyProperties', name: path, value: numKeys, valid: s.maxProperties, message: msgIn(path, `should have at most ${s.maxProperties} properties`) });
  }
  const props = s.properties ?? {};
  const ap = s.additionalProperties;
  if (ap === false) {
    for (const k of Object.keys(val)) {
      if (!(k in props)) addErrors(r, { kind: 'validation', code: 'UnallowedProperty', name: path, value: k, message: `${path}.${k} in ${IN} is a forbidden property` });
    }
  } else if (ap && typeof ap === 'object') {
    for (const [k, v] of Object.entries(val)) {
      if (!(k in props)) merge(r, validateSchema(ap, v, `${path}.${k}`));
    }
  }
  for (const [name, ps] of Object.entries(props)) {
    if (!(name in val)) continue;
    merge(r, validateSchema(ps, val[name], path ? `${path}.${name}` : name));
  }
  for (const k of s.required ?? []) {
    if (!(k in val)) addErrors(r, { kind: 'validation', code: 'Required', name: `${path}.${k}`, message: msgIn(`${path}.${k}`, 'is required') });
  }
  return r;
}

/**
 * toFieldErrors turns a validation result into field errors as apiextensions-apiserver's
 * kubeOpenAPIResultToFieldErrors does: errors that carry a path name become errors at
 * `fldPath.<name>`; plain ones (anyOf/oneOf/allOf/not, range checks) sit at fldPath itself.
 */
export function toFieldErrors(fldPath: FieldPath, result: ValidationResult): FieldError[] {
  const out: FieldError[] = [];
  for (const e of result.errors) {
    if (e.kind === 'plain') {
      out.push({ type: 'FieldValueInvalid', field: fldPath.toString(), value: '', detail: e.message });
      continue;
    }
    const errPath = e.name && e.name !== '.' ? fldPath.child(e.name.replace(/^\./, '')).toString() : fldPath.toString();
    const value = e.value === undefined || e.value === null ? '' : e.value;
    switch (e.code) {
      case 'Required':
        out.push({ type: 'FieldValueRequired', field: errPath });
        break;
      case 'Enum':
        out.push({
          type: 'FieldValueNotSupported', field: errPath, value: e.value, valueText: goValueText(e.value),
          supported: (e.values ?? []).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
        });
        break;
      case 'TooLong':
        out.push({ type: 'FieldValueTooLong', field: errPath, detail: `may not be more than ${e.valid ?? -1} bytes` });
        break;
      case 'MaxItems':
      case 'TooManyProperties':
        out.push({ type: 'FieldValueTooMany', field: errPath, detail: `${String(e.value)}: must have at most ${e.valid} items` });
        break;
      case 'InvalidType':
        out.push({ type: 'FieldValueTypeInvalid', field: errPath, value, valueText: goValueText(value), detail: e.message });
        break;
      default:
        out.push({ type: 'FieldValueInvalid', field: errPath, value, valueText: goValueText(value), detail: e.message });
    }
  }
  return out;
}

/** validateValue validates a value against a schema and returns Kubernetes field errors rooted at fldPath. */
export function validateValue(fldPath: FieldPath, schema: JSONSchemaProps | undefined, value: unknown): FieldError[] {
  if (!schema) return [];
  return toFieldErrors(fldPath, validateSchema(schema, value));
}
