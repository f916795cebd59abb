import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { Informer, InformerFactory } from '../../client/informer-types.js';
import { Resources, type Client } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { DNSServer, DNS_PACKET_INSTALL_HINT, loadDnsPacket } from './server.js';
import { ClusterZone } from './zone.js';

/** DEFAULT_CLUSTER_DNS_IP is the kube-dns Service's cluster IP (kubelet's --cluster-dns default here). */
export const DEFAULT_CLUSTER_DNS_IP = '10.96.0.10';
/** KUBE_DNS_LABELS are the labels of CoreDNS's kube-dns Service. */
export const KUBE_DNS_LABELS = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };
/** MANAGED_BY is the managed-by label value of the kube-dns EndpointSlice this component writes. */
export const MANAGED_BY = 'cluster-dns.tskube.io';

/** ClusterDNSOptions configure the cluster DNS component. */
export interface ClusterDNSOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  /** the kube-dns Service's cluster IP (default 10.96.0.10) */
  clusterIP?: string;
  /** --cluster-domain (default cluster.local) */
  domain?: string;
  /** the address pods reach the server at (default: this machine's first non-loopback IPv4 address) */
  address?: string;
  /** the port to serve on (default 53 when free, else any free port) */
  port?: number;
  /** resolvers for other names (default: /etc/resolv.conf's nameservers) */
  upstreams?: string[];
  /** how often the kube-dns Service and endpoints are checked (default 30 s) */
  resyncMs?: number;
}

/**
 * ClusterDNS is the cluster's DNS addon (CoreDNS with the kubernetes plugin, in-process): it
 * serves the zone on this machine and publishes itself as the `kube-dns` Service of kube-system at
 * 10.96.0.10 (ports dns 53/UDP and dns-tcp 53/TCP), whose Endpoints and EndpointSlice point at the
 * server, so the node agents' Service proxies carry pods' queries to it.
 */
export class ClusterDNS {
  readonly name = 'cluster-dns';
  private readonly services: Informer<Service & KubeObject>;
  private readonly slices: Informer<EndpointSlice & KubeObject>;
  private readonly namespaces: Informer<KubeObject>;
  private readonly logger = log.child({ component: 'cluster-dns' });
  readonly zone: ClusterZone;

  constructor(private readonly o: ClusterDNSOptions) {
    this.services = o.informers.informerFor<Service & KubeObject>(Resources.services);
    this.slices = o.informers.informerFor<EndpointSlice & KubeObject>(Resources.endpointslices);
    this.namespaces = o.informers.informerFor(Resources.namespaces);
    this.slices.addIndexer('service', (s) => {
      const n = s.metadata?.labels?.['kubernetes.io/service-name'];
      return n ? [`${s.metadata?.namespace}/${n}`] : [];
    });
    this.zone = new ClusterZone({
      services: () => this.services.lister.list(),
      slicesFor: (ns, name) => this.slices.lister.byIndex('service', `${ns}/${name}`),
      namespaceExists: (ns) => !!this.namespaces.lister.get(undefined, ns) || this.services.lister.list(ns).length > 0,
    }, { domain: o.domain, serial: () => Math.floor(o.clock.now().getTime() / 1000) });
  }

