import type { KubeObject } from '../../api/resource.js';
import { EventRecorder } from '../../client/events.js';
import type { Informer, InformerFactory } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import { formatCIDR, overlaps, parseCIDR } from '../../network/cidr.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';
import { CIDRRangeNoCIDRsRemainingError, CIDRSet } from './cidr-set.js';

/** DEFAULT_CLUSTER_CIDR is the pod range tskube uses when --cluster-cidr is not given (flannel's and kubeadm guides' 10.244.0.0/16). */
export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
/** DEFAULT_NODE_CIDR_MASK_SIZE is kube-controller-manager's --node-cidr-mask-size-ipv4 default: one /24 per node. */
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;

/** NodeIpamOptions are kube-controller-manager's node IPAM flags. */
export interface NodeIpamOptions {
  /** --allocate-node-cidrs (tskube: on by default, every node gets a pod range) */
  allocateNodeCIDRs: boolean;
  /** --cluster-cidr */
  clusterCIDR: string;
  /** --node-cidr-mask-size(-ipv4) */
  nodeCIDRMaskSize: number;
  /** --service-cluster-ip-range: subnets overlapping it are never handed to nodes */
  serviceClusterIPRange?: string;
}

/** defaultNodeIpamOptions are the defaults. */
export const defaultNodeIpamOptions: NodeIpamOptions = {
  allocateNodeCIDRs: true, clusterCIDR: DEFAULT_CLUSTER_CIDR, nodeCIDRMaskSize: DEFAULT_NODE_CIDR_MASK_SIZE,
};

interface NodeSpec { podCIDR?: string; podCIDRs?: string[] }

/** podCIDRsOf reads a node's allocated ranges (podCIDRs, or the older single podCIDR). */
export function podCIDRsOf(node: KubeObject | undefined): string[] {
  const spec = (node?.spec ?? {}) as NodeSpec;
  if (spec.podCIDRs?.length) return spec.podCIDRs;
  return spec.podCIDR ? [spec.podCIDR] : [];
}

/**
 * NodeIpamController is kube-controller-manager's node IPAM with the RangeAllocator: every Node
 * gets one /nodeCIDRMaskSize subnet of --cluster-cidr in spec.podCIDR and spec.podCIDRs, which its
 * agent hands to the pod network. Ranges nodes already have are occupied at start, a deleted node's
 * range is released; when the cluster CIDR is used up a node gets a CIDRNotAvailable event and
 * waits until a range is released. Keys are node names.
 */
export class NodeIpamController implements Controller {
  readonly name = 'nodeipam';
  private readonly nodes: Informer;
  private readonly queue: WorkQueue<string>;
  private readonly set: CIDRSet;
  private readonly recorder: EventRecorder;
  private readonly logger = log.child({ component: 'node-ipam-controller' });
  private readonly opts: NodeIpamOptions;
  /** nodes that found the cluster CIDR full; they are tried again when a range is released */
  private readonly starved = new Set<string>();
  private readonly client: Client;
  private readonly informers: InformerFactory;

