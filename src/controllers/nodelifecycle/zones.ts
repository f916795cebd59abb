import type { Node, NodeCondition } from './taints.js';

/** ZoneState is a zone's health as the node lifecycle controller sees it. */
export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

/** getZoneKey is a node's zone key ("region:\0:zone", or "" without topology labels), as upstream's topology.GetZoneKey. */
export function getZoneKey(node: Readonly<Node>): string {
  const labels = node.metadata?.labels ?? {};
  const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '';
  const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '';
  if (!region && !zone) return '';
  return `${region}:\u0000:${zone}`;
}

/**
 * computeZoneState classifies a zone from its nodes' Ready conditions (upstream's ComputeZoneState):
 * no Ready node → FullDisruption; more than two not-Ready nodes making up at least
 * unhealthyZoneThreshold of the zone → PartialDisruption; otherwise Normal. Returns the number of
 * not-Ready nodes too.
 */
export function computeZoneState(readyConditions: readonly (NodeCondition | undefined)[], unhealthyZoneThreshold: number): { unhealthy: number; state: ZoneState } {
  let ready = 0;
  let notReady = 0;
  for (const c of readyConditions) {
    if (c?.status === 'True') ready++;
    else notReady++;
  }
  if (ready === 0 && notReady > 0) return { unhealthy: notReady, state: 'FullDisruption' };
  if (notReady > 2 && notReady / (notReady + ready) >= unhealthyZoneThreshold) return { unhealthy: notReady, state: 'PartialDisruption' };
  return { unhealthy: notReady, state: 'Normal' };
}
