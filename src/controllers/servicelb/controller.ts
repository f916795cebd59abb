import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/resource.js';
import { keyOf, splitKey, type Informer, type InformerFactory } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { runWorkers, type Controller } from '../common/run-workers.js';

type ServiceObj = Service & KubeObject;
type NodeObj = Node & KubeObject;

/** ServiceLBOptions: what the controller is given. */
export interface ServiceLBOptions { client: Client; informers: InformerFactory; clock: Clock }

/** nodeIngress lists the InternalIPs of the Ready, schedulable nodes, sorted (the addresses a LoadBalancer answers on). */
export function nodeIngress(nodes: readonly Readonly<Node>[]): { ip: string; ipMode: 'VIP' }[] {
  const ips = nodes
    .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !n.spec?.unschedulable)
    .map((n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address)
    .filter((ip): ip is string => !!ip);
  return [...new Set(ips)].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).map((ip) => ({ ip, ipMode: 'VIP' as const }));
}

/**
 * ServiceLBController gives LoadBalancer Services an address the way k3s's ServiceLB does: the
 * nodes themselves are the load balancer, so status.loadBalancer.ingress lists the nodes'
 * addresses (and kubectl's EXTERNAL-IP fills in); each node's Service proxy answers the Service
 * port on them. Services with a loadBalancerClass belong to another implementation.
 */
export class ServiceLBController implements Controller {
  readonly name = 'service-lb-controller';
  private readonly services: Informer<ServiceObj>;
  private readonly nodes: Informer<NodeObj>;
  private readonly queue: WorkQueue<string>;
  private readonly logger = log.child({ component: 'service-lb-controller' });

  constructor(private readonly o: ServiceLBOptions) {
    this.queue = new WorkQueue<string>(o.clock, { name: 'servicelb' });
    this.services = o.informers.informerFor<ServiceObj>(Resources.services);
    this.nodes = o.informers.informerFor<NodeObj>(Resources.nodes);
    this.services.addEventHandler({ add: (s) => this.queue.add(keyOf(s)), update: (_o, s) => this.queue.add(keyOf(s)) });
    const all = () => { for (const s of this.services.lister.list()) if (s.spec?.type === 'LoadBalancer') this.queue.add(keyOf(s)); };
    this.nodes.addEventHandler({ add: all, update: (a, b) => { if (JSON.stringify(nodeIngress([a])) !== JSON.stringify(nodeIngress([b]))) all(); }, delete: all });
  }

  /** run syncs Services until signal aborts. */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    await runWorkers({ queue: this.queue, workers, signal, log: this.logger, waitForSync: (s) => this.o.informers.waitForCacheSync(s), sync: (k) => this.sync(k) });
  }

  /** sync sets (or, for a Service no longer of type LoadBalancer, clears) the ingress addresses. */
  async sync(key: string): Promise<void> {
    const { namespace = '', name } = splitKey(key);
    const svc = this.services.lister.get(namespace, name);
    if (!svc || svc.spec?.loadBalancerClass) return;
    const want = svc.spec?.type === 'LoadBalancer' ? nodeIngress(this.nodes.lister.list()) : [];
    const have = svc.status?.loadBalancer?.ingress ?? [];
    if (JSON.stringify(have) === JSON.stringify(want)) return;
    if (svc.spec?.type !== 'LoadBalancer' && have.length === 0) return;
    const next = structuredClone(svc) as { -readonly [K in keyof ServiceObj]: ServiceObj[K] };
    next.status = { ...(next.status ?? {}), loadBalancer: want.length ? { ingress: want } : {} };
    await this.o.client.updateStatus(Resources.services, namespace, next);
  }
}