  /** ctx.options may be kube-controller-manager's whole option set: the node IPAM fields are read from it. */
  constructor(ctx: { client: Client; informers: InformerFactory; clock: Clock; options?: Partial<NodeIpamOptions> | object }) {
    this.client = ctx.client;
    this.informers = ctx.informers;
    this.opts = nodeIpamOptionsFrom(ctx.options ?? {});
    this.set = new CIDRSet(this.opts.clusterCIDR, this.opts.nodeCIDRMaskSize);
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'cidrallocator_node' });
    this.recorder = new EventRecorder(ctx.client, { component: 'cidrAllocator' }, ctx.clock);
    this.nodes = ctx.informers.informerFor(Resources.nodes);
    this.nodes.addEventHandler({
      add: (n) => this.queue.add(n.metadata!.name!),
      update: (_o, n) => { if (podCIDRsOf(n).length === 0) this.queue.add(n.metadata!.name!); },
      delete: (n) => this.releaseNode(n),
    });
  }

  /** run occupies the ranges nodes already hold, then allocates for the rest until signal aborts. */
  run(signal: AbortSignal, workers = 1): Promise<void> {
    if (!this.opts.allocateNodeCIDRs) return Promise.resolve();
    this.logger.info('Starting range CIDR allocator', { clusterCIDR: formatCIDR(this.set.cluster), nodeCIDRMaskSize: this.opts.nodeCIDRMaskSize });
    return runWorkers({
      queue: this.queue, workers, signal, log: this.logger, sync: (name) => this.sync(name),
      waitForSync: async (s) => {
        await this.informers.waitForCacheSync(s);
        this.occupyExisting();
      },
    });
  }

  /** occupyExisting marks the Service range and every range nodes already have as taken (upstream's NewCIDRRangeAllocator). */
  occupyExisting(): void {
    const svc = this.opts.serviceClusterIPRange;
    if (svc) {
      try {
        if (overlaps(parseCIDR(svc), this.set.cluster)) this.set.occupy(svc);
      } catch (e) { this.logger.error(e, 'Invalid service cluster IP range', { serviceClusterIPRange: svc }); }
    }
    for (const n of this.nodes.lister.list()) this.occupyNode(n);
  }

  /** sync gives a node without a pod range the next free one. */
  async sync(name: string): Promise<void> {
    const node = this.nodes.lister.get(undefined, name);
    if (!node || node.metadata?.deletionTimestamp) return;
    if (podCIDRsOf(node).length) {
      this.starved.delete(name);
      this.occupyNode(node);
      return;
    }
    let cidr: string;
    try {
      cidr = this.set.allocateNext();
    } catch (e) {
      if (!(e instanceof CIDRRangeNoCIDRsRemainingError)) throw e;
      if (!this.starved.has(name)) {
        this.starved.add(name);
        this.recordNodeStatusChange(node, 'CIDRNotAvailable');
        this.logger.error(e, 'Failed to allocate a pod CIDR for the node; it waits until a range is released', { node: name, clusterCIDR: formatCIDR(this.set.cluster) });
      }
      return;
    }
    this.starved.delete(name);
    try {
      await this.updateCIDRsAllocation(name, cidr);
    } catch (e) {
      this.set.release(cidr);
      throw e;
    }
  }

  /**
   * updateCIDRsAllocation writes the range to the node. The node is read from the API first: a
   * stale cache must not give a node that already has a range a second one.
   */
  private async updateCIDRsAllocation(name: string, cidr: string): Promise<void> {
    let fresh: KubeObject;
    try {
      fresh = await this.client.get(Resources.nodes, undefined, name);
    } catch (e) {
      if ((e as { code?: number }).code === 404) { this.set.release(cidr); return; }
      throw e;
    }
    const existing = podCIDRsOf(fresh);
    if (existing.length) {
      if (existing.length !== 1 || existing[0] !== cidr) {
        this.logger.info('Node already has a CIDR allocated; releasing the new one', { node: name, podCIDRs: existing, released: cidr });
        this.set.release(cidr);
        this.occupyNode(fresh);
      }
      return;
    }
    try {
      await this.client.patch(Resources.nodes, undefined, name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'merge');
      this.logger.v(2).info('Set node PodCIDR', { node: name, podCIDRs: [cidr] });
    } catch (e) {
      if ((e as { code?: number }).code === 404) { this.set.release(cidr); return; }
      this.recordNodeStatusChange(fresh, 'CIDRAssignmentFailed');
      throw e;
    }
  }

  private occupyNode(node: KubeObject): void {
    for (const cidr of podCIDRsOf(node)) {
      try {
        this.set.occupy(cidr);
      } catch (e) {
        // A range outside --cluster-cidr (set by hand, or under an earlier flag): kept, not tracked.
        this.logger.error(e, 'Node has a CIDR the allocator cannot occupy', { node: node.metadata?.name, podCIDR: cidr });
      }
    }
  }

  private releaseNode(node: KubeObject): void {
    const cidrs = podCIDRsOf(node);
    this.starved.delete(node.metadata?.name ?? '');
    if (!cidrs.length) return;
    for (const cidr of cidrs) {
      try { this.set.release(cidr); } catch { /* outside the cluster CIDR: never occupied */ }
    }
    this.logger.v(2).info('Released node PodCIDRs', { node: node.metadata?.name, podCIDRs: cidrs });
    // A range came free: nodes that found the cluster CIDR full try again.
    for (const n of this.starved) this.queue.add(n);
  }

  /** recordNodeStatusChange is upstream's RecordNodeStatusChange: a Normal event "Node X status is now: S". */
  private recordNodeStatusChange(node: KubeObject, status: string): void {
    const name = node.metadata?.name ?? '';
    this.recorder.event({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name } }, 'Normal', status, `Node ${name} status is now: ${status}`);
  }

  /** flushEvents waits for queued event writes (tests). */
  flushEvents(): Promise<unknown> { return this.recorder.flush(); }

  /** allocator exposes the CIDR set (tests, metrics). */
  get allocator(): CIDRSet { return this.set; }
}

/** nodeIpamOptionsFrom picks the node IPAM flags out of a controller option set, defaults for the rest. */
export function nodeIpamOptionsFrom(o: object): NodeIpamOptions {
  const src = o as Partial<NodeIpamOptions>;
  const out: NodeIpamOptions = { ...defaultNodeIpamOptions };
  if (src.allocateNodeCIDRs !== undefined) out.allocateNodeCIDRs = src.allocateNodeCIDRs;
  if (src.clusterCIDR !== undefined) out.clusterCIDR = src.clusterCIDR;
  if (src.nodeCIDRMaskSize !== undefined) out.nodeCIDRMaskSize = src.nodeCIDRMaskSize;
  if (src.serviceClusterIPRange !== undefined) out.serviceClusterIPRange = src.serviceClusterIPRange;
  return out;
}
