/**
 * Kubernetes API errors as `Status` objects. Every error the API server returns is a StatusError,
 * so kubectl prints exactly what it prints against Kubernetes.
 */

export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict'
  | 'Gone' | 'Invalid' | 'MethodNotAllowed' | 'NotAcceptable' | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge' | 'Timeout' | 'InternalError' | 'Expired' | 'ServiceUnavailable' | 'TooManyRequests' | '';

export interface StatusCause { reason?: string; message?: string; field?: string }

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** Status is the wire object (`kind: Status`). */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** StatusError carries a Status; throw it anywhere below the HTTP layer. */
export class StatusError extends Error {
  constructor(readonly code: number, readonly reason: StatusReason, message: string, readonly details?: StatusDetails) {
    super(message);
  }
  toStatus(): Status {
    // Go's Status marshals its fields in declaration order: details before code (curl shows it so)
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason,
      ...(this.details ? { details: this.details } : {}), code: this.code };
  }
}

/** GroupResource names a resource for messages: `pods`, `deployments.apps`. */
export interface GroupResource { group: string; resource: string }

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** notFound: `pods "x" not found`. */
export function notFound(gr: GroupResource, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, { name, group: gr.group || undefined, kind: gr.resource });
}

/** alreadyExists: `pods "x" already exists`. */
export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, { name, group: gr.group || undefined, kind: gr.resource });
}

/** conflict: `Operation cannot be fulfilled on pods "x": <why>`. */
export function conflict(gr: GroupResource, name: string, why: string): StatusError {
  return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`, { name, group: gr.group || undefined, kind: gr.resource });
}

/** conflictStale is the message for an update with an old resourceVersion. */
export function conflictStale(gr: GroupResource, name: string): StatusError {
  return conflict(gr, name, 'the object has been modified; please apply your changes to the latest version and try again');
}

/** FieldErrorType mirrors k8s.io/apimachinery/pkg/util/validation/field ErrorType. */
export type FieldErrorType =
  | 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate'
  | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueTooMany' | 'FieldValueTypeInvalid'
  | 'FieldValueNotFound';

/** FieldError is one validation failure at a field path such as `spec.containers[0].image`. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** the bad value (omitted for Required/Forbidden) */
  value?: unknown;
  /** the bad value already rendered as Go's %#v would (e.g. `map[string]string{"app":"bar"}`); wins over value */
  valueText?: string;
  /** the detail text after the value, e.g. `must be no more than 63 characters` */
  detail?: string;
  /** for NotSupported: the allowed values */
  supported?: string[];
}

/** fieldErrorMessage renders one FieldError the way Kubernetes' field.Error.Error() does. */
export function fieldErrorMessage(e: FieldError): string {
  const typeText: Record<FieldErrorType, string> = {
    FieldValueRequired: 'Required value',
    FieldValueInvalid: 'Invalid value',
    FieldValueNotSupported: 'Unsupported value',
    FieldValueDuplicate: 'Duplicate value',
    FieldValueForbidden: 'Forbidden',
    FieldValueTooLong: 'Too long',
    FieldValueTooMany: 'Too many',
    FieldValueTypeInvalid: 'Invalid value',
    FieldValueNotFound: 'Not found',
  };
  let body = typeText[e.type];
  const omitValue = e.type === 'FieldValueRequired' || e.type === 'FieldValueForbidden' || e.type === 'FieldValueTooLong' || e.type === 'FieldValueTooMany';
  if (!omitValue && e.valueText !== undefined) body += `: ${e.valueText}`;
  else if (!omitValue && e.value !== undefined) body += `: ${formatValue(e.value)}`;
  let detail = e.detail ?? '';
  if (e.type === 'FieldValueNotSupported' && e.supported) {
    detail = 'supported values: ' + e.supported.map((s) => JSON.stringify(s)).join(', ');
  }
  if (detail) body += `: ${detail}`;
  return `${e.field}: ${body}`;
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'bigint') return v.toString();
  // Kubernetes prints structs with %#v; JSON is the closest stable rendering here.
  return JSON.stringify(v);
}

/** invalid: `Deployment.apps "x" is invalid: [a, b]` (a single error without brackets). */
export function invalid(kind: string, group: string, name: string, errs: FieldError[]): StatusError {
  const msgs = errs.map(fieldErrorMessage);
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const joined = msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
  return new StatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${joined}`, {
    name, group: group || undefined, kind,
    causes: errs.map((e, i) => ({ reason: e.type, message: msgs[i].slice(e.field.length + 2), field: e.field })),
  });
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

export function methodNotSupported(gr: GroupResource, verb: string): StatusError {
  return new StatusError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedResource(gr)}"`, { group: gr.group || undefined, kind: gr.resource });
}

export function unauthorized(): StatusError {
  return new StatusError(401, 'Unauthorized', 'Unauthorized');
}

export function gone(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

export function internalError(err: unknown): StatusError {
  const msg = err instanceof Error ? err.message : String(err);
  return new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
}

export function forbidden(gr: GroupResource, name: string, why: string): StatusError {
  const what = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
  return new StatusError(403, 'Forbidden', `${what} is forbidden: ${why}`, { name: name || undefined, group: gr.group || undefined, kind: gr.resource });
}

export function isStatusError(e: unknown): e is StatusError {
  return e instanceof StatusError;
}
