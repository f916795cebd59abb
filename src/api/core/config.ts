/** core/v1 configmaps, secrets and serviceaccounts. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { deepEqual } from '../../apimachinery/deep.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import { IMMUTABLE, forbidden, invalidField, messagesAt, required, tooLong } from '../validation/field.js';
import { isConfigMapKey } from '../validation/names.js';

/** MAX_DATA_SIZE is the 1 MiB limit of ConfigMap and Secret data. */
export const MAX_DATA_SIZE = 1024 * 1024;

function validateKeys(obj: KubeObject, fields: string[]): { errs: FieldError[]; size: number } {
  const errs: FieldError[] = [];
  const seen = new Map<string, string>();
  let size = 0;
  for (const f of fields) {
    const data = obj[f];
    if (!isObj(data)) continue;
    for (const [k, v] of Object.entries(data)) {
      errs.push(...messagesAt(`${f}[${k}]`, k, isConfigMapKey(k)));
      const other = seen.get(k);
      if (other) errs.push(invalidField(`${f}[${k}]`, k, `duplicate of key present in ${other}`));
      seen.set(k, f);
      size += String(v ?? '').length;
    }
  }
  return { errs, size };
}

function validateImmutableData(obj: KubeObject, old: KubeObject, fields: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (!deepEqual(obj[f] ?? {}, old[f] ?? {})) errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return errs;
}

/** configmaps is the core/v1 ConfigMap resource. */
export const configmaps: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'],
  strategy: {
    validate(cm) {
      const { errs, size } = validateKeys(cm, ['data', 'binaryData']);
      if (size > MAX_DATA_SIZE) errs.push(tooLong('', MAX_DATA_SIZE));
      return errs;
    },
    validateUpdate: (cm, old) => validateImmutableData(cm, old, ['data', 'binaryData']),
  },
});

const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.key', 'tls.crt'],
};

/** defaultSecret sets type Opaque and folds stringData into data (base64), as Kubernetes' conversion does. */
export function defaultSecret(secret: Obj): void {
  if (!secret.type) secret.type = 'Opaque';
  if (isObj(secret.stringData)) {
    const data: Obj = isObj(secret.data) ? secret.data : {};
    for (const [k, v] of Object.entries(secret.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    secret.data = data;
    delete secret.stringData;
  }
}

function validateSecret(secret: KubeObject): FieldError[] {
  const { errs, size } = validateKeys(secret, ['data']);
  const data: Obj = isObj(secret.data) ? secret.data : {};
  if (size > MAX_DATA_SIZE * 4 / 3 + 4) errs.push(tooLong('data', MAX_DATA_SIZE));
  const type = String(secret.type ?? 'Opaque');
  for (const k of SECRET_REQUIRED_KEYS[type] ?? []) if (data[k] === undefined) errs.push(required(`data[${k}]`));
  if (type === 'kubernetes.io/basic-auth' && data.username === undefined && data.password === undefined) errs.push(required('data[username]'));
  if (type === 'kubernetes.io/service-account-token' && !secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  return errs;
}

/** secrets is the core/v1 Secret resource. */
export const secrets: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true,
  strategy: {
    default: (s) => defaultSecret(s as Obj),
    validate: validateSecret,
    validateUpdate(s, old) {
      const errs = validateImmutableData(s, old, ['data']);
      if ((s.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errs.push(invalidField('type', s.type, IMMUTABLE));
      return errs;
    },
  },
  selectableFields: { type: (o) => String(o.type ?? '') },
});

/** serviceaccounts is the core/v1 ServiceAccount resource. */
export const serviceaccounts: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, shortNames: ['sa'],
  // serviceaccounts/token: TokenRequest (apiserver/serviceaccount/token-request.ts)
  subresources: ['token'],
  strategy: {},
});