  /** run serves DNS and keeps kube-dns published until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let dns;
    try {
      dns = await loadDnsPacket();
    } catch {
      this.logger.info(`Cluster DNS disabled: the dns-packet library is not installed (${DNS_PACKET_INSTALL_HINT})`);
      return;
    }
    const address = this.o.address ?? hostAddress();
    if (address === '127.0.0.1') this.logger.info('Cluster DNS listens on 127.0.0.1: this machine has no other IPv4 address, so pods in their own network cannot reach it');
    const upstreams = (this.o.upstreams ?? hostResolvers()).filter((u) => u !== address && u !== (this.o.clusterIP ?? DEFAULT_CLUSTER_DNS_IP));
    const server = new DNSServer({ zone: this.zone, upstreams, host: address, port: this.o.port ?? (process.getuid?.() === 0 ? 53 : 0), logger: this.logger, dns });
    const port = await server.listen();
    this.logger.info('Cluster DNS serving', { address, port, domain: this.zone.domain, upstreams });
    try {
      await this.o.informers.waitForCacheSync(signal);
      while (!signal.aborted) {
        await this.publish(address, port).catch((e: unknown) => { if (!signal.aborted) this.logger.error(e, 'Failed to publish the kube-dns Service'); });
        await this.o.clock.sleep(this.o.resyncMs ?? 30_000, signal).catch(() => undefined);
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    } finally {
      await server.close();
    }
  }

  /** publish makes sure kube-dns exists with its cluster IP and its endpoints point at this server. */
  async publish(address: string, port: number): Promise<void> {
    const c = this.o.client;
    const ns = 'kube-system';
    const clusterIP = this.o.clusterIP ?? DEFAULT_CLUSTER_DNS_IP;
    if (!this.services.lister.get(ns, 'kube-dns')) {
      await ignoreConflict(c.create(Resources.services, ns, {
        apiVersion: 'v1', kind: 'Service',
        metadata: { name: 'kube-dns', namespace: ns, labels: { ...KUBE_DNS_LABELS } },
        spec: {
          type: 'ClusterIP', clusterIP,
          ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }],
        },
      }));
    }
    const subsets = [{ addresses: [{ ip: address }], ports: [{ name: 'dns', port, protocol: 'UDP' }, { name: 'dns-tcp', port, protocol: 'TCP' }] }];
    const labels = { ...KUBE_DNS_LABELS, 'endpointslice.kubernetes.io/skip-mirror': 'true' };
    await upsert(c, Resources.endpoints, ns, 'kube-dns', (cur) => ({
      ...(cur ?? {}), apiVersion: 'v1', kind: 'Endpoints',
      metadata: { ...(cur?.metadata ?? {}), name: 'kube-dns', namespace: ns, labels }, subsets,
    }), (cur) => JSON.stringify(cur.subsets) === JSON.stringify(subsets) && JSON.stringify(cur.metadata?.labels) === JSON.stringify(labels));
    const slice = {
      addressType: 'IPv4',
      ports: [{ name: 'dns', port, protocol: 'UDP' }, { name: 'dns-tcp', port, protocol: 'TCP' }],
      endpoints: [{ addresses: [address], conditions: { ready: true, serving: true, terminating: false } }],
    };
    const sliceLabels = { ...KUBE_DNS_LABELS, 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': MANAGED_BY };
    await upsert(c, Resources.endpointslices, ns, 'kube-dns', (cur) => ({
      ...(cur ?? {}), apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { ...(cur?.metadata ?? {}), name: 'kube-dns', namespace: ns, labels: sliceLabels }, ...slice,
    }), (cur) => JSON.stringify([cur.ports, cur.endpoints]) === JSON.stringify([slice.ports, slice.endpoints]));
  }
}

async function ignoreConflict(p: Promise<unknown>): Promise<void> {
  try { await p; } catch (e) { if (!(e instanceof StatusError && e.code === 409)) throw e; }
}

/** upsert creates or updates one object unless it already is as wanted. */
async function upsert(c: Client, res: typeof Resources[keyof typeof Resources], ns: string, name: string, want: (cur: KubeObject | undefined) => KubeObject, same: (cur: KubeObject) => boolean): Promise<void> {
  let cur: KubeObject | undefined;
  try { cur = await c.get(res, ns, name); } catch (e) { if (!(e instanceof StatusError && e.code === 404)) throw e; }
  if (!cur) return ignoreConflict(c.create(res, ns, want(undefined)));
  if (same(cur)) return;
  await c.update(res, ns, want(cur));
}

/** hostAddress is this machine's first non-loopback IPv4 address that is no pod bridge (127.0.0.1 without one). */
export function hostAddress(): string {
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (/^(tsk-|veth|cni|docker|br-)/.test(name)) continue;
    const a = (addrs ?? []).find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  return '127.0.0.1';
}

/** hostResolvers are the nameservers of /etc/resolv.conf (CoreDNS's `forward . /etc/resolv.conf`). */
export function hostResolvers(path = '/etc/resolv.conf'): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((x): x is string => !!x);
  } catch {
    return [];
  }
}
