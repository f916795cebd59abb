import type { KubeObject } from '../api/resource.js';
import type { DeleteOptions, ListOptions, ObjectList, WatchEvent as MetaWatchEvent, WatchOptions } from '../apimachinery/options.js';

export type { DeleteOptions, DeletionPropagation, ListOptions, Preconditions, WatchEventType, WatchOptions } from '../apimachinery/options.js';

/**
 * The API as every component outside the API server sees it (client-go's shape).
 * Controllers, the scheduler and node agents use only this: never storage/, registry/ or apiserver/.
 */

/** ResourceRef names a resource on the wire. */
export interface ResourceRef {
  group: string;      // '' = core
  version: string;
  plural: string;
  namespaced: boolean;
}

/** ListResult is one page of a list (`items` + ListMeta). */
export type ListResult<T extends KubeObject = KubeObject> = ObjectList<T>;

/** WatchEvent is one event of a watch (an ERROR event carries a Status). */
export type WatchEvent<T extends KubeObject = KubeObject> = MetaWatchEvent<T>;

export type PatchType = 'merge' | 'strategic' | 'json';

/**
 * Client talks to the API server. Errors are StatusError (apimachinery/errors) rebuilt from the
 * server's Status body, so callers test `err.code === 404` / `err.reason === 'NotFound'`.
 */
export interface Client {
  get<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, opts?: ListOptions): Promise<ListResult<T>>;
  create<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, obj: T): Promise<T>;
  update<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, obj: T): Promise<T>;
  /** updateStatus PUTs to the status subresource */
  updateStatus<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, obj: T): Promise<T>;
  patch<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type: PatchType, subresource?: string): Promise<T>;
  delete(res: ResourceRef, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject>;
  /** replaceSubresource PUTs to a subresource (namespaces/finalize, deployments/scale) */
  replaceSubresource(res: ResourceRef, namespace: string | undefined, name: string, subresource: string, body: KubeObject): Promise<KubeObject>;
  /** createSubresource POSTs to a subresource (pods/binding, pods/eviction) */
  createSubresource(res: ResourceRef, namespace: string | undefined, name: string, subresource: string, body: KubeObject): Promise<KubeObject>;
  /** watch streams events until the signal aborts or the server closes; 410 arrives as an ERROR event with a Status */
  watch<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, opts?: WatchOptions): AsyncIterable<WatchEvent<T>>;
}

/** Well-known ResourceRefs. */
export const Resources = {
  pods: { group: '', version: 'v1', plural: 'pods', namespaced: true },
  nodes: { group: '', version: 'v1', plural: 'nodes', namespaced: false },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  events: { group: '', version: 'v1', plural: 'events', namespaced: true },
  configmaps: { group: '', version: 'v1', plural: 'configmaps', namespaced: true },
  secrets: { group: '', version: 'v1', plural: 'secrets', namespaced: true },
  services: { group: '', version: 'v1', plural: 'services', namespaced: true },
  endpoints: { group: '', version: 'v1', plural: 'endpoints', namespaced: true },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true },
  persistentvolumes: { group: '', version: 'v1', plural: 'persistentvolumes', namespaced: false },
  persistentvolumeclaims: { group: '', version: 'v1', plural: 'persistentvolumeclaims', namespaced: true },
  replicationcontrollers: { group: '', version: 'v1', plural: 'replicationcontrollers', namespaced: true },
  serviceaccounts: { group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true },
  replicasets: { group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true },
  statefulsets: { group: 'apps', version: 'v1', plural: 'statefulsets', namespaced: true },
  daemonsets: { group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true },
  controllerrevisions: { group: 'apps', version: 'v1', plural: 'controllerrevisions', namespaced: true },
  jobs: { group: 'batch', version: 'v1', plural: 'jobs', namespaced: true },
  cronjobs: { group: 'batch', version: 'v1', plural: 'cronjobs', namespaced: true },
  horizontalpodautoscalers: { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true },
  certificatesigningrequests: { group: 'certificates.k8s.io', version: 'v1', plural: 'certificatesigningrequests', namespaced: false },
} as const satisfies Record<string, ResourceRef>;
