/**
 * The served resources of tskube (Kubernetes 1.32's built-in kinds that its users need) and lookups
 * over them. The API server builds discovery, routing and one registry store per entry.
 */
import type { ResourceDefinition } from './resource.js';
import { pods } from './core/pods.js';
import { services } from './core/services.js';
import { namespaces, nodes } from './core/namespaces.js';
import { configmaps, secrets, serviceaccounts } from './core/config.js';
import { endpoints, events, eventsV1 } from './core/endpoints-events.js';
import { persistentvolumeclaims, persistentvolumes } from './core/volumes.js';
import { replicationcontrollers } from './core/replicationcontrollers.js';
import { deployments, replicasets } from './apps/deployments.js';
import { controllerrevisions, daemonsets, statefulsets } from './apps/statefulsets.js';
import { jobs } from './batch/jobs.js';
import { cronjobs } from './batch/cronjobs.js';
import { hpaV1, hpaV2 } from './autoscaling/hpa.js';
import { leases, poddisruptionbudgets, storageclasses } from './misc/cluster-kinds.js';
import { priorityclasses } from './misc/scheduling.js';
import { customresourcedefinitions } from './apiextensions/crd.js';
import { endpointslices } from './discovery/endpointslices.js';
import { reviewResources } from './authorization/reviews.js';
import { limitranges, resourcequotas } from './core/resourcequotas.js';
import { podtemplates } from './core/podtemplates.js';
import { componentstatuses } from './core/componentstatus.js';
import { runtimeclasses } from './node/runtimeclasses.js';
import { admissionRegistrationResources } from './admissionregistration/resources.js';
import { rbacResources } from './rbac/resources.js';
import { certificatesigningrequests } from './certificates/csr.js';
import { networkingResources } from './networking/ingress.js';
import { networkpolicies } from './networking/networkpolicy.js';
import { csiResources } from './storage/csi.js';
import { apiservices } from './apiregistration/apiservices.js';

/** allResources lists every served resource (group/version/plural unique). */
export const allResources: ResourceDefinition[] = [
  // core/v1
  configmaps, endpoints, events, namespaces, nodes, persistentvolumeclaims, persistentvolumes, pods,
  replicationcontrollers, secrets, serviceaccounts, services,
  // apps/v1
  controllerrevisions, daemonsets, deployments, replicasets, statefulsets,
  // autoscaling/v1 and v2 (one store, v2 is the storage version)
  hpaV1, hpaV2,
  // batch/v1
  cronjobs, jobs,
  // others
  leases, eventsV1, poddisruptionbudgets, storageclasses,
  // scheduling.k8s.io/v1
  priorityclasses,
  // apiextensions.k8s.io/v1
  customresourcedefinitions,
  // discovery.k8s.io/v1
  endpointslices,
  // authentication.k8s.io/v1 and authorization.k8s.io/v1 reviews (create-only, never stored)
  ...reviewResources,
  // core/v1 quotas, limits and templates; node.k8s.io/v1
  componentstatuses, limitranges, podtemplates, resourcequotas, runtimeclasses,
  // admissionregistration.k8s.io/v1
  ...admissionRegistrationResources,
  // rbac.authorization.k8s.io/v1
  ...rbacResources,
  // certificates.k8s.io/v1, networking.k8s.io/v1, storage.k8s.io/v1 CSI kinds, apiregistration.k8s.io/v1
  certificatesigningrequests, ...networkingResources, networkpolicies, ...csiResources, apiservices,
];

const byResource = new Map<string, ResourceDefinition>();
const byKind = new Map<string, ResourceDefinition>();
for (const d of allResources) {
  byResource.set(`${d.group}/${d.version}/${d.plural}`, d);
  byKind.set(`${d.group}/${d.version}/${d.kind}`, d);
}

/** findResource returns the definition served at group/version/plural, if any. */
export function findResource(group: string, version: string, plural: string): ResourceDefinition | undefined {
  return byResource.get(`${group}/${version}/${plural}`);
}

/** findByKind returns the definition of a group/version/kind, if served. */
export function findByKind(group: string, version: string, kind: string): ResourceDefinition | undefined {
  return byKind.get(`${group}/${version}/${kind}`);
}
