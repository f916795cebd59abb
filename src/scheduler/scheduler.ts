import type { KubeObject } from '../api/resource.js';
import { StatusError } from '../apimachinery/errors.js';
import { rfc3339 } from '../apimachinery/time.js';
import { Resources, type Client } from '../client/types.js';
import { keyOf, splitKey, type InformerFactory, type Informer } from '../client/informer-types.js';
import type { Clock } from '../util/clock.js';
import { log } from '../util/log.js';
import { filter, failureMessage, newCycleState, podRequests, score, type NodeInfo } from './plugins.js';
import { VolumeBinding, type NodeVolumes } from './volume-binding.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

export interface SchedulerOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  recorder: { event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void };
  schedulerName?: string;
}

const logger = log.child({ component: 'default-scheduler' });

/**
 * Scheduler binds unscheduled pods to nodes: filter the nodes that fit, score them, bind to the
 * best through pods/binding. Pods that fit nowhere get a FailedScheduling event and wait until a
 * node or pod changes (or their back-off expires). Assumed pods count against their node until
 * the informer shows the binding, so a burst never overcommits a node.
 */
export class Scheduler {
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly active = new Set<string>();
  private readonly unschedulable = new Map<string, number>();
  private readonly assumed = new Map<string, { node: string; pod: KubeObject }>();
  private wake: (() => void) | undefined;
  private readonly name: string;
  private readonly volumeBinding: VolumeBinding;

  constructor(private readonly o: SchedulerOptions) {
    this.name = o.schedulerName ?? 'default-scheduler';
    this.volumeBinding = new VolumeBinding({ client: o.client, informers: o.informers, clock: o.clock });
    // A claim, volume or class that appears or changes may make a waiting pod schedulable.
    this.volumeBinding.onChange(() => this.retryUnschedulable());
    this.pods = o.informers.informerFor(Resources.pods);
    this.nodes = o.informers.informerFor(Resources.nodes);
    this.pods.addIndexer('nodeName', (p) => [(p as Any).spec?.nodeName ?? '']);
    this.pods.addEventHandler({
      add: (p) => { if (this.wants(p)) this.enqueue(keyOf(p)); },
      update: (_o, p) => {
        if (this.wants(p)) this.enqueue(keyOf(p));
        else this.assumed.delete(keyOf(p));
      },
      delete: (p) => { this.assumed.delete(keyOf(p)); this.retryUnschedulable(); },
    });
    this.nodes.addEventHandler({ add: () => this.retryUnschedulable(), update: () => this.retryUnschedulable(), delete: () => undefined });
  }

  private wants(p: Readonly<KubeObject>): boolean {
    const spec = (p as Any).spec ?? {};
    return !spec.nodeName && !p.metadata?.deletionTimestamp && (spec.schedulerName ?? 'default-scheduler') === this.name
      && !['Succeeded', 'Failed'].includes((p as Any).status?.phase);
  }

  private enqueue(key: string): void {
    if (this.unschedulable.has(key)) return;
    this.active.add(key);
    this.wake?.();
  }

  private retryUnschedulable(): void {
    if (!this.unschedulable.size) return;
    for (const k of this.unschedulable.keys()) this.active.add(k);
    this.unschedulable.clear();
    this.wake?.();
  }

