import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { rfc3339 } from '../../apimachinery/time.js';
import { Resources, type Client } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';

/** TaintEffect is core/v1 TaintEffect. */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** Taint is core/v1 Taint. */
export interface Taint { key: string; value?: string; effect: TaintEffect | string; timeAdded?: string }

/** Node is the part of a core/v1 Node the node controllers read. */
export interface Node extends KubeObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean; [field: string]: unknown };
  status?: { conditions?: NodeCondition[]; [field: string]: unknown };
}

/** NodeCondition is core/v1 NodeCondition. */
export interface NodeCondition {
  type: string;
  status: string;
  lastHeartbeatTime?: string | null;
  lastTransitionTime?: string | null;
  reason?: string;
  message?: string;
}

/** Well-known taint keys (k8s.io/api/core/v1 well_known_taints.go). */
export const TaintKeys = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  unschedulable: 'node.kubernetes.io/unschedulable',
  memoryPressure: 'node.kubernetes.io/memory-pressure',
  diskPressure: 'node.kubernetes.io/disk-pressure',
  networkUnavailable: 'node.kubernetes.io/network-unavailable',
  pidPressure: 'node.kubernetes.io/pid-pressure',
} as const;

/** UNREACHABLE_TAINT is what the node lifecycle controller puts on a node whose Ready condition is Unknown. */
export const UNREACHABLE_TAINT: Readonly<Taint> = Object.freeze({ key: TaintKeys.unreachable, effect: 'NoExecute' });
/** NOT_READY_TAINT is what it puts on a node whose Ready condition is False. */
export const NOT_READY_TAINT: Readonly<Taint> = Object.freeze({ key: TaintKeys.notReady, effect: 'NoExecute' });

/** matchTaint: same key and effect (upstream's Taint.MatchTaint; value and timeAdded do not count). */
export function matchTaint(a: Readonly<Taint>, b: Readonly<Taint>): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/** taintExists tells whether taints holds one matching t. */
export function taintExists(taints: readonly Readonly<Taint>[] | undefined, t: Readonly<Taint>): boolean {
  return (taints ?? []).some((x) => matchTaint(x, t));
}

/** taintSetDiff returns what to add to `current` and what to remove from it to reach `want` (by key and effect). */
export function taintSetDiff(want: readonly Taint[], current: readonly Taint[]): { add: Taint[]; remove: Taint[] } {
  return {
    add: want.filter((t) => !taintExists(current, t)),
    remove: current.filter((t) => !taintExists(want, t)),
  };
}

const MAX_TAINT_RETRIES = 5;

/**
 * swapNodeControllerTaint adds `add` (stamped with timeAdded, as upstream does) and removes `remove`
 * in one write, retrying on conflicts with a fresh node (controller.AddOrUpdateTaintOnNode +
 * RemoveTaintOffNode). The write is a merge patch pinned to the resourceVersion it was computed
 * from, so a concurrent change (kubectl taint, another controller pass) is never overwritten.
 * Throws when the node could not be updated; callers retry on their next pass.
 */
export async function swapNodeControllerTaint(client: Client, clock: Clock, node: Readonly<Node>, add: readonly Readonly<Taint>[], remove: readonly Readonly<Taint>[]): Promise<void> {
  const name = node.metadata!.name!;
  const now = rfc3339(clock.now());
  const toAdd = add.map((t) => ({ ...t, timeAdded: now }));
  let current: Readonly<Node> = node;
  for (let attempt = 0; ; attempt++) {
    const taints = current.spec?.taints ?? [];
    let next = taints.filter((t) => !remove.some((r) => matchTaint(r, t)));
    let changed = next.length !== taints.length;
    for (const t of toAdd) {
      const i = next.findIndex((x) => matchTaint(x, t));
      if (i >= 0 && (next[i].value ?? '') === (t.value ?? '')) continue;
      next = i >= 0 ? next.map((x, j) => (j === i ? t : x)) : [...next, t];
      changed = true;
    }
    if (!changed) return;
    try {
      await client.patch(Resources.nodes, undefined, name, {
        metadata: { resourceVersion: current.metadata?.resourceVersion },
        spec: { taints: next.length ? next : null },
      }, 'merge');
      return;
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409) || attempt >= MAX_TAINT_RETRIES) throw e;
      current = await client.get<Node>(Resources.nodes, undefined, name);
    }
  }
}
