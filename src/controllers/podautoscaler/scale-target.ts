/**
 * Reaching an HPA's scale target through its /scale subresource (upstream's RESTMapper + scale
 * client): the target's group and kind name a resource; its Scale gives the current replicas and
 * the pod selector, and a PUT of it sets the replicas.
 */
import type { KubeObject } from '../../api/resource.js';
import type { Client, ResourceRef } from '../../client/types.js';
import type { Scale } from './types.js';

/** SCALABLE_KINDS maps group/kind to the resources with a scale subresource that tskube serves. */
const SCALABLE_KINDS: Record<string, ResourceRef> = {
  '/ReplicationController': { group: '', version: 'v1', plural: 'replicationcontrollers', namespaced: true },
  'apps/Deployment': { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true },
  'apps/ReplicaSet': { group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true },
  'apps/StatefulSet': { group: 'apps', version: 'v1', plural: 'statefulsets', namespaced: true },
};

/** parseGroupVersion splits an apiVersion as schema.ParseGroupVersion does ("" and "v1" are the core group). */
export function parseGroupVersion(apiVersion: string | undefined): { group: string; version: string } {
  const gv = apiVersion ?? '';
  if (gv === '' || gv === '/') return { group: '', version: '' };
  const parts = gv.split('/');
  if (parts.length === 1) return { group: '', version: parts[0] };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  throw new Error(`unexpected GroupVersion string: ${gv}`);
}

/** APIResourceList is the discovery document of one group/version. */
interface APIResourceList { resources?: { name: string; kind: string; namespaced: boolean }[] }

/**
 * ScaleTargetResolver maps a scaleTargetRef to its resource: built-in kinds from a table, other
 * kinds (custom resources with a scale subresource) from the discovery document of the reference's
 * group/version, remembered once found.
 */
export class ScaleTargetResolver {
  private readonly found = new Map<string, ResourceRef>();

  constructor(private readonly client: Client) {}

  /** resolve maps apiVersion and kind to a resource with a scale subresource, or throws as a RESTMapper does. */
  async resolve(apiVersion: string | undefined, kind: string): Promise<ResourceRef> {
    const { group, version } = parseGroupVersion(apiVersion);
    const builtin = SCALABLE_KINDS[`${group}/${kind}`];
    if (builtin) return builtin;
    const key = `${group}/${version}/${kind}`;
    const known = this.found.get(key);
    if (known) return known;
    const noMatch = new Error(`no matches for kind "${kind}" in group "${group}"`);
    if (!version) throw noMatch;
    let list: APIResourceList;
    try {
      // The Client has no discovery call: listing a resource with an empty name reads the group/version's document.
      list = (await this.client.list({ group, version, plural: '', namespaced: false }, undefined)) as unknown as APIResourceList;
    } catch {
      throw noMatch;
    }
    const resources = list.resources ?? [];
    const r = resources.find((x) => x.kind === kind && !x.name.includes('/') && resources.some((s) => s.name === `${x.name}/scale`));
    if (!r) throw noMatch;
    const ref: ResourceRef = { group, version, plural: r.name, namespaced: r.namespaced };
    this.found.set(key, ref);
    return ref;
  }
}

/**
 * getScale reads a target's Scale. The Client has no subresource GET, so the subresource path is
 * formed by naming the object as part of the resource path (names are path-safe DNS labels).
 */
export async function getScale(client: Client, ref: ResourceRef, namespace: string, name: string): Promise<Scale> {
  const byName: ResourceRef = { ...ref, plural: `${ref.plural}/${encodeURIComponent(name)}` };
  return client.get<Scale>(byName, namespace, 'scale');
}

/** updateScale writes a target's Scale with new replicas (its resourceVersion guards against lost updates). */
export async function updateScale(client: Client, ref: ResourceRef, namespace: string, scale: Scale, replicas: number): Promise<Scale> {
  const body: KubeObject = { ...scale, apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { ...scale.spec, replicas } };
  return (await client.replaceSubresource(ref, namespace, scale.metadata?.name ?? '', 'scale', body)) as Scale;
}
