import type { KubeObject } from '../api/resource.js';
import { rfc3339Micro } from '../apimachinery/time.js';
import { Resources, type Client } from '../client/types.js';
import type { Clock } from '../util/clock.js';

/** NODE_LEASE_NAMESPACE is where node heartbeats live. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** LEASE_DURATION_SECONDS is kubelet's node lease duration (40 s). */
export const LEASE_DURATION_SECONDS = 40;
/** LEASE_RENEW_MS is how often the lease is renewed (10 s: a quarter of the duration). */
export const LEASE_RENEW_MS = 10_000;


/**
 * renewLease creates or renews the node's Lease (holderIdentity = node, owned by the Node so it
 * goes away with it).
 */
export async function renewLease(client: Client, clock: Clock, nodeName: string, nodeUid: string | undefined): Promise<void> {
  const now = rfc3339Micro(clock.now());
  let lease: KubeObject | undefined;
  try {
    lease = await client.get(Resources.leases, NODE_LEASE_NAMESPACE, nodeName);
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
  }
  if (!lease) {
    await client.create(Resources.leases, NODE_LEASE_NAMESPACE, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: {
        name: nodeName, namespace: NODE_LEASE_NAMESPACE,
        ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
      },
      spec: { holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now },
    });
    return;
  }
  const spec = { ...(lease.spec as Record<string, unknown>), holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now };
  await client.update(Resources.leases, NODE_LEASE_NAMESPACE, { ...lease, spec });
}
