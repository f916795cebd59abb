import type { KubeObject } from '../../api/resource.js';
import { rfc3339 } from '../../apimachinery/time.js';
import type { Node, NodeCondition } from './taints.js';

/** Lease is the part of a coordination.k8s.io/v1 Lease the controller reads. */
export interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string | null };
}

/**
 * NodeHealth is what the controller last observed of a node (upstream's nodeHealthData):
 * probeTimestamp is the controller's own clock when it last saw a sign of life (a new Ready
 * heartbeat or a renewed Lease), so clock skew between nodes and the controller does not matter.
 */
export interface NodeHealth {
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  conditions: readonly NodeCondition[];
  lease?: Readonly<Lease>;
}

/** CONDITIONS_MARKED_UNKNOWN are the conditions set to Unknown when a node stops reporting (NetworkUnavailable is the cloud's). */
export const CONDITIONS_MARKED_UNKNOWN = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** readyCondition returns the node's Ready condition. */
export function readyCondition(conditions: readonly NodeCondition[] | undefined): NodeCondition | undefined {
  return conditions?.find((c) => c.type === 'Ready');
}

/** ObservedHealth is observeNodeHealth's answer. */
export interface ObservedHealth {
  health: NodeHealth;
  /** the Ready condition as the node reported it (or a made-up Unknown one when it never did) */
  observed: NodeCondition;
  /** how long the node may stay silent */
  gracePeriodMs: number;
  /** true when the node has been silent longer than gracePeriodMs */
  stale: boolean;
}

function renewedAfter(a: Readonly<Lease> | undefined, b: Readonly<Lease>): boolean {
  if (!a) return true;
  const ta = Date.parse(a.spec?.renewTime ?? '') || 0;
  const tb = Date.parse(b.spec?.renewTime ?? '') || 0;
  if (ta !== tb) return ta < tb;
  // metav1.MicroTime keeps microseconds that Date.parse drops; same-format strings sort by time.
  return (a.spec?.renewTime ?? '') < (b.spec?.renewTime ?? '');
}

/**
 * observeNodeHealth is the bookkeeping half of upstream's tryUpdateNodeHealth: it moves the probe
 * timestamp when the node posted a new Ready heartbeat or renewed its Lease, and tells whether the
 * node has been silent longer than its grace period (the startup grace period while it has never
 * posted a Ready condition).
 */
export function observeNodeHealth(node: Readonly<Node>, saved: NodeHealth | undefined, lease: Readonly<Lease> | undefined, now: number, o: { gracePeriodMs: number; startupGracePeriodMs: number }): ObservedHealth {
  const conditions = node.status?.conditions ?? [];
  const current = readyCondition(conditions);
  const created = node.metadata?.creationTimestamp ?? null;
  const createdMs = Date.parse(created ?? '') || now;
  let observed: NodeCondition;
  let gracePeriodMs: number;
  let health = saved;
  if (!current) {
    observed = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: created, lastTransitionTime: created };
    gracePeriodMs = o.startupGracePeriodMs;
    health = saved ? { ...saved, conditions } : { conditions, probeTimestamp: createdMs, readyTransitionTimestamp: createdMs };
  } else {
    observed = { ...current };
    gracePeriodMs = o.gracePeriodMs;
  }
  // Read after the block above, as upstream does: a node without a Ready condition has just
  // replaced the saved status, so the "condition was removed" case cannot fire for it.
  const savedReady = readyCondition(health?.conditions);
  if (!health) {
    health = { conditions, probeTimestamp: now, readyTransitionTimestamp: now };
  } else if (!savedReady && current) {
    health = { conditions, probeTimestamp: now, readyTransitionTimestamp: now };
  } else if (savedReady && !current) {
    health = { conditions, probeTimestamp: now, readyTransitionTimestamp: now };
  } else if (savedReady && current && savedReady.lastHeartbeatTime !== current.lastHeartbeatTime) {
    const transition = savedReady.lastTransitionTime !== current.lastTransitionTime ? now : health.readyTransitionTimestamp;
    health = { conditions, probeTimestamp: now, readyTransitionTimestamp: transition, lease: health.lease };
  }
  // A renewed Lease counts as a heartbeat even when the node status is not re-posted.
  if (lease && renewedAfter(health.lease, lease)) health = { ...health, lease, probeTimestamp: now };
  return { health, observed, gracePeriodMs, stale: now > health.probeTimestamp + gracePeriodMs };
}

/**
 * markConditionsUnknown sets Ready and the pressure conditions to Unknown on a (mutable) node that
 * stopped reporting, with upstream's reasons and messages. Returns the new Ready condition.
 */
export function markConditionsUnknown(node: Node, now: Date): NodeCondition {
  const status = (node.status ??= {});
  const conditions = (status.conditions ??= []);
  const ts = rfc3339(now);
  for (const type of CONDITIONS_MARKED_UNKNOWN) {
    const c = conditions.find((x) => x.type === type);
    if (!c) {
      conditions.push({
        type, status: 'Unknown', lastHeartbeatTime: node.metadata?.creationTimestamp ?? null, lastTransitionTime: ts,
        reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.',
      });
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = ts;
    }
  }
  return readyCondition(conditions)!;
}
