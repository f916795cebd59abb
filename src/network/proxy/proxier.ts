import { existsSync, writeFileSync } from 'node:fs';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../api/resource.js';
import type { Informer, InformerFactory } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import { log, type Logger } from '../../util/log.js';
import { applyNft, nftUnavailable, type NftRunner } from './nft.js';
import { deleteTableScript, renderRuleset } from './nftables-rules.js';
import { buildServicePorts, type Endpoint, type ServicePort } from './service-ports.js';
import { LoopbackForwarders, isLoopback } from './loopback-forwarder.js';
import { ServiceHealthServers, healthCheckTargets } from './health-check-server.js';
import { formatIPv4, parseCIDR } from '../cidr.js';

/** ServiceProxyOptions configure one node's service proxy (kube-proxy's flags, in short). */
export interface ServiceProxyOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  nodeName: string;
  /** the node's addresses (node ports are open on them) */
  nodeAddresses: string[];
  /** the node's pod bridge */
  bridge: string;
  /** the node's nftables table */
  table: string;
  /** at most one sync per this period (kube-proxy's --min-sync-period); default 200 ms, so rules follow endpoints well within a second */
  minSyncPeriodMs?: number;
  /** a full resync this often even without changes (--sync-period); default 30 s */
  syncPeriodMs?: number;
  /** nft runner (tests); default `nft -f -` */
  nft?: NftRunner;
  /** why the proxy cannot run (tests); default: checks root and nft */
  unavailable?: () => Promise<string | undefined>;
}

/**
 * ServiceProxy is the node agent's kube-proxy in nftables mode: it watches Services and
 * EndpointSlices and keeps the node's nftables table equal to renderRuleset's output, syncing at
 * most every minSyncPeriod after a change and every syncPeriod regardless; the table goes when the
 * proxy stops. Without root or nft it logs why once and does nothing.
 */
export class ServiceProxy {
  private readonly services: Informer<Service & KubeObject>;
  private readonly slices: Informer<EndpointSlice & KubeObject>;
  private readonly logger: Logger;
  private readonly nft: NftRunner;
  private lastApplied = '';
  private lastSync = 0;
  private cancelTimer?: () => void;
  private syncing?: Promise<void>;
  private again = false;
  private podCIDR?: string;
  private enabled = false;
  private readonly forwarders = new LoopbackForwarders();
  private readonly healthServers: ServiceHealthServers;

  constructor(private readonly o: ServiceProxyOptions) {
    this.logger = log.child({ component: 'service-proxy', node: o.nodeName });
    this.nft = o.nft ?? applyNft;
    this.healthServers = new ServiceHealthServers(o.nodeAddresses);
    this.services = o.informers.informerFor<Service & KubeObject>(Resources.services);
    this.slices = o.informers.informerFor<EndpointSlice & KubeObject>(Resources.endpointslices);
    const changed = () => this.schedule();
    for (const inf of [this.services, this.slices] as Informer<KubeObject>[]) inf.addEventHandler({ add: changed, update: changed, delete: changed });
  }

