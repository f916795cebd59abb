import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { ControllerContext } from '../common/context.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, splitKey, type Informer } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller, type SyncResult } from '../common/run-workers.js';
import { Ann, StorageClasses, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../volume/types.js';

/** LOCAL_PATH_PROVISIONER is the provisioner name of tskube's built-in local-path provisioner (the default class's). */
export const LOCAL_PATH_PROVISIONER = 'tskube.io/local-path';

/**
 * LOCAL_PATH_DIR_ANNOTATION is the node annotation where a node agent says under which directory
 * of that node local-path volumes live (src/agent/volumes.ts writes it; the value there must stay
 * the same string).
 */
export const LOCAL_PATH_DIR_ANNOTATION = 'tskube.io/local-path-dir';

/** DEFAULT_LOCAL_PATH_DIR is used for nodes that do not say (rancher local-path-provisioner's default). */
export const DEFAULT_LOCAL_PATH_DIR = '/opt/local-path-provisioner';

/** HELPER_NAMESPACE is where helper pods that delete volume directories run. */
export const HELPER_NAMESPACE = 'kube-system';
/** HELPER_LABEL labels helper pods with the volume they work on. */
export const HELPER_LABEL = 'local-path.tskube.io/volume';
/** HELPER_IMAGE runs the helper's shell. */
export const HELPER_IMAGE = 'busybox';

/** Node is the part of core/v1 Node the provisioner reads. */
interface Node extends KubeObject { status?: { conditions?: { type: string; status: string }[] } }
/** HelperPod is the part of core/v1 Pod the provisioner reads of its helper pods. */
interface HelperPod extends KubeObject { status?: { phase?: string; containerStatuses?: { state?: { terminated?: { exitCode?: number; message?: string } } }[] } }

const CLAIM = 'claim:';
const VOLUME = 'volume:';

const isCode = (e: unknown, code: number) => e instanceof StatusError && e.code === code;

/**
 * LocalPathProvisioner is tskube's built-in dynamic provisioner, an external provisioner in
 * Kubernetes' sense (it runs beside the PV controller and speaks to it only through objects), in
 * the way of rancher's local-path-provisioner: for a claim of a class whose provisioner is
 * tskube.io/local-path, once the PV controller has handed it over (the storage-provisioner
 * annotation) and — under WaitForFirstConsumer — the scheduler has picked a node for its first
 * pod (the selected-node annotation), it creates a hostPath PersistentVolume pre-bound to the
 * claim, with node affinity to that node and a directory under the node's local-path directory
 * (created by the node agent when a pod mounts it). When such a volume is Released under the
 * Delete policy, a helper pod on its node removes the directory and the volume is deleted.
 */
export class LocalPathProvisioner implements Controller {
  readonly name = 'local-path-provisioner';
  readonly queue: WorkQueue<string>;
  /** recorder writes the provisioner's events (tests flush it) */
  readonly recorder: EventRecorder;
  private readonly client: Client;
  private readonly logger = log.child({ component: 'local-path-provisioner' });
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<HelperPod>;

  constructor(private readonly ctx: ControllerContext) {
    this.client = ctx.client;
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'local_path_provisioner' });
    // External provisioners report as NAME_IDENTITY, so `kubectl describe pvc` shows who provisioned.
    this.recorder = new EventRecorder(ctx.client, { component: `${LOCAL_PATH_PROVISIONER}_${os.hostname()}_${randomUUID()}` }, ctx.clock);
    this.claims = ctx.informers.informerFor<PersistentVolumeClaim>(Resources.persistentvolumeclaims);
    this.volumes = ctx.informers.informerFor<PersistentVolume>(Resources.persistentvolumes);
    this.classes = ctx.informers.informerFor<StorageClass>(StorageClasses);
    this.nodes = ctx.informers.informerFor<Node>(Resources.nodes);
    this.pods = ctx.informers.informerFor<HelperPod>(Resources.pods);
    this.claims.addEventHandler({ add: (c) => this.queue.add(CLAIM + keyOf(c)), update: (_o, c) => this.queue.add(CLAIM + keyOf(c)) });
    this.volumes.addEventHandler({ add: (v) => this.queue.add(VOLUME + keyOf(v)), update: (_o, v) => this.queue.add(VOLUME + keyOf(v)) });
    const helperChanged = (p: Readonly<HelperPod>) => {
      const volume = p.metadata?.labels?.[HELPER_LABEL];
      if (volume && p.metadata?.namespace === HELPER_NAMESPACE) this.queue.add(VOLUME + volume);
    };
    this.pods.addEventHandler({ add: helperChanged, update: (_o, p) => helperChanged(p), delete: helperChanged });
  }

  /** run provisions and deletes until signal aborts. */
  async run(signal: AbortSignal, workers = 2): Promise<void> {
    this.logger.info('Starting provisioner controller', { provisioner: LOCAL_PATH_PROVISIONER });
    await runWorkers({
      queue: this.queue, workers, signal, log: this.logger,
      waitForSync: (s) => this.ctx.informers.waitForCacheSync(s),
      sync: (key) => (key.startsWith(CLAIM) ? this.syncClaim(key.slice(CLAIM.length)) : this.syncVolume(key.slice(VOLUME.length))),
    });
  }

  // ---- provisioning ----

  /** shouldProvision: an unbound claim handed to this provisioner, of a class of it, with a node chosen when the class waits for one. */
  private shouldProvision(claim: Readonly<PersistentVolumeClaim>): StorageClass | undefined {
    if (claim.spec?.volumeName || claim.metadata?.deletionTimestamp) return undefined;
    const ann = claim.metadata?.annotations ?? {};
    if ((ann[Ann.storageProvisioner] ?? ann[Ann.betaStorageProvisioner]) !== LOCAL_PATH_PROVISIONER) return undefined;
    const className = ann[Ann.betaStorageClass] ?? claim.spec?.storageClassName ?? '';
    const cls = this.classes.lister.get(undefined, className);
    if (!cls || cls.provisioner !== LOCAL_PATH_PROVISIONER) return undefined;
    if (cls.volumeBindingMode === 'WaitForFirstConsumer' && !ann[Ann.selectedNode]) return undefined;
    return cls as StorageClass;
  }

  /** syncClaim provisions a volume for the claim if it should have one and none exists yet. */
  async syncClaim(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const claim = this.claims.lister.get(namespace, name);
    if (!claim) return;
    const cls = this.shouldProvision(claim);
    if (!cls) return;
    const pvName = volumeNameFor(claim);
    // Already provisioned (the PV controller binds it): nothing to do.
    if (this.volumes.lister.get(undefined, pvName)) return;
    this.recorder.event(asClaim(claim), 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    let pv: PersistentVolume;
    try {
      pv = this.volumeFor(claim, cls, pvName);
    } catch (e) {
      this.recorder.event(asClaim(claim), 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls.metadata?.name}": ${(e as Error).message}`);
      throw e;
    }
    try {
      await this.client.create(Resources.persistentvolumes, undefined, pv);
    } catch (e) {
      if (!isCode(e, 409)) {
        this.recorder.event(asClaim(claim), 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls.metadata?.name}": ${(e as Error).message}`);
        throw e;
      }
    }
    this.logger.info('Provisioned volume', { PVC: key, volume: pvName, path: pv.spec?.hostPath?.path });
    this.recorder.event(asClaim(claim), 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  }

  /** volumeFor builds the PersistentVolume of a claim: a directory on the selected node, pre-bound to the claim. */
  private volumeFor(claim: Readonly<PersistentVolumeClaim>, cls: Readonly<StorageClass>, pvName: string): PersistentVolume {
    for (const m of claim.spec?.accessModes ?? []) {
      if (m !== 'ReadWriteOnce' && m !== 'ReadWriteOncePod') throw new Error('NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes');
    }
    if ((claim.spec?.volumeMode ?? 'Filesystem') !== 'Filesystem') throw new Error(`volumeMode ${claim.spec?.volumeMode} is not supported`);
    const nodeName = claim.metadata?.annotations?.[Ann.selectedNode];
    if (!nodeName) throw new Error('configuration error, no node was specified');
    const node = this.nodes.lister.get(undefined, nodeName);
    if (!node) throw new Error(`failed to get target node: node "${nodeName}" not found`);
    const storage = claim.spec?.resources?.requests?.storage;
    if (storage === undefined) throw new Error('claim.Spec.Resources.Requests[storage] is not set');
    const base = node.metadata?.annotations?.[LOCAL_PATH_DIR_ANNOTATION] || DEFAULT_LOCAL_PATH_DIR;
    const dir = path.join(base, `${pvName}_${claim.metadata?.namespace}_${claim.metadata?.name}`);
    const hostname = node.metadata?.labels?.['kubernetes.io/hostname'] ?? nodeName;
    return {
      apiVersion: 'v1', kind: 'PersistentVolume',
      metadata: { name: pvName, annotations: { [Ann.dynamicallyProvisioned]: LOCAL_PATH_PROVISIONER, 'local.path.provisioner/selected-node': nodeName } },
      spec: {
        accessModes: [...(claim.spec?.accessModes ?? [])],
        capacity: { storage },
        claimRef: {
          apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: claim.metadata?.namespace, name: claim.metadata?.name,
          uid: claim.metadata?.uid, resourceVersion: claim.metadata?.resourceVersion,
        },
        hostPath: { path: dir, type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] } },
        persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
        storageClassName: cls.metadata?.name,
        volumeMode: 'Filesystem',
      },
    };
  }

  // ---- deleting ----

  /** shouldDelete: a volume of this provisioner, Released, whose policy is Delete. */
  private shouldDelete(pv: Readonly<PersistentVolume>): boolean {
    return pv.metadata?.annotations?.[Ann.dynamicallyProvisioned] === LOCAL_PATH_PROVISIONER && pv.status?.phase === 'Released'
      && pv.spec?.persistentVolumeReclaimPolicy === 'Delete' && !pv.metadata?.deletionTimestamp;
  }

  /**
   * syncVolume deletes a released volume: a helper pod on its node removes the directory; once it
   * succeeded the helper pod and the volume are deleted. A failed helper is reported on the volume
   * (VolumeFailedDelete) and retried.
   */
  async syncVolume(name: string): Promise<void | SyncResult> {
    const pv = this.volumes.lister.get(undefined, name);
    const helperName = helperPodName(name);
    const helper = this.pods.lister.get(HELPER_NAMESPACE, helperName);
    if (!pv || !this.shouldDelete(pv)) {
      // The volume is gone (or no longer released): a leftover helper goes too.
      if (helper && !helper.metadata?.deletionTimestamp && (!pv || helper.status?.phase === 'Succeeded' || helper.status?.phase === 'Failed')) await this.deleteHelper(helperName);
      return;
    }
    const dir = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    const nodeName = pv.metadata?.annotations?.['local.path.provisioner/selected-node'] ?? nodeOfAffinity(pv);
    if (!dir || !nodeName || !this.nodes.lister.get(undefined, nodeName)) {
      // Nowhere to run the helper (the node is gone): the directory went with it.
      await this.deleteVolume(name);
      return;
    }
    if (!helper) {
      await this.createHelper(helperName, name, nodeName, dir);
      return;
    }
    if (helper.metadata?.deletionTimestamp) return;
    if (helper.status?.phase === 'Succeeded') {
      await this.deleteVolume(name);
      await this.deleteHelper(helperName);
      this.logger.info('Deleted volume', { volume: name, path: dir, node: nodeName });
      return;
    }
    if (helper.status?.phase === 'Failed') {
      const msg = helper.status.containerStatuses?.[0]?.state?.terminated?.message ?? `exit code ${helper.status.containerStatuses?.[0]?.state?.terminated?.exitCode ?? 'unknown'}`;
      this.recorder.event({ ...pv, apiVersion: 'v1', kind: 'PersistentVolume' } as KubeObject, 'Warning', 'VolumeFailedDelete', `failed to delete volume ${name}: helper pod ${HELPER_NAMESPACE}/${helperName} failed: ${msg}`);
      await this.deleteHelper(helperName);
      throw new Error(`helper pod ${helperName} failed`);
    }
  }

  /** createHelper runs `rm -rf DIR` in a pod pinned to the node, with the parent directory mounted at its own path. */
  private async createHelper(helperName: string, pvName: string, nodeName: string, dir: string): Promise<void> {
    const parent = path.dirname(dir);
    const pod: KubeObject = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: helperName, namespace: HELPER_NAMESPACE, labels: { [HELPER_LABEL]: pvName } },
      spec: {
        nodeName, restartPolicy: 'Never',
        tolerations: [{ operator: 'Exists' }],
        containers: [{
          name: 'helper-pod', image: HELPER_IMAGE, command: ['/bin/sh', '-c', 'rm -rf "$VOL_DIR"'],
          env: [{ name: 'VOL_DIR', value: dir }],
          volumeMounts: [{ name: 'data', mountPath: parent }],
        }],
        volumes: [{ name: 'data', hostPath: { path: parent, type: 'DirectoryOrCreate' } }],
      },
    };
    try {
      await this.client.create(Resources.pods, HELPER_NAMESPACE, pod);
    } catch (e) {
      if (!isCode(e, 409)) throw e;
    }
  }

  private async deleteHelper(name: string): Promise<void> {
    try {
      await this.client.delete(Resources.pods, HELPER_NAMESPACE, name, { gracePeriodSeconds: 0 });
    } catch (e) {
      if (!isCode(e, 404)) throw e;
    }
  }

  private async deleteVolume(name: string): Promise<void> {
    try {
      await this.client.delete(Resources.persistentvolumes, undefined, name);
    } catch (e) {
      if (!isCode(e, 404)) throw e;
    }
  }
}

/** volumeNameFor is pvc-<claim uid>, the name external provisioners give their volumes. */
export function volumeNameFor(claim: Readonly<PersistentVolumeClaim>): string {
  return `pvc-${claim.metadata?.uid}`;
}

/** helperPodName is the helper pod that deletes a volume's directory. */
export function helperPodName(pvName: string): string {
  return `helper-pod-delete-${pvName}`;
}

/** nodeOfAffinity reads the node a volume is pinned to from its kubernetes.io/hostname affinity. */
function nodeOfAffinity(pv: Readonly<PersistentVolume>): string | undefined {
  for (const t of pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const e of t.matchExpressions ?? []) if (e.key === 'kubernetes.io/hostname' && e.operator === 'In' && e.values?.length === 1) return e.values[0];
  }
  return undefined;
}

function asClaim(c: Readonly<PersistentVolumeClaim>): KubeObject {
  return { ...c, apiVersion: 'v1', kind: 'PersistentVolumeClaim' } as KubeObject;
}
