/**
 * decodeMutatedObject does to a mutating webhook's patched object what kube-apiserver's mutating
 * dispatcher does when it decodes the patched JSON back into the versioned object and defaults it:
 * fields the kind's schema does not declare are dropped (a custom resource is pruned by its
 * structural schema, its metadata coerced), values take their types, then the kind's defaults
 * apply again — so what a webhook adds (an init container, a field) is defaulted and pruned as a
 * request body would be.
 */
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import { checkFields } from '../../api/schema/index.js';
import { internalError } from '../../apimachinery/errors.js';

/** decodeMutatedObject normalizes obj in place; a value that cannot be decoded is a 500, as there. */
export function decodeMutatedObject(def: ResourceDefinition, obj: KubeObject, subresource: string): void {
  if (def.customResource) {
    const r = def.customResource.coerceRequest(obj);
    if (r.error) throw internalError(r.error);
  } else {
    const r = checkFields(def.group, def.version, def.kind, obj, 'Ignore');
    if (r.error) throw internalError(r.error);
  }
  // subresources (status, scale…) are not defaulted as their parent objects are
  if (!subresource) def.strategy.default?.(obj);
}
