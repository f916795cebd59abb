/**
 * The API handler's side of field management: which manager a request writes as, the
 * PatchOptions checks, and server-side apply against the registry store (the apply patcher:
 * merge into the live object, or create it when absent, as Kubernetes does).
 */
import type { IncomingMessage } from 'node:http';
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { queryBool } from '../../apimachinery/query.js';
import type { WriteOptions } from '../../apimachinery/options.js';
import type { RegistryStore } from '../../registry/store.js';
import { applyObject, managerFromUserAgent } from './fieldmanager.js';

/** FIELD_MANAGER_MAX_LENGTH is metav1's FieldManagerMaxLength. */
const FIELD_MANAGER_MAX_LENGTH = 128;

function invalidOptions(optionsKind: string, field: string, reason: string, message: string): StatusError {
  return new StatusError(422, 'Invalid', `${optionsKind}.meta.k8s.io "" is invalid: ${field}: ${message}`, {
    kind: optionsKind, group: 'meta.k8s.io', name: '', causes: [{ reason, message, field }],
  });
}

/**
 * fieldManagerOf is the manager a write is recorded under: the fieldManager parameter (checked as
 * ValidateFieldManager checks it), else the User-Agent up to its first '/'.
 */
export function fieldManagerOf(req: IncomingMessage, url: URL, optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): string {
  const m = url.searchParams.get('fieldManager') ?? '';
  if (m.length > FIELD_MANAGER_MAX_LENGTH) {
    throw invalidOptions(optionsKind, 'fieldManager', 'FieldValueTooLong', `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(m)) {
    throw invalidOptions(optionsKind, 'fieldManager', 'FieldValueInvalid', `Invalid value: ${JSON.stringify(m)}: must only contain printable characters`);
  }
  return m || managerFromUserAgent(req.headers['user-agent']);
}

/** checkForceParam: `force` belongs to apply patches only. */
export function checkForceParam(url: URL): void {
  if (url.searchParams.has('force')) {
    throw invalidOptions('PatchOptions', 'force', 'FieldValueForbidden', 'Forbidden: may not be specified for non-apply patch');
  }
}

/** ApplyRequest is one server-side apply to serve. */
export interface ServeApplyRequest {
  def: ResourceDefinition;
  store: RegistryStore;
  ns: string | undefined;
  name: string;
  subresource?: 'status';
  /** the checked applied configuration (apply.ts checkApplyPatch) */
  config: KubeObject;
  url: URL;
  now: Date;
  opts: WriteOptions & { subresource?: 'status' };
  /** decodes the merged object as a request body is decoded (custom resources: pruning, coercion) */
  coerce(obj: KubeObject): void;
}

/** serveApply applies to the live object, or creates it when absent (not through a subresource). */
export async function serveApply(r: ServeApplyRequest): Promise<{ object: KubeObject; created: boolean }> {
  const manager = r.url.searchParams.get('fieldManager') ?? '';
  fieldManagerOfParam(manager);
  const force = queryBool(r.url.searchParams, 'force');
  const fm = { def: r.def, subresource: r.subresource, now: r.now };
  const opts: WriteOptions & { subresource?: 'status' } = { ...r.opts, fieldManager: manager, managedFieldsComputed: true };
  try {
    const object = await r.store.guaranteedUpdate(r.ns, r.name, (current) => {
      const next = applyObject(fm, current, r.config, { manager, force });
      r.coerce(next);
      return next;
    }, opts);
    return { object, created: false };
  } catch (e) {
    if (!(e instanceof StatusError) || e.code !== 404 || r.subresource) throw e;
    if (e.details?.name !== r.name) throw e;
  }
  const obj = applyObject(fm, undefined, r.config, { manager, force });
  r.coerce(obj);
  const object = await r.store.create(r.ns, obj, opts);
  return { object, created: true };
}

function fieldManagerOfParam(m: string): void {
  if (m.length > FIELD_MANAGER_MAX_LENGTH) {
    throw invalidOptions('PatchOptions', 'fieldManager', 'FieldValueTooLong', `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`);
  }
}