  /** run schedules pods one at a time until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const backoff = setInterval(() => {
      const now = this.o.clock.now().getTime();
      for (const [k, due] of this.unschedulable) if (due <= now) { this.unschedulable.delete(k); this.active.add(k); this.wake?.(); }
    }, 1000);
    signal.addEventListener('abort', () => { clearInterval(backoff); this.wake?.(); }, { once: true });
    await this.o.informers.waitForCacheSync(signal).catch(() => undefined);
    while (!signal.aborted) {
      const next = this.active.values().next();
      if (next.done) {
        await new Promise<void>((r) => { this.wake = r; });
        this.wake = undefined;
        continue;
      }
      this.active.delete(next.value);
      try {
        await this.scheduleOne(next.value);
      } catch (e) {
        if (!signal.aborted) logger.error(e, 'Error scheduling pod; retrying', { pod: next.value });
        this.unschedulable.set(next.value, this.o.clock.now().getTime() + 1000);
      }
    }
  }

  private snapshot(): NodeInfo[] {
    const infos: NodeInfo[] = [];
    for (const node of this.nodes.lister.list()) {
      const name = node.metadata!.name!;
      const pods = this.pods.lister.byIndex('nodeName', name).filter((p) => !['Succeeded', 'Failed'].includes((p as Any).status?.phase)) as KubeObject[];
      for (const [k, a] of this.assumed) if (a.node === name && !pods.some((p) => keyOf(p) === k)) pods.push(a.pod);
      const requested = { milliCPU: 0, memory: 0, pods: pods.length };
      for (const p of pods) {
        const r = podRequests(p);
        requested.milliCPU += r.milliCPU;
        requested.memory += r.memory;
      }
      infos.push({ node: node as KubeObject, pods, requested });
    }
    return infos.sort((a, b) => (a.node.metadata!.name! < b.node.metadata!.name! ? -1 : 1));
  }

  private async scheduleOne(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.lister.get(namespace, name) as KubeObject | undefined;
    if (!pod || !this.wants(pod) || this.assumed.has(key)) return;
    const infos = this.snapshot();
    const reasons: string[] = [];
    const feasible: NodeInfo[] = [];
    const cycle = newCycleState(infos);
    const volumes = this.volumeBinding.preFilter(pod);
    if ('reject' in volumes) {
      // A PreFilter rejection holds for every node; the message names it once.
      const n = infos.length;
      await this.failScheduling(pod, key, `0/${n} nodes are available: ${volumes.reject}. preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`);
      return;
    }
    const volumePlan = new Map<string, NodeVolumes>();
    for (const n of infos) {
      const why = filter(pod, n, infos, cycle) ?? ('claims' in volumes ? this.volumeBinding.filter(volumes.claims, n.node, volumePlan) : undefined);
      if (why) reasons.push(why);
      else feasible.push(n);
    }
    if (!feasible.length) {
      await this.failScheduling(pod, key, failureMessage(infos.length, reasons));
      return;
    }
    let best = feasible[0];
    let bestScore = -Infinity;
    for (const n of feasible) {
      const s = score(pod, n, infos);
      if (s > bestScore) { best = n; bestScore = s; }
    }
    const nodeName = best.node.metadata!.name!;
    this.assumed.set(key, { node: nodeName, pod: { ...pod, spec: { ...(pod as Any).spec, nodeName } } });
    if ('claims' in volumes && volumes.claims.unboundDelayBinding.length > 0) {
      // Waiting for claims to be provisioned and bound must not hold up other pods: bind in the background.
      void this.bindWithVolumes(pod, key, nodeName, volumes.claims, volumePlan.get(nodeName));
      return;
    }
    await this.bind(pod, key, nodeName);
  }

  /** bind binds the pod to nodeName through pods/binding (the Bind step). */
  private async bind(pod: KubeObject, key: string, nodeName: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    try {
      await this.o.client.createSubresource(Resources.pods, namespace, name, 'binding', {
        apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      });
      this.o.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
    } catch (e) {
      this.assumed.delete(key);
      if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
  }

  /** bindWithVolumes is PreBind (VolumeBinding: claims bound or provisioned for the node) then Bind. */
  private async bindWithVolumes(pod: KubeObject, key: string, nodeName: string, claims: Parameters<VolumeBinding['preBind']>[2], plan: NodeVolumes | undefined): Promise<void> {
    try {
      await this.volumeBinding.preBind(pod, nodeName, claims, plan);
    } catch (e) {
      this.assumed.delete(key);
      await this.failScheduling(pod, key, `running PreBind plugin "VolumeBinding": ${(e as Error).message}`).catch(() => undefined);
      return;
    }
    await this.bind(pod, key, nodeName).catch((e: unknown) => {
      logger.error(e, 'Error binding pod; retrying', { pod: key });
      this.unschedulable.set(key, this.o.clock.now().getTime() + 1000);
    });
  }

  /** failScheduling records FailedScheduling, sets PodScheduled=False and parks the pod until something changes. */
  private async failScheduling(pod: KubeObject, key: string, message: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    this.o.recorder.event(pod, 'Warning', 'FailedScheduling', message);
    await this.o.client.patch(Resources.pods, namespace, name, {
      status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: rfc3339(this.o.clock.now()) }] },
    }, 'strategic', 'status').catch(() => undefined);
    // Retried on any node or pod change, and at the latest after the back-off.
    this.unschedulable.set(key, this.o.clock.now().getTime() + 10_000);
  }
}
