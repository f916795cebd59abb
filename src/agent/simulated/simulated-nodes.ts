import { isDeepStrictEqual } from 'node:util';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/resource.js';
import { rfc3339, rfc3339Micro } from '../../apimachinery/time.js';
import { NODE_NAME_INDEX, keyOf, nodeNameIndexer, splitKey, type Informer, type InformerFactory } from '../../client/informer-types.js';
import { SharedInformerFactory } from '../../client/informer.js';
import { Resources, type Client } from '../../client/types.js';
import { ItemExponentialRateLimiter, MaxOfRateLimiter, WorkQueue } from '../../client/workqueue.js';
import { runWorkers } from '../../controllers/common/run-workers.js';
import { Backoff } from '../../util/backoff.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { KubeletEventRecorder } from '../events.js';
import { LEASE_DURATION_SECONDS, LEASE_RENEW_MS, NODE_LEASE_NAMESPACE } from '../lease.js';
import { NODE_STATUS_REPORT_MS, NODE_STATUS_UPDATE_MS, hostCapacity, nodeConditions, nodeConditionsChanged, nodeObject, type NodeCapacity } from '../node-status.js';
import { LOCAL_PATH_DIR_ANNOTATION, localPathDir } from '../volumes.js';
import { PodIPs } from './pod-ips.js';
import { SimulatedPod } from './simulated-pod.js';

const logger = log.child({ component: 'simulated-nodes' });

/** SIMULATED_RUNTIME_VERSION is the containerRuntimeVersion simulated nodes report (the SimulatedRuntime's). */
export const SIMULATED_RUNTIME_VERSION = 'tskube-simulated://0.1.0';

/** SimulatedNodesOptions configures the engine. */
export interface SimulatedNodesOptions {
  /** one client for every node (it needs to write any Node, Lease and Pod status: the admin's, not a node's) */
  client: Client;
  /** shared informers (all-in-one: the control plane's pod and node informers serve the engine too); without them its own */
  informers?: InformerFactory;
  clock: Clock;
  /** the simulated nodes' names */
  nodeNames: readonly string[];
  /** InternalIP of every simulated node (and pods' IP before the node has a podCIDR); default 127.0.0.1 */
  address?: string;
  /** a node's state directory (its local-path volumes directory is announced on the Node, as agents do) */
  rootDirFor?: (nodeName: string) => string;
  capacity?: Partial<NodeCapacity>;
  /** lease renew period (default 10 s, kubelet's) */
  leaseRenewMs?: number;
  /** how often node status is computed (kubelet's nodeStatusUpdateFrequency, 10 s) and posted unchanged (nodeStatusReportFrequency, 5 min) */
  statusUpdateMs?: number;
  statusReportMs?: number;
  /** concurrent node syncs (registration, leases, status): bounded, so 1,000 nodes never storm the API server */
  nodeWorkers?: number;
  /** concurrent pod syncs */
  podWorkers?: number;
}

/** what the engine keeps of one simulated node */
interface SimNode {
  name: string;
  index: number;
  uid?: string;
  registered: boolean;
  lease?: KubeObject;
  /** the first renewal tried to create the Lease */
  leaseCreateTried?: boolean;
  lastStatusReport: number;
  lastStatusCheck: number;
  ips: PodIPs;
  recorder?: KubeletEventRecorder;
}

/**
 * SimulatedNodes is KWOK's idea in tskube: one engine runs many simulated nodes over one client and
 * the one pod informer (spec.nodeName indexed) instead of a NodeAgent per node with its own watch.
 * It registers the nodes a few at a time (each retried with back-off), renews each node's Lease every
 * 10 s on its own slot of the period (so 1,000 renewals spread evenly instead of arriving together),
 * posts node status as the kubelet does (conditions every 10 s when they change, every 5 min
 * anyway), and runs the pods bound to the nodes through kubelet-like status (SimulatedPod): one status
 * write per transition, podIPs from the node's podCIDR, graceful deletion finished by deleting the
 * pod once its containers stopped.
 */
export class SimulatedNodes {
  private readonly nodes = new Map<string, SimNode>();
  private readonly pods = new Map<string, SimulatedPod>();
  /** the UID of the pod the engine runs under each namespace/name key */
  private readonly uidByKey = new Map<string, string>();
  private readonly backoff: Backoff;
  private readonly podQueue: WorkQueue<string>;
  private readonly nodeQueue: WorkQueue<string>;
  private readonly informers: InformerFactory;
  private readonly ownInformers: boolean;
  private readonly podInformer: Informer<KubeObject>;
  private readonly nodeInformer: Informer<KubeObject>;
  private readonly capacity: NodeCapacity;
  private readonly address: string;
  private readonly leaseRenewMs: number;

