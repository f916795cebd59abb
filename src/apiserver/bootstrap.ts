import { StatusError } from '../apimachinery/errors.js';
import type { ApiServer } from './server.js';
import { reconcileKubernetesEndpoints } from './kubernetes-endpoints.js';
import { SYSTEM_PRIORITY_CLASSES } from '../api/misc/scheduling.js';
import { reconcileBootstrapPolicy } from './rbac/bootstrap.js';
import { allResources } from '../api/registry.js';
import { realClock, type Clock } from '../util/clock.js';
import { availableCell, localAPIServices, localAvailableStatus } from '../api/apiregistration/apiservices.js';
import { metricsResources } from './metrics/types.js';

/** SYSTEM_NAMESPACES exist in every cluster. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(exists: () => Promise<unknown>, create: () => Promise<unknown>): Promise<void> {
  try {
    await exists();
    return;
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 404)) throw e;
  }
  try {
    await create();
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 409)) throw e;
  }
}

/**
 * DEFAULT_STORAGE_CLASS is the cluster's default StorageClass, as kind ships it: `standard`, served
 * by tskube's built-in local-path provisioner, bound when the first pod is scheduled (so the
 * volume lives on that pod's node), deleted with its claim.
 */
export const DEFAULT_STORAGE_CLASS = {
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'tskube.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
};

/**
 * bootstrapCluster creates what kube-apiserver's bootstrap controller creates: the system
 * namespaces and the `kubernetes` Service in default (10.96.0.1, port 443); and, as a cluster
 * installer's addons do, the default StorageClass when it is missing; and the system namespaces'
 * `default` service accounts, ahead of the serviceaccount controller.
 */
export async function bootstrapCluster(api: ApiServer, o: { kubernetesServiceIP?: string; clock?: Clock } = {}): Promise<void> {
  const namespaces = api.storeFor('', 'v1', 'namespaces');
  // Each step's objects at once (their writes commit together); the namespaces come first.
  await Promise.all(SYSTEM_NAMESPACES.map((name) =>
    ensure(() => namespaces.get(undefined, name), () => namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } }))));
  // Each system namespace's `default` service account, which the serviceaccount controller would
  // make a moment later: pods are refused while their account is missing (ServiceAccount admission).
  const serviceAccounts = api.storeFor('', 'v1', 'serviceaccounts');
  await Promise.all(SYSTEM_NAMESPACES.map((namespace) =>
    ensure(() => serviceAccounts.get(namespace, 'default'), () => serviceAccounts.create(namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } }))));
  const services = api.storeFor('', 'v1', 'services');
  const serviceIP = o.kubernetesServiceIP ?? '10.96.0.1';
  const createService = () => services.create('default', {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: serviceIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: api.port }], sessionAffinity: 'None' },
  });
  await ensure(() => services.get('default', 'kubernetes'), async () => {
    try {
      await createService();
    } catch (e) {
      // A start stopped (Ctrl-C) between the address's record and the Service's write left a record
      // that names this very Service: it goes, and the Service is made (another holder's is an error).
      if (!(e instanceof StatusError && /provided IP is already allocated/.test(e.message))) throw e;
      if (!await api.releaseOrphanedServiceIP(serviceIP, 'default', 'kubernetes')) throw e;
      await createService();
    }
  });
  // kube-apiserver's endpoint reconciler: the kubernetes Service leads to this API server.
  await reconcileKubernetesEndpoints(api);
  const classes = api.storeFor('storage.k8s.io', 'v1', 'storageclasses');
  await ensure(() => classes.get(undefined, DEFAULT_STORAGE_CLASS.metadata.name), () => classes.create(undefined, structuredClone(DEFAULT_STORAGE_CLASS)));
  // kube-apiserver's scheduling/bootstrap-system-priority-classes post-start hook.
  const priorityClasses = api.storeFor('scheduling.k8s.io', 'v1', 'priorityclasses');
  await Promise.all(SYSTEM_PRIORITY_CLASSES.map((pc) =>
    ensure(() => priorityClasses.get(undefined, pc.metadata!.name!), () => priorityClasses.create(undefined, structuredClone(pc)))));
  // kube-aggregator's autoregister and availability controllers: a Local APIService per built-in group version, Available.
  const apiServices = api.storeFor('apiregistration.k8s.io', 'v1', 'apiservices');
  // The built-in resource metrics API is listed too: `kubectl get apiservices` shows v1beta1.metrics.k8s.io,
  // as where metrics-server runs (the docs' check before `kubectl top`).
  await Promise.all(localAPIServices([...allResources, ...metricsResources]).map(async (svc) => {
    const name = svc.metadata!.name!;
    await ensure(() => apiServices.get(undefined, name), () => apiServices.create(undefined, svc));
    const cur = await apiServices.get(undefined, name);
    if (!(cur.spec as { service?: unknown } | undefined)?.service && availableCell(cur) !== 'True') {
      await apiServices.update(undefined, name, { ...cur, status: localAvailableStatus((o.clock ?? realClock).now()) }, { subresource: 'status' });
    }
  }));
  // kube-apiserver's rbac/bootstrap-roles post-start hook.
  await reconcileBootstrapPolicy(api.storeFor);
  // The post-start work is done: /readyz and /healthz say ok from here on.
  api.bootstrapped();
}
