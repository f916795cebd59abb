import { allResources, findByKind } from '../../api/registry.js';
import type { ResourceRef } from '../../client/types.js';
import type { KubeObject } from '../../api/resource.js';

/** ignoredResources are never watched by the garbage collector (upstream's DefaultIgnoredResources): events of both groups. */
export const ignoredResources: ReadonlySet<string> = new Set(['/events', 'events.k8s.io/events']);

/** MonitoredResource is a resource the graph builder watches, with the kind its objects have. */
export interface MonitoredResource { ref: ResourceRef; apiVersion: string; kind: string }

/**
 * deletableResources lists what the graph builder watches, as upstream's GetDeletableResources
 * does from discovery: every served resource that supports delete, list and watch, one per
 * group/resource (the storage version when several versions share a store), minus the ignored.
 */
export function deletableResources(): MonitoredResource[] {
  const seen = new Set<string>();
  const out: MonitoredResource[] = [];
  for (const d of allResources) {
    if (!['delete', 'list', 'watch'].every((v) => d.verbs.includes(v))) continue;
    if (d.storageVersion && d.storageVersion !== d.version) continue;
    const gr = `${d.group}/${d.plural}`;
    if (ignoredResources.has(gr) || seen.has(gr)) continue;
    seen.add(gr);
    out.push({
      ref: { group: d.group, version: d.version, plural: d.plural, namespaced: d.namespaced },
      apiVersion: d.group ? `${d.group}/${d.version}` : d.version,
      kind: d.kind,
    });
  }
  return out;
}

/** customResources are the custom resources learnt from CustomResourceDefinitions at run time, by apiVersion/kind. */
const customResources = new Map<string, MonitoredResource>();

/**
 * customResourcesOf lists what the collector should watch for a set of CustomResourceDefinitions:
 * the storage version of every established one (upstream finds them in discovery).
 */
export function customResourcesOf(crds: readonly KubeObject[]): MonitoredResource[] {
  const out: MonitoredResource[] = [];
  for (const crd of crds) {
    const spec = crd.spec as { group: string; scope: string; names: { plural: string; kind: string }; versions?: { name: string; storage: boolean; served: boolean }[] } | undefined;
    const conds = (crd.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    if (!spec || !conds.some((c) => c.type === 'Established' && c.status === 'True')) continue;
    const v = spec.versions?.find((x) => x.storage && x.served) ?? spec.versions?.find((x) => x.served);
    if (!v) continue;
    out.push({
      ref: { group: spec.group, version: v.name, plural: spec.names.plural, namespaced: spec.scope === 'Namespaced' },
      apiVersion: `${spec.group}/${v.name}`, kind: spec.names.kind,
    });
  }
  return out;
}

/** registerCustomResource makes apiResource map the custom resource's kind (in every version of its group). */
export function registerCustomResource(r: MonitoredResource): void {
  customResources.set(`${r.ref.group}/${r.kind}`, r);
}

/** RESTMappingError: an owner reference names an apiVersion/kind the API server does not serve. */
export class RESTMappingError extends Error {
  constructor(readonly kind: string, readonly apiVersion: string) {
    super(`unable to get REST mapping for ${kind}/${apiVersion}.`);
    this.name = 'RESTMappingError';
  }
}

/** apiResource maps an apiVersion/kind to the resource serving it and tells whether it is namespaced (the REST mapper's job upstream). */
export function apiResource(apiVersion: string, kind: string): { ref: ResourceRef; namespaced: boolean } {
  const i = apiVersion.indexOf('/');
  const group = i < 0 ? '' : apiVersion.slice(0, i);
  const version = i < 0 ? apiVersion : apiVersion.slice(i + 1);
  const d = findByKind(group, version, kind);
  if (!d) {
    const cr = customResources.get(`${group}/${kind}`);
    if (!cr) throw new RESTMappingError(kind, apiVersion);
    // Custom resources convert between versions (conversion None): any served version reaches the object.
    return { ref: { ...cr.ref, version }, namespaced: cr.ref.namespaced };
  }
  return { ref: { group: d.group, version: d.version, plural: d.plural, namespaced: d.namespaced }, namespaced: d.namespaced };
}

/** resourceDefaultNamespace: the item's namespace for namespaced resources, none for cluster-scoped ones. */
export function resourceDefaultNamespace(namespaced: boolean, namespace: string): string | undefined {
  return namespaced ? namespace : undefined;
}