  constructor(private readonly o: SimulatedNodesOptions) {
    this.backoff = new Backoff(o.clock);
    this.capacity = { ...hostCapacity(), ...(o.capacity ?? {}) };
    this.address = o.address ?? '127.0.0.1';
    this.leaseRenewMs = o.leaseRenewMs ?? LEASE_RENEW_MS;
    o.nodeNames.forEach((name, index) => this.nodes.set(name, { name, index, registered: false, lastStatusReport: 0, lastStatusCheck: 0, ips: new PodIPs() }));
    this.podQueue = new WorkQueue<string>(o.clock, { name: 'simulated-pods' });
    // Registration retries back off per node from 200 ms to 10 s (the NodeAgent's retry), no overall bucket: leases must not queue behind one.
    this.nodeQueue = new WorkQueue<string>(o.clock, { name: 'simulated-nodes', limiter: new MaxOfRateLimiter<string>(new ItemExponentialRateLimiter<string>(200, 10_000)) });
    this.ownInformers = !o.informers;
    this.informers = o.informers ?? new SharedInformerFactory(o.client, { clock: o.clock });
    this.podInformer = this.informers.informerFor<KubeObject>(Resources.pods);
    this.podInformer.addIndexer(NODE_NAME_INDEX, nodeNameIndexer);
    this.podInformer.addEventHandler({
      add: (p) => this.enqueuePod(p),
      update: (_old, p) => this.enqueuePod(p),
      delete: (p) => this.enqueuePod(p),
    });
    this.nodeInformer = this.informers.informerFor<KubeObject>(Resources.nodes);
    this.nodeInformer.addEventHandler({ add: (n) => this.nodeChanged(n), update: (_old, n) => this.nodeChanged(n) });
  }

  /** podCount is the number of pods the engine is running (tests, metrics). */
  get podCount(): number { return this.pods.size; }

  /** run registers the nodes and runs their pods until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.ownInformers) this.informers.start(signal);
    for (const name of this.nodes.keys()) this.nodeQueue.add(name);
    const synced = (s: AbortSignal) => this.informers.waitForCacheSync(s);
    await Promise.all([
      runWorkers({ queue: this.nodeQueue, sync: (k) => this.syncNode(k), workers: this.o.nodeWorkers ?? 8, signal, log: logger }),
      runWorkers({ queue: this.podQueue, sync: (k) => this.syncPod(k), workers: this.o.podWorkers ?? 16, signal, log: logger, waitForSync: synced }),
    ]);
  }

  // ---------------------------------------------------------------- nodes

  private nodeChanged(node: Readonly<KubeObject>): void {
    const n = this.nodes.get(node.metadata?.name ?? '');
    if (!n) return;
    const spec = (node.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
    const cidr = spec.podCIDRs?.[0] ?? spec.podCIDR;
    if (cidr && !n.ips.hasCIDR) {
      try { n.ips.setCIDR(cidr); } catch (e) { logger.error(e, 'Invalid pod CIDR', { node: n.name, podCIDR: cidr }); }
    }
  }

  /**
   * syncNode registers a node (first), renews its Lease and syncs its status; it comes back at the
   * node's next lease slot. A failure is retried with the queue's per-node back-off.
   */
  private async syncNode(name: string): Promise<{ requeueAfterMs: number }> {
    const n = this.nodes.get(name)!;
    if (!n.registered) await this.register(n);
    await this.renewLease(n);
    const now = this.o.clock.now().getTime();
    if (now - n.lastStatusCheck >= (this.o.statusUpdateMs ?? NODE_STATUS_UPDATE_MS)) {
      n.lastStatusCheck = now;
      await this.syncNodeStatus(n, now);
    }
    return { requeueAfterMs: leaseSlotDelay(n.index, this.nodes.size, this.leaseRenewMs, this.o.clock.now().getTime()) };
  }

  private nodeObj(n: SimNode, previous?: KubeObject): KubeObject {
    const prevConds = ((previous?.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)?.conditions) ?? [];
    // Port 0: the engine serves no logs, exec or stats for its nodes (KWOK's nodes serve none either).
    return nodeObject({
      name: n.name, address: this.address, port: 0, capacity: this.capacity,
      runtimeVersion: SIMULATED_RUNTIME_VERSION, scheme: 'http', now: rfc3339(this.o.clock.now()), ready: true, previousConditions: prevConds,
    });
  }

