import type { KubeObject } from '../api/resource.js';
import { Resources, type Client } from '../client/types.js';
import type { Informer, InformerFactory } from '../client/informer-types.js';
import type { Clock } from '../util/clock.js';
import { log } from '../util/log.js';
import {
  checkNodeAffinity, findMatchingVolume, getPersistentVolumeClaimClass, matchNodeSelectorTerms, requestedStorage,
} from '../controllers/volume/persistentvolume/index.js';
import { Ann, StorageClasses, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../controllers/volume/types.js';

const logger = log.child({ component: 'default-scheduler' });

/** VolumeBindingReasons are kube-scheduler's words for nodes the pod's volumes rule out. */
export const VolumeBindingReasons = {
  bindConflict: "node(s) didn't find available persistent volumes to bind",
  nodeConflict: 'node(s) had volume node affinity conflict',
  pvNotExist: 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)',
  unboundImmediate: 'pod has unbound immediate PersistentVolumeClaims',
} as const;

/** DEFAULT_BIND_TIMEOUT_MS is the VolumeBinding plugin's bindTimeoutSeconds (600). */
export const DEFAULT_BIND_TIMEOUT_MS = 600_000;

/** PodVolumeClaims sorts the claims of a pod (GetPodVolumeClaims). */
export interface PodVolumeClaims {
  bound: Readonly<PersistentVolumeClaim>[];
  /** WaitForFirstConsumer claims without a volume: the scheduler chooses */
  unboundDelayBinding: Readonly<PersistentVolumeClaim>[];
}

/** NodeVolumes is what binding the pod to one node takes (upstream's PodVolumes). */
export interface NodeVolumes {
  /** volumes to pre-bind to claims (static binding) */
  staticBindings: { pv: Readonly<PersistentVolume>; pvc: Readonly<PersistentVolumeClaim> }[];
  /** claims to provision on this node (selected-node) */
  dynamicProvisions: Readonly<PersistentVolumeClaim>[];
}

/** PreFilterResult: skip (no claims), reject (every node, with a reason), or the claims to check per node. */
export type VolumePreFilter = { skip: true } | { reject: string } | { claims: PodVolumeClaims };

/**
 * VolumeBinding is kube-scheduler's VolumeBinding plugin, as much of it as tskube's volumes need:
 * PreFilter refuses pods whose claims are missing, being deleted, lost, or unbound with Immediate
 * binding; Filter rules out nodes a bound volume's node affinity excludes, and for
 * WaitForFirstConsumer claims nodes with neither a matching volume nor a provisioner that can serve
 * them; PreBind pre-binds chosen volumes or marks claims with the selected node (which starts
 * provisioning) and waits until every claim is bound before the pod is bound to the node.
 */
