import { StatusError } from '../../apimachinery/errors.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, NODE_NAME_INDEX, nodeNameIndexer, splitKey, type Informer, type InformerFactory } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import { updatePodCondition, type Pod, type Toleration } from '../nodelifecycle/pod-conditions.js';
import type { Node, Taint } from '../nodelifecycle/taints.js';
import { TimedWorkerQueue } from './timed-workers.js';
import { getMatchingTolerations, getMinTolerationTime } from './tolerations.js';

/** DELETE_RETRIES is how often one eviction is attempted before it is given up until the next update. */
const DELETE_RETRIES = 5;
const DELETE_RETRY_DELAY_MS = 10;

function noExecuteTaints(taints: readonly Taint[] | undefined): Taint[] {
  return (taints ?? []).filter((t) => t.effect === 'NoExecute');
}

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/**
 * TaintEvictionController is kube-controller-manager's taint-eviction-controller: a pod on a node
 * with NoExecute taints it does not tolerate is deleted at once; one that tolerates them all for a
 * limited time (tolerationSeconds, e.g. the 300 s DefaultTolerationSeconds adds for not-ready and
 * unreachable) is deleted when the shortest of those runs out, unless the taints go away first.
 * Each deletion first marks the pod with a DisruptionTarget condition (DeletionByTaintManager) and
 * is announced by a TaintManagerEviction event; a cancelled one by another.
 */
export class TaintEvictionController implements Controller {
  readonly name = 'taint-eviction-controller';
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;
  private readonly recorder: EventRecorder;
  private readonly logger = log.child({ component: 'taint-eviction-controller' });
  /** taintedNodes holds each node's NoExecute taints, as last seen by handleNodeUpdate */
  private readonly taintedNodes = new Map<string, Taint[]>();
  private readonly evictions: TimedWorkerQueue;
  private readonly nodeQueue: WorkQueue<string>;
  private readonly podQueue: WorkQueue<string>;

  constructor(private readonly client: Client, private readonly informers: InformerFactory, private readonly clock: Clock, recorder?: EventRecorder) {
    this.recorder = recorder ?? new EventRecorder(client, { component: 'taint-eviction-controller' }, clock);
    this.nodeQueue = new WorkQueue<string>(clock, { name: 'noexec_taint_node' });
    this.podQueue = new WorkQueue<string>(clock, { name: 'noexec_taint_pod' });
    this.evictions = new TimedWorkerQueue(clock, (key) => this.deletePod(key));
    this.nodes = informers.informerFor<Node>(Resources.nodes);
    this.pods = informers.informerFor<Pod>(Resources.pods);
    this.pods.addIndexer(NODE_NAME_INDEX, nodeNameIndexer);
    this.pods.addEventHandler({
      add: (p) => this.podUpdated(undefined, p),
      update: (o, p) => this.podUpdated(o, p),
      delete: (p) => this.podQueue.add(keyOf(p)),
    });
    this.nodes.addEventHandler({
      add: (n) => this.nodeQueue.add(keyOf(n)),
      update: (o, n) => { if (!sameJSON(noExecuteTaints(o.spec?.taints), noExecuteTaints(n.spec?.taints))) this.nodeQueue.add(keyOf(n)); },
      delete: (n) => this.nodeQueue.add(keyOf(n)),
    });
  }

  /** run handles node and pod updates until signal aborts; node updates are handled before pod updates. */
  async run(signal: AbortSignal, workers = 8): Promise<void> {
    try {
      await this.informers.waitForCacheSync(signal);
    } catch {
      return;
    }
    this.logger.info('Starting taint eviction controller');
    await Promise.all([
      runWorkers({ queue: this.nodeQueue, workers, signal, log: this.logger, sync: async (name) => this.handleNodeUpdate(name) }),
      runWorkers({ queue: this.podQueue, workers, signal, log: this.logger, sync: async (key) => this.handlePodUpdate(key) }),
    ]);
  }

  private podUpdated(old: Readonly<Pod> | undefined, pod: Readonly<Pod>): void {
    if (old && old.spec?.nodeName === pod.spec?.nodeName && sameJSON(old.spec?.tolerations, pod.spec?.tolerations)) return;
    this.podQueue.add(keyOf(pod));
  }