  /** run programs the node's rules until signal aborts, then removes them. */
  async run(signal: AbortSignal): Promise<void> {
    const why = await (this.o.unavailable ?? nftUnavailable)();
    if (why) {
      this.logger.info(`Service proxy disabled: ${why}; Services are not reachable through their cluster IPs on this node`);
      return;
    }
    this.enabled = true;
    this.o.informers.start(signal);
    try {
      await this.o.informers.waitForCacheSync(signal);
      await this.syncNow();
      while (!signal.aborted) {
        await this.o.clock.sleep(this.o.syncPeriodMs ?? 30_000, signal).catch(() => undefined);
        if (!signal.aborted) { this.lastApplied = ''; this.schedule(); }
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    } finally {
      this.enabled = false;
      this.cancelTimer?.();
      await this.syncing?.catch(() => undefined);
      await this.cleanup();
      await this.forwarders.closeAll();
      await this.healthServers.closeAll();
    }
  }

  /** cleanup deletes the node's table (nothing stale stays after the agent stops). */
  async cleanup(): Promise<void> {
    try {
      await this.nft(deleteTableScript(this.o.table));
      this.lastApplied = '';
    } catch (e) {
      this.logger.error(e, 'Failed to delete the service proxy\'s nftables table', { table: this.o.table });
    }
  }

  /** schedule asks for a sync: at once when the last one is older than minSyncPeriod, else when it will be. */
  private schedule(): void {
    if (!this.enabled) return;
    if (this.syncing) { this.again = true; return; }
    if (this.cancelTimer) return;
    const wait = Math.max(0, this.lastSync + (this.o.minSyncPeriodMs ?? 200) - this.o.clock.now().getTime());
    this.cancelTimer = this.o.clock.setTimeout(() => { this.cancelTimer = undefined; void this.syncNow(); }, wait);
  }

  /** syncNow renders and applies the rules (one sync at a time; changes meanwhile schedule another). */
  async syncNow(): Promise<void> {
    if (this.syncing) { this.again = true; return this.syncing; }
    this.syncing = this.sync().finally(() => {
      this.syncing = undefined;
      if (this.again) { this.again = false; this.schedule(); }
    });
    return this.syncing;
  }

  private async sync(): Promise<void> {
    this.lastSync = this.o.clock.now().getTime();
    try {
      await this.readPodCIDR();
      const ports = await this.reachLoopbackEndpoints(buildServicePorts(this.services.lister.list(), this.slices.lister.list(), this.o.nodeName));
      await this.healthServers.sync(healthCheckTargets(ports));
      const script = renderRuleset({
        table: this.o.table, bridge: this.o.bridge, podCIDR: this.podCIDR, nodeAddresses: this.o.nodeAddresses,
        comment: `tskube service proxy of node ${this.o.nodeName}`,
      }, ports);
      // The bridge appears with the node's first pod: look for it on every sync.
      enableRouteLocalnet(this.o.bridge);
      if (script === this.lastApplied) return;
      await this.nft(script);
      this.lastApplied = script;
      this.logger.v(4).info('Synced nftables rules', { servicePorts: ports.length });
    } catch (e) {
      this.logger.error(e, 'Failed to sync the service proxy\'s rules, retrying');
      this.lastApplied = '';
      // Retry, but not in a tight loop: at most once a second.
      this.lastSync += 1000;
      this.again = true;
    }
  }

  /**
   * reachLoopbackEndpoints leads TCP endpoints on the node's loopback (the API server behind the
   * kubernetes Service) to forwarders on the pod bridge's address, which pods can reach; until the
   * bridge exists (no pod yet) they stay as they are and the next sync tries again.
   */
  private async reachLoopbackEndpoints(ports: ServicePort[]): Promise<ServicePort[]> {
    const gateway = this.podCIDR ? formatIPv4(parseCIDR(this.podCIDR).base + 1) : undefined;
    const keep = new Set<string>();
    let missing = false;
    const redirect = async (sp: ServicePort, eps: Endpoint[]): Promise<Endpoint[]> => Promise.all(eps.map(async (ep) => {
      if (!gateway || sp.protocol !== 'tcp' || !isLoopback(ep.ip)) return ep;
      const port = await this.forwarders.ensure(gateway, ep.ip, ep.port);
      if (port === undefined) { missing = true; return ep; }
      keep.add(LoopbackForwarders.keyOf(gateway, ep.ip, ep.port));
      return { ...ep, ip: gateway, port };
    }));
    const out: ServicePort[] = [];
    for (const sp of ports) {
      out.push({
        ...sp,
        clusterEndpoints: await redirect(sp, sp.clusterEndpoints),
        externalEndpoints: await redirect(sp, sp.externalEndpoints),
        localEndpoints: await redirect(sp, sp.localEndpoints),
      });
    }
    await this.forwarders.retain(keep);
    if (missing) { this.lastSync += 1000; this.again = true; }
    return out;
  }

  /** readPodCIDR learns the node's pod range once (traffic from elsewhere to a cluster IP is masqueraded). */
  private async readPodCIDR(): Promise<void> {
    if (this.podCIDR) return;
    try {
      const node = await this.o.client.get(Resources.nodes, undefined, this.o.nodeName);
      const spec = node.spec as { podCIDR?: string; podCIDRs?: string[] } | undefined;
      this.podCIDR = spec?.podCIDRs?.[0] ?? spec?.podCIDR;
    } catch { /* not registered yet: the next sync asks again */ }
  }
}

/**
 * enableRouteLocalnet lets node ports answer on the node's loopback addresses (127.0.1.N under
 * `tskube up`): DNATed packets from 127/8 may then leave through the pod bridge, masqueraded, as
 * kube-proxy's iptables mode arranges with route_localnet.
 */
function enableRouteLocalnet(bridge: string): void {
  const p = `/proc/sys/net/ipv4/conf/${bridge}/route_localnet`;
  if (!existsSync(p)) return;
  try { writeFileSync(p, '1'); } catch { /* read-only /proc/sys: loopback node ports stay closed */ }
}
