/**
 * testResources: a small served API (core, apps, batch, autoscaling v1+v2) for discovery and
 * OpenAPI tests, independent of the real registry. Test support only.
 */
import type { ResourceDefinition } from '../../api/resource.js';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function res(group: string, version: string, kind: string, plural: string, opts: Partial<ResourceDefinition> = {}): ResourceDefinition {
  return {
    group, version, kind, plural, singular: kind.toLowerCase(), namespaced: true, shortNames: [], categories: [],
    verbs: ALL_VERBS, subresources: [], strategy: {}, ...opts,
  };
}

/** testResources returns a fresh list each call (documents are cached per list). */
export function testResources(): ResourceDefinition[] {
  return [
    res('', 'v1', 'Pod', 'pods', { shortNames: ['po'], categories: ['all'], subresources: ['status', 'log', 'exec', 'attach', 'portforward', 'binding', 'eviction', 'proxy', 'ephemeralcontainers'] }),
    res('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
    res('', 'v1', 'Namespace', 'namespaces', { namespaced: false, shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: ['status', 'finalize'] }),
    res('', 'v1', 'Node', 'nodes', { namespaced: false, shortNames: ['no'], subresources: ['status', 'proxy'] }),
    res('', 'v1', 'ReplicationController', 'replicationcontrollers', { shortNames: ['rc'], categories: ['all'], subresources: ['status', 'scale'] }),
    res('', 'v1', 'Binding', 'bindings', { verbs: ['create'] }),
    res('apps', 'v1', 'Deployment', 'deployments', { shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] }),
    res('apps', 'v1', 'ReplicaSet', 'replicasets', { shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] }),
    res('batch', 'v1', 'Job', 'jobs', { categories: ['all'], subresources: ['status'] }),
    res('batch', 'v1', 'CronJob', 'cronjobs', { shortNames: ['cj'], categories: ['all'], subresources: ['status'] }),
    res('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', { shortNames: ['hpa'], categories: ['all'], subresources: ['status'], storageVersion: 'v2' }),
    res('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', { shortNames: ['hpa'], categories: ['all'], subresources: ['status'] }),
    res('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  ];
}
