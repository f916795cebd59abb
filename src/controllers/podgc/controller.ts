import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { rfc3339 } from '../../apimachinery/time.js';
import type { InformerFactory, Informer } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import type { Controller } from '../common/run-workers.js';

/** GC_CHECK_PERIOD_MS is how often the pod GC looks (upstream's gcCheckPeriod, 20 s). */
export const GC_CHECK_PERIOD_MS = 20_000;
/** QUARANTINE_MS: a node must be missing this long before its pods are orphans (upstream's quarantineTime, 40 s). */
export const QUARANTINE_MS = 40_000;
/** DEFAULT_TERMINATED_POD_THRESHOLD is kube-controller-manager's --terminated-pod-gc-threshold. */
export const DEFAULT_TERMINATED_POD_THRESHOLD = 12_500;

interface PodLike extends KubeObject {
  spec?: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[] };
}
interface NodeLike extends KubeObject {
  spec?: { taints?: { key: string; effect: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

/** PodGCOptions: the threshold and period are flags upstream; tests shorten the period on a fake clock. */
export interface PodGCOptions { terminatedPodThreshold?: number; periodMs?: number; quarantineMs?: number }

/**
 * PodGCController deletes pods nobody else will, as kube-controller-manager's podgc does, every
 * 20 s: pods bound to a node that no longer exists (after a 40 s quarantine and a check against
 * the API server), pods being deleted that were never scheduled, pods being deleted on a node that
 * is not ready and carries the node.kubernetes.io/out-of-service taint, and the oldest terminated
 * pods beyond --terminated-pod-gc-threshold. Orphans are first marked Failed with the
 * DisruptionTarget condition (reason DeletionByPodGC), then deleted with no grace period.
 */
export class PodGCController implements Controller {
  readonly name = 'podgc';
  private readonly pods: Informer<PodLike>;
  private readonly nodes: Informer<NodeLike>;
  private readonly missingSince = new Map<string, number>();
  private readonly logger = log.child({ component: 'pod-garbage-collector' });
  private readonly threshold: number;
  private readonly periodMs: number;
  private readonly quarantineMs: number;

  constructor(private readonly client: Client, private readonly informers: InformerFactory, private readonly clock: Clock, o: PodGCOptions = {}) {
    this.pods = informers.informerFor<PodLike>(Resources.pods);
    this.nodes = informers.informerFor<NodeLike>(Resources.nodes);
    this.threshold = o.terminatedPodThreshold ?? DEFAULT_TERMINATED_POD_THRESHOLD;
    this.periodMs = o.periodMs ?? GC_CHECK_PERIOD_MS;
    this.quarantineMs = o.quarantineMs ?? QUARANTINE_MS;
  }

  /** run collects every period until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await this.informers.waitForCacheSync(signal);
    } catch {
      return;
    }
    while (!signal.aborted) {
      try {
        await this.gc();
      } catch (e) {
        if (!signal.aborted) this.logger.error(e, 'pod garbage collection failed');
      }
      await this.clock.sleep(this.periodMs, signal).catch(() => undefined);
    }
  }

  /** gc runs one collection pass (exported for tests). */
  async gc(): Promise<void> {
    const pods = this.pods.lister.list();
    await this.gcTerminated(pods);
    await this.gcTerminating(pods);
    await this.gcOrphaned(pods);
    await this.gcUnscheduledTerminating(pods);
  }

  private async gcTerminated(pods: readonly Readonly<PodLike>[]): Promise<void> {
    if (this.threshold <= 0) return;
    const terminated = pods.filter((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    const excess = terminated.length - this.threshold;
    if (excess <= 0) return;
    // Oldest first (by creation time, then name), as upstream sorts them.
    terminated.sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    for (const p of terminated.slice(0, excess)) await this.forceDelete(p);
  }

  private async gcTerminating(pods: readonly Readonly<PodLike>[]): Promise<void> {
    for (const p of pods) {
      if (!p.metadata?.deletionTimestamp || !p.spec?.nodeName) continue;
      const node = this.nodes.lister.get(undefined, p.spec.nodeName);
      if (!node || isReady(node) || !(node.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/out-of-service')) continue;
      await this.markFailedAndDelete(p, 'PodGC: node is out of service');
    }
  }

  private async gcOrphaned(pods: readonly Readonly<PodLike>[]): Promise<void> {
    const now = this.clock.now().getTime();
    const missing = new Set<string>();
    for (const p of pods) {
      const node = p.spec?.nodeName;
      if (node && !this.nodes.lister.get(undefined, node)) missing.add(node);
    }
    for (const n of [...this.missingSince.keys()]) if (!missing.has(n)) this.missingSince.delete(n);
    const gone = new Set<string>();
    for (const n of missing) {
      const since = this.missingSince.get(n);
      if (since === undefined) { this.missingSince.set(n, now); continue; }
      if (now - since < this.quarantineMs) continue;
      // The cache may lag: ask the API server before declaring the node gone.
      try {
        await this.client.get(Resources.nodes, undefined, n);
        this.missingSince.delete(n);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) gone.add(n);
        else throw e;
      }
    }
    for (const p of pods) {
      if (p.spec?.nodeName && gone.has(p.spec.nodeName)) await this.markFailedAndDelete(p, 'PodGC: node no longer exists');
    }
  }

  private async gcUnscheduledTerminating(pods: readonly Readonly<PodLike>[]): Promise<void> {
    for (const p of pods) if (p.metadata?.deletionTimestamp && !p.spec?.nodeName) await this.forceDelete(p);
  }

  private async markFailedAndDelete(p: Readonly<PodLike>, message: string): Promise<void> {
    const ns = p.metadata?.namespace;
    const name = p.metadata!.name!;
    this.logger.info('Found orphaned Pod assigned to the Node, deleting', { pod: `${ns}/${name}`, node: p.spec?.nodeName, reason: message });
    if (p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') {
      const conditions = (p.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
      conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message, lastTransitionTime: rfc3339(this.clock.now()) });
      try {
        await this.client.patch(Resources.pods, ns, name, { status: { phase: 'Failed', conditions } }, 'merge', 'status');
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) return;
        throw e;
      }
    }
    await this.forceDelete(p);
  }

  private async forceDelete(p: Readonly<PodLike>): Promise<void> {
    try {
      await this.client.delete(Resources.pods, p.metadata?.namespace, p.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata?.uid } });
    } catch (e) {
      if (!(e instanceof StatusError && (e.code === 404 || e.code === 409))) throw e;
    }
  }
}

function isReady(node: Readonly<NodeLike>): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
