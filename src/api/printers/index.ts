import type { TablePrinter } from '../resource.js';
import { AGE, NAME, get } from './columns.js';
import { ageOf } from './duration.js';
import { podPrinter } from './pod.js';
import { configMapPrinter, endpointsPrinter, eventPrinter, namespacePrinter, nodePrinter, pvcPrinter, pvPrinter, secretPrinter, serviceAccountPrinter, servicePrinter } from './core.js';
import { controllerRevisionPrinter, cronJobPrinter, daemonSetPrinter, deploymentPrinter, jobPrinter, replicaSetPrinter, replicationControllerPrinter, statefulSetPrinter } from './workloads.js';
import { hpaPrinter, leasePrinter, pdbPrinter, storageClassPrinter } from './cluster.js';

/** defaultPrinter is Kubernetes' table for kinds without their own columns: NAME AGE. */
export const defaultPrinter: TablePrinter = {
  columns: [NAME, AGE],
  cells: (o, now) => [get(o, 'metadata', 'name'), ageOf(get(o, 'metadata', 'creationTimestamp'), now)],
};

const PRINTERS: Record<string, TablePrinter> = {
  '/pods': podPrinter,
  '/services': servicePrinter,
  '/endpoints': endpointsPrinter,
  '/configmaps': configMapPrinter,
  '/secrets': secretPrinter,
  '/namespaces': namespacePrinter,
  '/nodes': nodePrinter,
  '/events': eventPrinter,
  '/persistentvolumeclaims': pvcPrinter,
  '/persistentvolumes': pvPrinter,
  '/serviceaccounts': serviceAccountPrinter,
  '/replicationcontrollers': replicationControllerPrinter,
  'apps/deployments': deploymentPrinter,
  'apps/replicasets': replicaSetPrinter,
  'apps/statefulsets': statefulSetPrinter,
  'apps/daemonsets': daemonSetPrinter,
  'apps/controllerrevisions': controllerRevisionPrinter,
  'batch/jobs': jobPrinter,
  'batch/cronjobs': cronJobPrinter,
  'autoscaling/horizontalpodautoscalers': hpaPrinter,
  'coordination.k8s.io/leases': leasePrinter,
  'policy/poddisruptionbudgets': pdbPrinter,
  'storage.k8s.io/storageclasses': storageClassPrinter,
};

/** printerFor returns the table printer of a resource, or undefined (the default NAME/AGE table). */
export function printerFor(group: string, plural: string): TablePrinter | undefined {
  return PRINTERS[`${group}/${plural}`];
}
