import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { labelSelectorFromSpec, matchesLabels } from '../../apimachinery/labels.js';
import { controllerOf, type OwnerRef } from '../../apimachinery/ownerrefs.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, splitKey, type Informer, type InformerFactory } from '../../client/informer-types.js';
import { Resources, type Client, type ResourceRef } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import { getPodCondition, updatePodCondition, type Pod } from '../nodelifecycle/pod-conditions.js';
import {
  DISRUPTION_ALLOWED, SYNC_FAILED, buildDisruptedPodMap, computeStatus, countHealthyPods, desiredHealthyFor, setStatusCondition,
  type PodDisruptionBudget,
} from './pdb-status.js';

/** PDB_RESOURCE is policy/v1 poddisruptionbudgets. */
export const PDB_RESOURCE: ResourceRef = { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', namespaced: true };

/** STALE_POD_DISRUPTION_TIMEOUT_MS: a DisruptionTarget condition on a pod that was not deleted this long after is reset (2 min). */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60_000;

interface Scalable extends KubeObject { spec?: { replicas?: number } }

/** scaleKinds are the workloads whose scale the controller reads from its caches (upstream's finders). */
const scaleKinds: Record<string, { res: ResourceRef; groups: string[] }> = {
  ReplicationController: { res: Resources.replicationcontrollers, groups: [''] },
  ReplicaSet: { res: Resources.replicasets, groups: ['apps', 'extensions'] },
  Deployment: { res: Resources.deployments, groups: ['apps', 'extensions'] },
  StatefulSet: { res: Resources.statefulsets, groups: ['apps'] },
};

/** kindsWithoutScale names other workload kinds a pod may be controlled by, for upstream's error message. */
const kindsWithoutScale: Record<string, string> = {
  DaemonSet: 'daemonsets.apps', Job: 'jobs.batch', CronJob: 'cronjobs.batch', Node: 'nodes',
};

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/**
 * DisruptionController keeps PodDisruptionBudget status (kube-controller-manager's disruption
 * controller): how many matching pods are healthy (Ready, not being deleted, not just evicted),
 * how many must be (minAvailable, or the pods' controllers' scale minus maxUnavailable; percents
 * rounded up), how many disruptions that allows, and the DisruptionAllowed condition. The eviction
 * subresource reads that status, decrements it and records disruptedPods; this controller drops
 * entries whose deletion never came within two minutes.
 */
export class DisruptionController implements Controller {
  readonly name = 'disruption';
  private readonly pods: Informer<Pod>;
  private readonly pdbs: Informer<PodDisruptionBudget>;
  private readonly workloads: Record<string, Informer<Scalable>> = {};
  private readonly recorder: EventRecorder;
  private readonly logger = log.child({ component: 'disruption-controller' });
  private readonly queue: WorkQueue<string>;
  private readonly stalePodQueue: WorkQueue<string>;

  constructor(private readonly client: Client, private readonly informers: InformerFactory, private readonly clock: Clock, recorder?: EventRecorder) {
    this.recorder = recorder ?? new EventRecorder(client, { component: 'controllermanager' }, clock);
    this.queue = new WorkQueue<string>(clock, { name: 'disruption' });
    this.stalePodQueue = new WorkQueue<string>(clock, { name: 'stale_pod_disruption' });
    this.pods = informers.informerFor<Pod>(Resources.pods);
    this.pdbs = informers.informerFor<PodDisruptionBudget>(PDB_RESOURCE);
    for (const [kind, { res }] of Object.entries(scaleKinds)) this.workloads[kind] = informers.informerFor<Scalable>(res);
    this.pdbs.addEventHandler({
      add: (p) => this.queue.add(keyOf(p)),
      update: (_o, p) => this.queue.add(keyOf(p)),
      delete: (p) => this.queue.add(keyOf(p)),
    });
    this.pods.addEventHandler({
      add: (p) => this.podChanged(p, true),
      update: (_o, p) => this.podChanged(p, true),
      delete: (p) => this.podChanged(p, false),
    });
  }

  /** run syncs PodDisruptionBudgets and clears stale DisruptionTarget conditions until signal aborts. */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    const waitForSync = (s: AbortSignal) => this.informers.waitForCacheSync(s);
    await Promise.all([
      runWorkers({ queue: this.queue, workers, signal, log: this.logger, waitForSync, sync: (key) => this.sync(key) }),
      runWorkers({ queue: this.stalePodQueue, workers: 1, signal, log: this.logger, waitForSync, sync: (key) => this.syncStalePodDisruption(key) }),
    ]);
  }

  private podChanged(pod: Readonly<Pod>, alive: boolean): void {
    const pdb = this.getPdbForPod(pod);
    if (pdb) this.queue.add(keyOf(pdb));
    if (!alive) return;
    const stale = this.nonTerminatingPodHasStaleDisruptionCondition(pod);
    if (stale !== undefined) this.stalePodQueue.addAfter(keyOf(pod), stale);
  }

  /** getPdbsForPod lists the PDBs whose selector matches the pod (policy/v1: a null selector matches nothing, {} everything). */
  getPdbsForPod(pod: Readonly<Pod>): Readonly<PodDisruptionBudget>[] {
    return this.pdbs.lister.list(pod.metadata?.namespace ?? '', (pdb) => {
      const sel = pdb.spec?.selector;
      return !!sel && matchesLabels(labelSelectorFromSpec(sel), pod.metadata?.labels ?? {});
    });
  }

  private getPdbForPod(pod: Readonly<Pod>): Readonly<PodDisruptionBudget> | undefined {
    const pdbs = this.getPdbsForPod(pod);
    if (pdbs.length > 1) {
      const msg = `Pod "${pod.metadata?.namespace}"/"${pod.metadata?.name}" matches multiple PodDisruptionBudgets.  Chose "${pdbs[0].metadata?.name}" arbitrarily.`;
      this.logger.info(msg);
      this.recorder.event({ ...pod, apiVersion: 'v1', kind: 'Pod' }, 'Warning', 'MultiplePodDisruptionBudgets', msg);
    }
    return pdbs[0];
  }

  /** sync recomputes one PDB's status; on a failure other than a conflict it fails safe (no disruptions allowed). */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pdb = this.pdbs.lister.get(namespace, name);
    if (!pdb) {
      this.logger.v(4).info('podDisruptionBudget has been deleted', { key });
      return;
    }
    try {
      await this.trySync(pdb);
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) throw e;
      this.logger.error(e, 'Failed to sync PDB', { podDisruptionBudget: key });
      await this.failSafe(pdb, e);
    }
  }

  private async trySync(pdb: Readonly<PodDisruptionBudget>): Promise<void> {
    const pods = this.getPodsForPdb(pdb);
    if (pods.length === 0) this.recorder.event(pdbRef(pdb), 'Normal', 'NoPods', 'No matching pods found');
    let expected: { expectedCount: number; desiredHealthy: number };
    let unmanaged: string[] = [];
    try {
      expected = desiredHealthyFor(pdb.spec, pods.length, () => {
        const r = this.getExpectedScale(pods);
        unmanaged = r.unmanaged;
        return r.expectedCount;
      });
    } catch (e) {
      this.recorder.event(pdbRef(pdb), 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    if (unmanaged.length > 0) {
      this.logger.v(4).info('Found unmanaged pods associated with this PDB', { pods: unmanaged });
      this.recorder.event(pdbRef(pdb), 'Warning', 'UnmanagedPods', `Pods selected by this PodDisruptionBudget (selector: ${selectorText(pdb)}) were found ` +
        'to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. ' +
        'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.');
    }
    const now = this.clock.now();
    const { disrupted, recheckAt, overdue } = buildDisruptedPodMap(pods, pdb, now.getTime());
    for (const pod of overdue) {
      this.logger.v(1).info('pod was expected to be deleted but it wasn\'t, updating PDB', { pod: keyOf(pod), podDisruptionBudget: keyOf(pdb) });
      // Upstream's message names the namespace twice; kept as Kubernetes prints it.
      this.recorder.event({ ...pod, apiVersion: 'v1', kind: 'Pod' }, 'Warning', 'NotDeleted',
        `Pod was expected by PDB ${pdb.metadata?.namespace}/${pdb.metadata?.namespace} to be deleted but it wasn't`);
    }
    const currentHealthy = countHealthyPods(pods, disrupted, now.getTime());
    const status = computeStatus(pdb, currentHealthy, expected.desiredHealthy, expected.expectedCount, disrupted, now);
    if (status) await this.client.updateStatus(PDB_RESOURCE, pdb.metadata?.namespace, { ...structuredClone(pdb), status } as PodDisruptionBudget);
    if (recheckAt !== undefined) this.queue.addAfter(keyOf(pdb), recheckAt - now.getTime());
  }

  private getPodsForPdb(pdb: Readonly<PodDisruptionBudget>): Readonly<Pod>[] {
    const sel = pdb.spec?.selector;
    if (!sel) return [];
    const selector = labelSelectorFromSpec(sel);
    return this.pods.lister.list(pdb.metadata?.namespace ?? '', (p) => matchesLabels(selector, p.metadata?.labels ?? {}));
  }

  /**
   * getExpectedScale adds up the scale of the controllers of the pods (each counted once); pods
   * without a controller are returned as unmanaged. Throws when a controller cannot be found.
   */
  getExpectedScale(pods: readonly Readonly<Pod>[]): { expectedCount: number; unmanaged: string[] } {
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = controllerOf(pod);
      if (!ref) {
        unmanaged.push(pod.metadata!.name!);
        continue;
      }
      if (scales.has(ref.uid)) continue;
      const found = this.findController(ref, pod.metadata?.namespace ?? '');
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata?.name}"`);
      scales.set(found.uid, found.scale);
    }
    let expectedCount = 0;
    for (const s of scales.values()) expectedCount += s;
    return { expectedCount, unmanaged };
  }

  /** findController runs upstream's finders in order: RC, Deployment (through its ReplicaSet), ReplicaSet, StatefulSet, then the scale of the owner itself. */
  private findController(ref: OwnerRef, namespace: string): { uid: string; scale: number } | undefined {
    const get = (kind: string, name: string, uid: string): Readonly<Scalable> | undefined => {
      const o = this.workloads[kind].lister.get(namespace, name);
      return o && o.metadata?.uid === uid ? o : undefined;
    };
    const is = (r: OwnerRef, kind: string) => r.kind === kind && scaleKinds[kind].groups.includes(groupOf(r.apiVersion));
    const scaleOf = (o: Readonly<Scalable>) => ({ uid: o.metadata!.uid!, scale: o.spec?.replicas ?? 1 });
    if (is(ref, 'ReplicationController')) {
      const rc = get('ReplicationController', ref.name, ref.uid);
      if (rc) return scaleOf(rc);
    }
    if (is(ref, 'ReplicaSet')) {
      const rs = get('ReplicaSet', ref.name, ref.uid);
      const owner = rs && controllerOf(rs);
      if (owner && is(owner, 'Deployment')) {
        const d = get('Deployment', owner.name, owner.uid);
        if (d) return scaleOf(d);
      }
      if (rs && !(owner && owner.kind === 'Deployment')) return scaleOf(rs);
    }
    if (is(ref, 'StatefulSet')) {
      const ss = get('StatefulSet', ref.name, ref.uid);
      if (ss) return scaleOf(ss);
    }
    // The scale subresource of the owner itself (upstream's getScaleController).
    if (scaleKinds[ref.kind]) {
      const o = get(ref.kind, ref.name, ref.uid);
      return o ? scaleOf(o) : undefined;
    }
    const resource = kindsWithoutScale[ref.kind];
    if (resource) throw new Error(`${resource} does not implement the scale subresource`);
    throw new Error(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`);
  }

  /** failSafe sets disruptionsAllowed to 0 with a SyncFailed condition, so evictions stop while the status cannot be computed. */
  private async failSafe(pdb: Readonly<PodDisruptionBudget>, err: unknown): Promise<void> {
    const next = structuredClone(pdb) as PodDisruptionBudget;
    const status = (next.status ??= { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    status.disruptionsAllowed = 0;
    setStatusCondition((status.conditions ??= []), {
      type: DISRUPTION_ALLOWED, status: 'False', reason: SYNC_FAILED, message: err instanceof Error ? err.message : String(err),
      observedGeneration: status.observedGeneration,
    }, this.clock.now());
    await this.client.updateStatus(PDB_RESOURCE, next.metadata?.namespace, next);
  }

  /** nonTerminatingPodHasStaleDisruptionCondition returns how long until the pod's DisruptionTarget condition is stale, or undefined when it has none to reset. */
  private nonTerminatingPodHasStaleDisruptionCondition(pod: Readonly<Pod>): number | undefined {
    if (pod.metadata?.deletionTimestamp) return undefined;
    const c = getPodCondition(pod, 'DisruptionTarget');
    const phase = pod.status?.phase;
    if (!c || c.status !== 'True' || c.reason === 'TerminationByKubelet' || phase === 'Succeeded' || phase === 'Failed') return undefined;
    const since = this.clock.now().getTime() - (Date.parse(c.lastTransitionTime ?? '') || 0);
    return Math.max(0, STALE_POD_DISRUPTION_TIMEOUT_MS - since);
  }

  /** syncStalePodDisruption resets a DisruptionTarget condition whose pod was never deleted to False. */
  private async syncStalePodDisruption(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.lister.get(namespace, name);
    if (!pod) return;
    const wait = this.nonTerminatingPodHasStaleDisruptionCondition(pod);
    if (wait === undefined) return;
    if (wait > 0) {
      this.stalePodQueue.addAfter(key, wait);
      return;
    }
    const next = structuredClone(pod) as Pod;
    if (!updatePodCondition(next, { type: 'DisruptionTarget', status: 'False' }, this.clock.now())) return;
    await this.client.updateStatus(Resources.pods, namespace, next);
    this.logger.v(2).info('Reset stale DisruptionTarget condition to False', { pod: key });
  }
}

function pdbRef(pdb: Readonly<PodDisruptionBudget>): KubeObject {
  return { ...pdb, apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' };
}

/** selectorText prints a selector the way Go's %v prints a *metav1.LabelSelector (its generated String()). */
function selectorText(pdb: Readonly<PodDisruptionBudget>): string {
  const sel = pdb.spec?.selector;
  if (!sel) return '<nil>';
  const ml = sel.matchLabels ?? {};
  const labels = Object.keys(ml).sort().map((k) => `${k}: ${ml[k]},`).join('');
  const exprs = (sel.matchExpressions ?? []).map((e) =>
    `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}
