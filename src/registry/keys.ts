import type { ResourceDefinition } from '../api/resource.js';

/**
 * Store keys follow Kubernetes' etcd layout: `/registry/<group>/<resource>/<namespace>/<name>`.
 * Core resources use no group segment (as kube-apiserver does: `/registry/pods/default/nginx`).
 */
export function resourcePrefix(def: ResourceDefinition): string {
  return def.group ? `/registry/${def.group}/${def.plural}/` : `/registry/${def.plural}/`;
}

/** objectKey is the key of one object. */
export function objectKey(def: ResourceDefinition, namespace: string | undefined, name: string): string {
  return def.namespaced ? `${resourcePrefix(def)}${namespace}/${name}` : `${resourcePrefix(def)}${name}`;
}

/** listPrefix is the prefix of a list: every namespace when namespace is undefined. */
export function listPrefix(def: ResourceDefinition, namespace: string | undefined): string {
  return def.namespaced && namespace ? `${resourcePrefix(def)}${namespace}/` : resourcePrefix(def);
}
