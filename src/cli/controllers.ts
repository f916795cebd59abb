import type { Controller } from '../controllers/common/run-workers.js';
import { DaemonSetsController } from '../controllers/daemonset/controller.js';
import { DeploymentController } from '../controllers/deployment/controller.js';
import { PodGCController } from '../controllers/podgc/controller.js';
import { NamespaceController } from '../controllers/namespace/controller.js';
import { NodeIpamController } from '../controllers/nodeipam/controller.js';
import { NodeLifecycleController } from '../controllers/nodelifecycle/controller.js';
import { TaintEvictionController } from '../controllers/tainteviction/controller.js';
import { DisruptionController } from '../controllers/disruption/controller.js';
import { GarbageCollector } from '../controllers/garbagecollector/garbage-collector.js';
import { ReplicaSetController } from '../controllers/replicaset/controller.js';
import { ReplicationManager } from '../controllers/replicaset/replication-controller.js';
import { ServiceAccountsController } from '../controllers/serviceaccount/controller.js';
import { StatefulSetController } from '../controllers/statefulset/controller.js';
import { PersistentVolumeController } from '../controllers/volume/persistentvolume/controller.js';
import { PVCProtectionController } from '../controllers/volume/pvcprotection/controller.js';
import { PVProtectionController } from '../controllers/volume/pvprotection/controller.js';
import { LocalPathProvisioner } from '../controllers/localpath/provisioner.js';
import { JobController } from '../controllers/job/controller.js';
import { TTLAfterFinishedController } from '../controllers/job/ttl-after-finished.js';
import { CronJobController } from '../controllers/cronjob/controller.js';
import { EndpointsController } from '../controllers/endpoint/controller.js';
import { EndpointSliceController } from '../controllers/endpointslice/controller.js';
import { EndpointSliceMirroringController } from '../controllers/endpointslicemirroring/controller.js';
import { ServiceLBController } from '../controllers/servicelb/controller.js';
import { HorizontalController } from '../controllers/podautoscaler/controller.js';
import { Publisher } from '../controllers/rootcacertpublisher/publisher.js';
import { ResourceQuotaController } from '../controllers/resourcequota/controller.js';
import { ClusterRoleAggregationController } from '../controllers/clusterroleaggregation/controller.js';
import { TokensController } from '../controllers/serviceaccount/tokens-controller.js';
import { CSRSigningController } from '../controllers/certificates/signer.js';
import { legacyTokenSigner } from '../apiserver/serviceaccount/index.js';

// What controllers are given lives with them (controllers never import cli/); re-exported for the CLI.
export { defaultControllerOptions, type ControllerContext, type ControllerOptions } from '../controllers/common/context.js';
import type { ControllerContext } from '../controllers/common/context.js';

/** ControllerFactory builds one controller; its name is the one of kube-controller-manager's --controllers. */
export interface ControllerFactory {
  name: string;
  /** workers synced at once (kube-controller-manager's --concurrent-*-syncs) */
  workers: number;
  create(ctx: ControllerContext): Controller;
}

/**
 * controllerFactories lists every controller `tskube server` and `tskube up` run, in start order.
 * Each controller lives in its own folder under src/controllers/ and adds one line here.
 */
export const controllerFactories: ControllerFactory[] = [
  { name: 'namespace', workers: 2, create: (ctx) => new NamespaceController(ctx.client, ctx.informers, ctx.clock) },
  { name: 'nodeipam', workers: 30 /* upstream's cidrUpdateWorkers */, create: (ctx) => new NodeIpamController(ctx) },
  { name: 'root-ca-cert-publisher', workers: 1, create: (ctx) => new Publisher({ ...ctx, rootCA: ctx.options.rootCA ?? '' }) },
  { name: 'serviceaccount', workers: 1, create: (ctx) => new ServiceAccountsController(ctx.client, ctx.informers, ctx.clock) },
  { name: 'clusterrole-aggregation', workers: 1, create: (ctx) => new ClusterRoleAggregationController(ctx) },
  { name: 'serviceaccount-token', workers: 1, create: (ctx) => new TokensController({ ...ctx, rootCA: ctx.options.rootCA ?? '', sign: legacyTokenSigner(ctx.options.serviceAccountPrivateKey) }) },
  { name: 'csrsigning', workers: 5, create: (ctx) => new CSRSigningController({ ...ctx, ca: ctx.options.clusterSigningCA, signingDurationMs: ctx.options.clusterSigningDurationMs }) },
  { name: 'endpoint', workers: 5, create: (ctx) => new EndpointsController(ctx) },
  { name: 'endpointslice', workers: 5, create: (ctx) => new EndpointSliceController(ctx) },
  { name: 'endpointslicemirroring', workers: 5, create: (ctx) => new EndpointSliceMirroringController(ctx) },
  { name: 'service-lb-controller', workers: 1, create: (ctx) => new ServiceLBController(ctx) },
  { name: 'replicaset', workers: 5, create: (ctx) => new ReplicaSetController(ctx) },
  { name: 'deployment', workers: 5, create: (ctx) => new DeploymentController(ctx) },
  { name: 'replicationcontroller', workers: 5, create: (ctx) => new ReplicationManager(ctx) },
  { name: 'daemonset', workers: 2, create: (ctx) => new DaemonSetsController(ctx) },
  { name: 'statefulset', workers: 5, create: (ctx) => new StatefulSetController(ctx) },
  { name: 'persistentvolume-binder', workers: 1, create: (ctx) => new PersistentVolumeController(ctx) },
  { name: 'pvc-protection', workers: 1, create: (ctx) => new PVCProtectionController(ctx) },
  { name: 'pv-protection', workers: 1, create: (ctx) => new PVProtectionController(ctx) },
  { name: 'local-path-provisioner', workers: 2, create: (ctx) => new LocalPathProvisioner(ctx) },
  { name: 'job', workers: 5, create: (ctx) => new JobController(ctx) },
  { name: 'cronjob', workers: 5, create: (ctx) => new CronJobController(ctx) },
  { name: 'ttl-after-finished', workers: 5, create: (ctx) => new TTLAfterFinishedController(ctx) },
  { name: 'horizontalpodautoscaling', workers: 5, create: (ctx) => new HorizontalController(ctx) },
  { name: 'nodelifecycle', workers: 8, create: (ctx) => new NodeLifecycleController(ctx.client, ctx.informers, ctx.clock, ctx.options) },
  { name: 'taint-eviction-controller', workers: 8, create: (ctx) => new TaintEvictionController(ctx.client, ctx.informers, ctx.clock) },
  { name: 'disruption', workers: 1, create: (ctx) => new DisruptionController(ctx.client, ctx.informers, ctx.clock) },
  { name: 'resourcequota', workers: 5, create: (ctx) => new ResourceQuotaController(ctx) },
  { name: 'podgc', workers: 1, create: (ctx) => new PodGCController(ctx.client, ctx.informers, ctx.clock) },
  { name: 'garbagecollector', workers: 20, create: (ctx) => new GarbageCollector({ client: ctx.client, informers: ctx.informers, clock: ctx.clock }) },
];
