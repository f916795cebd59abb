/** Builders for FieldErrors with Kubernetes' standard details. */
import type { FieldError } from '../../apimachinery/errors.js';

/** required: `<field>: Required value[: detail]`. */
export function required(field: string, detail?: string): FieldError {
  return detail ? { type: 'FieldValueRequired', field, detail } : { type: 'FieldValueRequired', field };
}

/** invalidField: `<field>: Invalid value: <value>: detail`. */
export function invalidField(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, value, detail };
}

/** invalidText: like invalidField with the value pre-rendered Go-style. */
export function invalidText(field: string, valueText: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, valueText, detail };
}

/** notSupported: `<field>: Unsupported value: "x": supported values: "a", "b"`. */
export function notSupported(field: string, value: unknown, supported: string[]): FieldError {
  return { type: 'FieldValueNotSupported', field, value, supported };
}

/** forbidden: `<field>: Forbidden: detail`. */
export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail };
}

/** duplicate: `<field>: Duplicate value: <value>`. */
export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, value };
}

/** notFoundField: `<field>: Not found: <value>`. */
export function notFoundField(field: string, value: unknown): FieldError {
  return { type: 'FieldValueNotFound', field, value };
}

/** tooLong: `<field>: Too long: may not be more than N bytes`. */
export function tooLong(field: string, max: number): FieldError {
  return { type: 'FieldValueTooLong', field, detail: `may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}` };
}

/** GE0 is the detail of ValidateNonnegativeField. */
export const GE0 = 'must be greater than or equal to 0';
/** IMMUTABLE is the detail of ValidateImmutableField. */
export const IMMUTABLE = 'field is immutable';

/** nonNegative checks an optional integer field is >= 0. */
export function nonNegative(field: string, v: unknown): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'number' || v < 0) return [invalidField(field, v, GE0)];
  return [];
}

/** positive checks an optional integer field is > 0. */
export function positive(field: string, v: unknown): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'number' || v <= 0) return [invalidField(field, v, 'must be greater than 0')];
  return [];
}

/** messagesAt turns validator messages into Invalid errors at one field. */
export function messagesAt(field: string, value: unknown, msgs: string[]): FieldError[] {
  return msgs.map((m) => invalidField(field, value, m));
}
