/** defineResource fills the common parts of a ResourceDefinition. */
import type { ResourceDefinition } from '../resource.js';
import { printerFor } from '../printers/index.js';

/** ALL_VERBS are the verbs of an ordinary stored resource. */
export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** ResourceSpec is what a kind file states; the rest is filled here. */
export type ResourceSpec = Pick<ResourceDefinition, 'group' | 'version' | 'kind' | 'plural' | 'namespaced' | 'strategy'>
  & Partial<Omit<ResourceDefinition, 'group' | 'version' | 'kind' | 'plural' | 'namespaced' | 'strategy'>>;

/** defineResource returns a complete ResourceDefinition with Kubernetes' usual defaults. */
export function defineResource(spec: ResourceSpec): ResourceDefinition {
  const def: ResourceDefinition = {
    singular: spec.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
    ...spec,
  };
  if (!def.table) {
    const table = printerFor(def.group, def.plural);
    if (table) def.table = table;
  }
  return def;
}