  /** handlePodUpdate (re)schedules or cancels the eviction of one pod. */
  handlePodUpdate(key: string): void {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.lister.get(namespace, name);
    if (!pod) {
      this.logger.v(4).info('Noticed pod deletion', { pod: key });
      this.cancelWorkWithEvent(key);
      return;
    }
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    // A node without NoExecute taints has had its evictions cancelled already.
    const taints = this.taintedNodes.get(nodeName);
    if (!taints) return;
    this.processPodOnNode(key, pod.spec?.tolerations ?? [], taints, this.clock.now().getTime());
  }

  /** handleNodeUpdate records a node's NoExecute taints and (re)schedules or cancels the eviction of each of its pods. */
  handleNodeUpdate(name: string): void {
    const node = this.nodes.lister.get(undefined, name);
    if (!node) {
      this.logger.v(4).info('Noticed node deletion', { node: name });
      this.taintedNodes.delete(name);
      return;
    }
    const taints = noExecuteTaints(node.spec?.taints);
    if (taints.length === 0) this.taintedNodes.delete(name);
    else this.taintedNodes.set(name, taints);
    const pods = this.pods.lister.byIndex(NODE_NAME_INDEX, name);
    if (pods.length === 0) return;
    if (taints.length === 0) {
      this.logger.v(4).info('All taints were removed from the node. Cancelling all evictions...', { node: name });
      for (const p of pods) this.cancelWorkWithEvent(keyOf(p));
      return;
    }
    const now = this.clock.now().getTime();
    for (const p of pods) this.processPodOnNode(keyOf(p), p.spec?.tolerations ?? [], taints, now);
  }

  /** processPodOnNode decides one pod's fate: evict now, evict when its shortest toleration runs out, or keep. */
  private processPodOnNode(key: string, tolerations: readonly Toleration[], taints: readonly Taint[], now: number): void {
    if (taints.length === 0) this.cancelWorkWithEvent(key);
    const { allTolerated, used } = getMatchingTolerations(taints, tolerations);
    if (!allTolerated) {
      this.logger.v(2).info('Not all taints are tolerated after update for pod on node', { pod: key });
      // Whatever was scheduled is replaced by an eviction right now.
      this.cancelWorkWithEvent(key);
      this.evictions.addWork(key, now, now);
      return;
    }
    const minToleration = getMinTolerationTime(used);
    if (minToleration < 0) {
      this.logger.v(4).info('Current tolerations for pod tolerate forever, cancelling any scheduled deletion', { pod: key });
      this.cancelWorkWithEvent(key);
      return;
    }
    let start = now;
    const trigger = now + minToleration;
    const scheduled = this.evictions.getWorkerUnsafe(key);
    if (scheduled) {
      start = scheduled.createdAt;
      // An eviction already scheduled no later than the new deadline stands.
      if (start + minToleration < trigger) return;
      this.cancelWorkWithEvent(key);
    }
    this.evictions.addWork(key, start, trigger);
  }

  private cancelWorkWithEvent(key: string): void {
    if (this.evictions.cancelWork(key)) this.emitEvent(key, `Cancelling deletion of Pod ${key}`);
  }

  private emitEvent(key: string, message: string): void {
    const { namespace, name } = splitKey(key);
    this.recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } }, 'Normal', 'TaintManagerEviction', message);
  }

  /** deletePod evicts one pod: event, DisruptionTarget condition, delete (a few retries). */
  private async deletePod(key: string): Promise<void> {
    this.logger.info('Deleting pod', { controller: this.name, pod: key });
    this.emitEvent(key, `Marking for deletion Pod ${key}`);
    let err: unknown;
    for (let i = 0; i < DELETE_RETRIES; i++) {
      try {
        await this.addConditionAndDeletePod(key);
        return;
      } catch (e) {
        err = e;
        if (e instanceof StatusError && e.code === 404) break;
        this.logger.info('Failed to delete pod, retrying', { pod: key, err: String(e) });
        await this.clock.sleep(DELETE_RETRY_DELAY_MS).catch(() => undefined);
      }
    }
    throw err;
  }

  private async addConditionAndDeletePod(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = await this.client.get<Pod>(Resources.pods, namespace, name);
    const next = structuredClone(pod);
    const changed = updatePodCondition(next, {
      type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint',
    }, this.clock.now());
    if (changed) {
      const cond = next.status!.conditions!.find((c) => c.type === 'DisruptionTarget');
      await this.client.patch(Resources.pods, namespace, name, { metadata: { uid: pod.metadata?.uid }, status: { conditions: [cond] } }, 'strategic', 'status');
    }
    await this.client.delete(Resources.pods, namespace, name);
  }
}