export class VolumeBinding {
  private readonly claims: Informer<PersistentVolumeClaim>;
  private readonly volumes: Informer<PersistentVolume>;
  private readonly classes: Informer<StorageClass>;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly o: { client: Client; informers: InformerFactory; clock: Clock; bindTimeoutMs?: number }) {
    this.claims = o.informers.informerFor<PersistentVolumeClaim>(Resources.persistentvolumeclaims);
    this.volumes = o.informers.informerFor<PersistentVolume>(Resources.persistentvolumes);
    this.classes = o.informers.informerFor<StorageClass>(StorageClasses);
    const wake = () => { for (const w of this.waiters) w(); };
    this.claims.addEventHandler({ add: wake, update: wake, delete: wake });
    this.volumes.addEventHandler({ add: wake, update: wake, delete: wake });
  }

  /** onChange registers fn to run whenever a claim or volume changes (the scheduler retries pods then). */
  onChange(fn: () => void): void {
    this.claims.addEventHandler({ add: fn, update: fn });
    this.volumes.addEventHandler({ add: fn, update: fn });
    this.classes.addEventHandler({ add: fn, update: fn });
  }

  /** preFilter collects the pod's claims; a claim problem rejects the pod on every node. */
  preFilter(pod: Readonly<KubeObject>): VolumePreFilter {
    const ns = pod.metadata?.namespace ?? '';
    const names = claimNames(pod);
    if (names.length === 0) return { skip: true };
    const claims: PodVolumeClaims = { bound: [], unboundDelayBinding: [] };
    for (const name of names) {
      const pvc = this.claims.lister.get(ns, name);
      if (!pvc) return { reject: `persistentvolumeclaim "${name}" not found` };
      if (pvc.status?.phase === 'Lost') return { reject: `persistentvolumeclaim "${name}" bound to non-existent persistentvolume "${pvc.spec?.volumeName ?? ''}"` };
      if (pvc.metadata?.deletionTimestamp) return { reject: `persistentvolumeclaim "${name}" is being deleted` };
    }
    for (const name of new Set(names)) {
      const pvc = this.claims.lister.get(ns, name)!;
      if (pvc.spec?.volumeName && pvc.metadata?.annotations?.[Ann.bindCompleted] !== undefined) { claims.bound.push(pvc); continue; }
      if (this.isDelayBinding(pvc) && !pvc.spec?.volumeName) { claims.unboundDelayBinding.push(pvc); continue; }
      // Immediate claims (and pre-bound ones) are the PV controller's to bind first.
      return { reject: VolumeBindingReasons.unboundImmediate };
    }
    return { claims };
  }

  /** filter says why node cannot host the pod's volumes (undefined when it can), remembering what binding there takes. */
  filter(claims: PodVolumeClaims, node: Readonly<KubeObject>, plan: Map<string, NodeVolumes>): string | undefined {
    for (const pvc of claims.bound) {
      const pv = this.volumes.lister.get(undefined, pvc.spec?.volumeName ?? '');
      if (!pv) return VolumeBindingReasons.pvNotExist;
      if (checkNodeAffinity(pv, node) !== undefined) return VolumeBindingReasons.nodeConflict;
    }
    const nodeName = node.metadata?.name ?? '';
    const result: NodeVolumes = { staticBindings: [], dynamicProvisions: [] };
    const chosen = new Set<string>();
    // Smaller claims first, as upstream sorts them, so they do not take the volumes bigger ones need.
    const toMatch = [...claims.unboundDelayBinding].sort((a, b) => requestedStorage(a) - requestedStorage(b));
    for (const pvc of toMatch) {
      const selected = pvc.metadata?.annotations?.[Ann.selectedNode];
      if (selected !== undefined) {
        // Provisioning for another node has started already.
        if (selected !== nodeName) return VolumeBindingReasons.bindConflict;
        result.dynamicProvisions.push(pvc);
        continue;
      }
      const className = getPersistentVolumeClaimClass(pvc);
      const candidates = this.volumes.lister.list(undefined, (v) => (v.spec?.storageClassName ?? '') === className);
      const pv = findMatchingVolume(pvc, candidates, node, chosen, true);
      if (pv) {
        chosen.add(pv.metadata?.name ?? '');
        result.staticBindings.push({ pv, pvc });
        continue;
      }
      const cls = this.classes.lister.get(undefined, className);
      if (!cls || cls.provisioner === 'kubernetes.io/no-provisioner') return VolumeBindingReasons.bindConflict;
      if (cls.allowedTopologies?.length && !matchNodeSelectorTerms(node, cls.allowedTopologies.map((t) => ({
        matchExpressions: (t.matchLabelExpressions ?? []).map((e) => ({ key: e.key, operator: 'In', values: e.values })),
      })))) return VolumeBindingReasons.bindConflict;
      result.dynamicProvisions.push(pvc);
    }
    plan.set(nodeName, result);
    return undefined;
  }

  /**
   * preBind writes the chosen bindings (volume claimRefs, claims' selected-node) and waits until
   * every claim of the pod is bound, or the bind timeout passes (then it throws).
   */
  async preBind(pod: Readonly<KubeObject>, nodeName: string, claims: PodVolumeClaims, nodeVolumes: NodeVolumes | undefined, signal?: AbortSignal): Promise<void> {
    for (const { pv, pvc } of nodeVolumes?.staticBindings ?? []) {
      if (pv.spec?.claimRef?.uid === pvc.metadata?.uid) continue;
      logger.v(5).info('Updating PersistentVolume: binding to claim', { PVC: `${pvc.metadata?.namespace}/${pvc.metadata?.name}`, PV: pv.metadata?.name });
      await this.o.client.update(Resources.persistentvolumes, undefined, {
        ...pv, apiVersion: 'v1', kind: 'PersistentVolume',
        metadata: { ...pv.metadata, annotations: { ...(pv.metadata?.annotations ?? {}), [Ann.boundByController]: 'yes' } },
        spec: { ...pv.spec, claimRef: { kind: 'PersistentVolumeClaim', namespace: pvc.metadata?.namespace, name: pvc.metadata?.name, uid: pvc.metadata?.uid, apiVersion: 'v1', resourceVersion: pvc.metadata?.resourceVersion } },
      } as KubeObject);
    }
    for (const pvc of nodeVolumes?.dynamicProvisions ?? []) {
      if (pvc.metadata?.annotations?.[Ann.selectedNode] === nodeName) continue;
      logger.v(5).info('Updating claims objects to trigger volume provisioning', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, PVC: pvc.metadata?.name });
      await this.o.client.patch(Resources.persistentvolumeclaims, pvc.metadata?.namespace, pvc.metadata?.name ?? '', { metadata: { annotations: { [Ann.selectedNode]: nodeName } } }, 'merge');
    }
    const ns = pod.metadata?.namespace ?? '';
    const names = [...claims.bound, ...claims.unboundDelayBinding].map((c) => c.metadata?.name ?? '');
    await this.waitFor(() => names.every((n) => {
      const pvc = this.claims.lister.get(ns, n);
      if (!pvc) throw new Error(`failed to get PVC "${ns}/${n}": persistentvolumeclaim "${n}" not found`);
      if (!pvc.spec?.volumeName || pvc.metadata?.annotations?.[Ann.bindCompleted] === undefined) return false;
      return this.volumes.lister.get(undefined, pvc.spec.volumeName) !== undefined;
    }), signal);
  }

  private isDelayBinding(pvc: Readonly<PersistentVolumeClaim>): boolean {
    const name = getPersistentVolumeClaimClass(pvc);
    return !!name && this.classes.lister.get(undefined, name)?.volumeBindingMode === 'WaitForFirstConsumer';
  }

  /** waitFor resolves once done() holds, re-checking on every claim or volume change, until the bind timeout. */
  private waitFor(done: () => boolean, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      let finished = false;
      const finish = (err?: Error) => {
        if (finished) return;
        finished = true;
        this.waiters.delete(check);
        cancel();
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err); else resolve();
      };
      const check = () => {
        try { if (done()) finish(); } catch (e) { finish(e as Error); }
      };
      const cancel = this.o.clock.setTimeout(() => finish(new Error('binding volumes: context deadline exceeded')), this.o.bindTimeoutMs ?? DEFAULT_BIND_TIMEOUT_MS);
      const onAbort = () => finish(new Error('binding volumes: context canceled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(check);
      check();
    });
  }
}

/** claimNames lists the claims a pod's volumes name (ephemeral volumes' generated claims included). */
function claimNames(pod: Readonly<KubeObject>): string[] {
  const spec = pod.spec as { volumes?: { name: string; persistentVolumeClaim?: { claimName?: string }; ephemeral?: unknown }[] } | undefined;
  const out: string[] = [];
  for (const v of spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata?.name}-${v.name}`);
  }
  return out;
}
