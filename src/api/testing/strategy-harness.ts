/**
 * Test support: runs a definition's strategy hooks in the generic store's order, without storage,
 * so kind tests can check defaulting and validation end to end. Test support only.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/objectmeta.js';

const NOW = new Date('2026-01-01T00:00:00Z');

/** createObject defaults, prepares and validates a new object as RegistryStore.create does. */
export function createObject(def: ResourceDefinition, input: KubeObject, opts: { uid?: string; namespace?: string } = {}): { obj: KubeObject; errs: FieldError[] } {
  const obj = structuredClone(input);
  const meta = (obj.metadata ??= {});
  if (def.namespaced) meta.namespace = opts.namespace ?? meta.namespace ?? 'default';
  meta.uid = opts.uid ?? '00000000-0000-0000-0000-000000000001';
  meta.creationTimestamp = '2026-01-01T00:00:00Z';
  obj.apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
  obj.kind = def.kind;
  def.strategy.default?.(obj);
  def.strategy.prepareForCreate?.(obj, { now: NOW });
  const errs = [...validateObjectMeta(obj, def), ...(def.strategy.validate?.(obj) ?? [])];
  return { obj, errs };
}

/** updateObject runs the update hooks (main resource or status) as RegistryStore.update does. */
export function updateObject(def: ResourceDefinition, next: KubeObject, old: KubeObject, subresource?: 'status'): { obj: KubeObject; errs: FieldError[] } {
  const obj = structuredClone(next);
  const meta = (obj.metadata ??= {});
  for (const f of ['uid', 'creationTimestamp', 'generation'] as const) {
    if (old.metadata?.[f] !== undefined) (meta as Record<string, unknown>)[f] = old.metadata[f];
  }
  const strategy = subresource === 'status' ? def.statusStrategy ?? {} : def.strategy;
  if (subresource !== 'status') def.strategy.default?.(obj);
  strategy.prepareForUpdate?.(obj, old, { now: NOW });
  const errs = [
    ...validateObjectMetaUpdate(obj, old),
    ...(subresource === 'status' ? [] : validateObjectMeta(obj, def)),
    ...(subresource === 'status' ? [] : def.strategy.validate?.(obj) ?? []),
    ...(strategy.validateUpdate?.(obj, old) ?? []),
  ];
  return { obj, errs };
}