  /** register creates the Node (or takes over an existing one: labels and annotations merged) and posts its status. */
  private async register(n: SimNode): Promise<void> {
    const want = this.nodeObj(n);
    if (this.o.rootDirFor) {
      want.metadata = { ...want.metadata, annotations: { ...(want.metadata?.annotations ?? {}), [LOCAL_PATH_DIR_ANNOTATION]: localPathDir(this.o.rootDirFor(n.name)) } };
    }
    let node: KubeObject;
    try {
      node = await this.o.client.create(Resources.nodes, undefined, want);
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
      const existing = await this.o.client.get(Resources.nodes, undefined, n.name);
      node = await this.o.client.update(Resources.nodes, undefined, {
        ...existing,
        metadata: {
          ...existing.metadata,
          labels: { ...(existing.metadata?.labels ?? {}), ...(want.metadata?.labels ?? {}) },
          annotations: { ...(existing.metadata?.annotations ?? {}), ...(want.metadata?.annotations ?? {}) },
        },
      });
    }
    n.uid = node.metadata?.uid;
    await this.o.client.patch(Resources.nodes, undefined, n.name, { status: this.nodeObj(n, node).status }, 'merge', 'status');
    n.registered = true;
    const now = this.o.clock.now().getTime();
    n.lastStatusReport = now;
    n.lastStatusCheck = now;
    this.nodeChanged(node);
  }

  /** renewLease renews the node's Lease with the copy it last wrote (one request; a conflict or a missing Lease is read again). */
  private async renewLease(n: SimNode): Promise<void> {
    const renewTime = rfc3339Micro(this.o.clock.now());
    if (n.lease) {
      const spec = { ...(n.lease.spec as Record<string, unknown>), holderIdentity: n.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime };
      try {
        n.lease = await this.o.client.update(Resources.leases, NODE_LEASE_NAMESPACE, { ...n.lease, spec });
        return;
      } catch (e) {
        const code = (e as { code?: number }).code;
        if (code !== 409 && code !== 404) throw e;
        n.lease = undefined;
      }
    }
    const create = () => this.o.client.create(Resources.leases, NODE_LEASE_NAMESPACE, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: {
        name: n.name, namespace: NODE_LEASE_NAMESPACE,
        ...(n.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: n.name, uid: n.uid }] } : {}),
      },
      spec: { holderIdentity: n.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime },
    });
    if (!n.leaseCreateTried) {
      // A node's first renewal creates its Lease straight away (a fresh cluster has none): one request, not a GET that 404s first.
      n.leaseCreateTried = true;
      try {
        n.lease = await create();
        return;
      } catch (e) {
        if ((e as { code?: number }).code !== 409) throw e;
      }
    }
    try {
      const lease = await this.o.client.get(Resources.leases, NODE_LEASE_NAMESPACE, n.name);
      const spec = { ...(lease.spec as Record<string, unknown>), holderIdentity: n.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime };
      n.lease = await this.o.client.update(Resources.leases, NODE_LEASE_NAMESPACE, { ...lease, spec });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
      n.lease = await create();
    }
  }

  /** syncNodeStatus posts the node's conditions when they differ from the stored ones or the report period passed (the NodeAgent's heartbeat). */
  private async syncNodeStatus(n: SimNode, now: number): Promise<void> {
    const node = this.nodeInformer.lister.get(undefined, n.name) as KubeObject | undefined;
    // Not in the cache yet (just registered) or deleted by someone: nothing to compare with; a kubelet does not re-register either.
    if (!node) return;
    const stored = ((node.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)?.conditions) ?? [];
    const conds = nodeConditions(rfc3339(new Date(now)), true, stored);
    const due = now - n.lastStatusReport >= (this.o.statusReportMs ?? NODE_STATUS_REPORT_MS);
    if (!due && !nodeConditionsChanged(stored, conds)) return;
    await this.o.client.patch(Resources.nodes, undefined, n.name, { status: { conditions: conds } }, 'merge', 'status');
    n.lastStatusReport = now;
  }

  // ---------------------------------------------------------------- pods

  private enqueuePod(p: Readonly<KubeObject>): void {
    const node = (p.spec as { nodeName?: string } | undefined)?.nodeName;
    if ((node && this.nodes.has(node)) || this.pods.has(p.metadata?.uid ?? '')) this.podQueue.add(keyOf(p));
  }

  /**
   * syncPod advances one pod of a simulated node to now and writes its status when it changed (one
   * merge patch of the status subresource); a pod being deleted has its containers stopped, its
   * final status written and is then deleted (grace period 0, for its UID), as the kubelet finishes a
   * graceful deletion. It comes back when the simulation has something to do (an exit, a back-off).
   */
  private async syncPod(key: string): Promise<void | { requeueAfterMs: number }> {
    const { namespace, name } = splitKey(key);
    const pod = this.podInformer.lister.get(namespace, name) as unknown as Pod | undefined;
    const uid = pod?.metadata?.uid ?? '';
    // Pods gone (or replaced by a namesake) release what they held.
    const known = this.uidByKey.get(key);
    if (known !== undefined && known !== uid) this.forgetPod(known);
    const node = pod ? this.nodes.get(pod.spec?.nodeName ?? '') : undefined;
    if (!pod || !node) return;
    const now = this.o.clock.now().getTime();
    let sp = this.pods.get(uid);
    if (pod.metadata?.deletionTimestamp) {
      if (sp) {
        sp.stopAll(now);
        this.releaseIPs(node, sp);
        await this.writeStatus(pod, sp.status(pod, now, this.address, false), sp);
      }
      try {
        await this.o.client.delete(Resources.pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (e) {
        const code = (e as { code?: number }).code;
        if (code !== 404 && code !== 409) throw e;
      }
      this.forgetPod(uid);
      return;
    }
    if (!sp) {
      const phase = pod.status?.phase;
      // A finished pod from before the engine started: nothing to run (the NodeAgent's rule too).
      if (phase === 'Succeeded' || phase === 'Failed') return;
      sp = new SimulatedPod(uid, key, node.name, this.backoff);
      this.pods.set(uid, sp);
      this.uidByKey.set(key, uid);
      if (sp.adopt(pod)) for (const ip of sp.podIPs) if (ip !== this.address) node.ips.reserve(ip);
    }
    if (!sp.started) {
      const ip = pod.spec?.hostNetwork ? undefined : node.ips.allocate();
      sp.start(now, [ip ?? this.address]);
    }
    const adv = sp.advance(pod, now, (container, message) => this.recorderFor(node).event(podRef(pod), 'Warning', 'BackOff', message, `spec.containers{${container}}`));
    if (sp.isTerminal) this.releaseIPs(node, sp);
    await this.writeStatus(pod, sp.status(pod, now, this.address, !sp.isTerminal), sp);
    if (adv.wakeInMs !== undefined) return { requeueAfterMs: adv.wakeInMs };
  }

  /** writeStatus patches the pod's status unless it is the one last written. */
  private async writeStatus(pod: Pod, status: NonNullable<Pod['status']>, sp: SimulatedPod): Promise<void> {
    const json = JSON.stringify(status);
    if (json === sp.lastWrittenJson) return;
    // What the API already has (an adopted pod, our own write seen again) is not written twice.
    if (isDeepStrictEqual(JSON.parse(json), pod.status)) {
      sp.lastConditions = status.conditions;
      sp.lastWrittenJson = json;
      return;
    }
    try {
      await this.o.client.patch(Resources.pods, pod.metadata!.namespace, pod.metadata!.name!, { status }, 'merge', 'status');
    } catch (e) {
      if ((e as { code?: number }).code === 404) return;
      throw e;
    }
    sp.lastConditions = status.conditions;
    sp.lastWrittenJson = json;
  }

  private releaseIPs(node: SimNode, sp: SimulatedPod): void {
    if (sp.ipsReleased) return;
    sp.ipsReleased = true;
    for (const ip of sp.podIPs) if (ip !== this.address) node.ips.release(ip);
  }

  private forgetPod(uid: string): void {
    const sp = this.pods.get(uid);
    if (!sp) return;
    this.pods.delete(uid);
    if (this.uidByKey.get(sp.key) === uid) this.uidByKey.delete(sp.key);
    sp.forget();
    const node = this.nodes.get(sp.nodeName);
    if (node) this.releaseIPs(node, sp);
  }

  /** recorderFor is a node's event recorder (made on its first warning: most nodes never need one). */
  private recorderFor(n: SimNode): KubeletEventRecorder {
    n.recorder ??= new KubeletEventRecorder(this.o.client, n.name, this.o.clock);
    return n.recorder;
  }
}

/** podRef is the pod as the involvedObject of its events. */
function podRef(pod: Pod): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata } as KubeObject;
}

/**
 * leaseSlotDelay is how long until node index's next renewal: node i of n renews at offset i·period/n
 * of every period, so n renewals spread evenly over it. The first wait after an arbitrary renewal is
 * more than half a period and at most one and a half (well within the 40 s lease).
 */
export function leaseSlotDelay(index: number, count: number, periodMs: number, nowMs: number): number {
  const offset = Math.floor((index * periodMs) / Math.max(1, count));
  let delay = periodMs - ((((nowMs - offset) % periodMs) + periodMs) % periodMs);
  if (delay <= periodMs / 2) delay += periodMs;
  return delay;
}
