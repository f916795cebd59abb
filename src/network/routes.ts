/**
 * The node agent's route controller: pod networks across machines the way kubenet's cloud routes
 * or flannel's host-gw backend join them. Each node's pods live on a bridge over the node's
 * podCIDR; a machine reaches the pods of a node on another machine through a route
 * `podCIDR via nodeInternalIP`, and the packets keep their pod source address (no masquerade
 * between pod ranges). Nodes whose InternalIP is one of this machine's addresses need nothing:
 * their bridges are local and the kernel already routes to them.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/resource.js';
import type { Informer, InformerFactory } from '../client/informer-types.js';
import { Resources } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import { log, type Logger } from '../util/log.js';
import { contains, formatCIDR, parseCIDR, parseIPv4 } from './cidr.js';
import { commands } from './command/command.js';
import { removeForwardingChain } from './forwarding-chain.js';

/** NodeRoute is one route the controller keeps: the pods of `node` are reached via its address. */
export interface NodeRoute { node: string; podCIDR: string; via: string }

/** nodePodCIDR is a node's first IPv4 pod range (spec.podCIDRs, else spec.podCIDR), normalised. */
function nodePodCIDR(node: Node): string | undefined {
  const spec = node.spec ?? {};
  for (const c of spec.podCIDRs ?? (spec.podCIDR ? [spec.podCIDR] : [])) {
    try { return formatCIDR(parseCIDR(c)); } catch { /* IPv6 or malformed: not routed */ }
  }
  return undefined;
}

/** nodeInternalIP is a node's first IPv4 InternalIP, where its machine is reached. */
function nodeInternalIP(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP' && parseIPv4(a.address) !== undefined)?.address;
}

/**
 * desiredRoutes lists the routes this machine needs: one per other node that has a podCIDR and an
 * InternalIP that is not local (isLocal). A range claimed twice goes to the node first by name,
 * so every agent picks the same one.
 */
export function desiredRoutes(nodes: readonly Node[], selfName: string, isLocal: (ip: string) => boolean): NodeRoute[] {
  const out = new Map<string, NodeRoute>();
  for (const n of [...nodes].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
    const name = n.metadata?.name ?? '';
    if (name === selfName) continue;
    const podCIDR = nodePodCIDR(n);
    const via = nodeInternalIP(n);
    if (!podCIDR || !via || isLocal(via) || out.has(podCIDR)) continue;
    out.set(podCIDR, { node: name, podCIDR, via });
  }
  return [...out.values()];
}

/** localAddressMatcher answers whether an address is this machine's, from the local routing table's entries (addresses and ranges such as 127.0.0.0/8). */
export function localAddressMatcher(localDsts: readonly string[]): (ip: string) => boolean {
  const ranges = localDsts.flatMap((d) => {
    try { return [parseCIDR(d.includes('/') ? d : `${d}/32`)]; } catch { return []; }
  });
  return (ip) => ranges.some((r) => contains(r, ip));
}

/** RouteHost is what the controller changes on the machine (the real one runs ip and iptables; tests record). */
export interface RouteHost {
  /** why routes cannot be managed here (not root, no ip), or undefined */
  unavailable(): Promise<string | undefined>;
  /** the destinations of the local routing table's `local` routes: this machine's addresses */
  localDestinations(): Promise<string[]>;
  /** `ip route replace CIDR via GW` */
  replaceRoute(podCIDR: string, via: string): Promise<void>;
  /** `ip route delete CIDR via GW` (no error when it is already gone) */
  deleteRoute(podCIDR: string, via: string): Promise<void>;
  /** makes the chain let traffic to and from these remote pod ranges through unmasqueraded */
  syncForwarding(chain: string, remotePodCIDRs: string[], comment: string): Promise<void>;
  /** removes the chain and the jumps to it */
  removeForwarding(chain: string): Promise<void>;
}

/** RouteControllerOptions configure one node agent's route controller. */
export interface RouteControllerOptions {
  informers: InformerFactory;
  clock: Clock;
  /** this agent's node (never routed: its bridge is local) */
  nodeName: string;
  /** iptables chain in the nat and filter tables (≤ 28 characters; one per agent) */
  chain: string;
  /** where the routes this agent made are remembered, so a restarted agent removes stale ones */
  stateFile?: string;
  /** the machine (default: ip and iptables) */
  host?: RouteHost;
  /** a full reconcile this often even without changes (a route someone deleted comes back); default 30 s */
  resyncPeriodMs?: number;
}

const routeKey = (r: { podCIDR: string; via: string }) => `${r.podCIDR} via ${r.via}`;

/**
 * RouteController watches Nodes and keeps this machine's routes to the pod ranges of nodes on
 * other machines equal to desiredRoutes (ip route replace; a route goes when its node goes or its
 * podCIDR or address changes), plus the forwarding and no-masquerade rules that let pod traffic
 * cross machines with its pod source address. Everything it made goes when it stops. Without
 * root or iproute2 it logs why once and does nothing.
 */
export class RouteController {
  private readonly nodes: Informer<Node & KubeObject>;
  private readonly logger: Logger;
  private readonly host: RouteHost;
  /** routes this controller made, by key */
  private owned = new Map<string, NodeRoute>();
  private forwarded = '';
  private dirty = true;
  private wake?: () => void;

  constructor(private readonly o: RouteControllerOptions) {
    this.logger = log.child({ component: 'route-controller', node: o.nodeName });
    this.host = o.host ?? new IpRouteHost();
    this.nodes = o.informers.informerFor<Node & KubeObject>(Resources.nodes);
    const changed = () => { this.dirty = true; this.wake?.(); };
    this.nodes.addEventHandler({ add: changed, update: changed, delete: changed });
  }

  /** routes are the routes this controller currently keeps. */
  get routes(): NodeRoute[] { return [...this.owned.values()]; }

  /** run reconciles until signal aborts, then removes every route and rule it made. */
  async run(signal: AbortSignal): Promise<void> {
    const why = await this.host.unavailable();
    if (why) {
      this.logger.info(`Route controller disabled: ${why}; pods on other machines are not reachable from this node's pods`);
      return;
    }
    this.loadState();
    // A predecessor killed with -9 may have left its chains: start from none (reconcile makes them
    // again when there is a remote node), so no stale range stays exempt from masquerade.
    await this.host.removeForwarding(this.o.chain).catch((e: unknown) => this.logger.error(e, 'Failed to remove stale forwarding rules', { chain: this.o.chain }));
    this.o.informers.start(signal);
    try {
      await this.o.informers.waitForCacheSync(signal);
      while (!signal.aborted) {
        let retryMs = this.o.resyncPeriodMs ?? 30_000;
        if (this.dirty) {
          this.dirty = false;
          if (!(await this.reconcile())) { this.dirty = true; retryMs = 1000; }
        }
        await this.waitForChange(retryMs, signal);
        // A periodic pass re-applies every route (ip route replace is idempotent).
        this.dirty = true;
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    } finally {
      this.wake = undefined;
      await this.cleanup();
    }
  }

  /** waitForChange resolves on a Node event, after ms, or when signal aborts. */
  private waitForChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { cancel(); signal.removeEventListener('abort', done); this.wake = undefined; resolve(); };
      const cancel = this.o.clock.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
      if (signal.aborted) done();
    });
  }

  /** reconcile makes the machine's routes and rules match the Nodes; false when something failed (retried soon). */
  async reconcile(): Promise<boolean> {
    let ok = true;
    let isLocal: (ip: string) => boolean;
    try {
      isLocal = localAddressMatcher(await this.host.localDestinations());
    } catch (e) {
      this.logger.error(e, 'Failed to read this machine\'s addresses, retrying');
      return false;
    }
    const want = desiredRoutes(this.nodes.lister.list(), this.o.nodeName, isLocal);
    const wantKeys = new Set(want.map(routeKey));
    // Stale routes go first: a node whose range moved to another node must not keep both.
    for (const [key, r] of this.owned) {
      if (wantKeys.has(key)) continue;
      try {
        await this.host.deleteRoute(r.podCIDR, r.via);
        this.owned.delete(key);
        this.logger.info('Deleted route to a node\'s pods', { node: r.node, podCIDR: r.podCIDR, via: r.via });
      } catch (e) {
        ok = false;
        this.logger.error(e, 'Failed to delete route', { podCIDR: r.podCIDR, via: r.via });
      }
    }
    // The forwarding rules come before the routes, so the first packet is not masqueraded.
    const cidrs = [...new Set(want.map((r) => r.podCIDR))].sort();
    if (cidrs.join(',') !== this.forwarded) {
      try {
        await this.host.syncForwarding(this.o.chain, cidrs, `tskube ${this.o.nodeName}: pod traffic to other machines keeps its source`);
        this.forwarded = cidrs.join(',');
      } catch (e) {
        ok = false;
        this.logger.error(e, 'Failed to sync forwarding rules', { chain: this.o.chain });
      }
    }
    for (const r of want) {
      try {
        await this.host.replaceRoute(r.podCIDR, r.via);
        if (!this.owned.has(routeKey(r))) this.logger.info('Created route to a node\'s pods', { node: r.node, podCIDR: r.podCIDR, via: r.via });
        this.owned.set(routeKey(r), r);
      } catch (e) {
        ok = false;
        this.logger.error(e, 'Failed to create route', { node: r.node, podCIDR: r.podCIDR, via: r.via });
      }
    }
    this.saveState();
    return ok;
  }

  /** cleanup removes every route and rule this controller made. */
  async cleanup(): Promise<void> {
    for (const [key, r] of this.owned) {
      try {
        await this.host.deleteRoute(r.podCIDR, r.via);
        this.owned.delete(key);
      } catch (e) {
        this.logger.error(e, 'Failed to delete route', { podCIDR: r.podCIDR, via: r.via });
      }
    }
    try {
      await this.host.removeForwarding(this.o.chain);
      this.forwarded = '';
    } catch (e) {
      this.logger.error(e, 'Failed to remove forwarding rules', { chain: this.o.chain });
    }
    this.saveState();
  }

  /** loadState adopts the routes a previous agent on this root dir made (the first reconcile deletes the stale ones). */
  private loadState(): void {
    if (!this.o.stateFile) return;
    try {
      const saved = JSON.parse(readFileSync(this.o.stateFile, 'utf8')) as NodeRoute[];
      for (const r of saved) if (r && typeof r.podCIDR === 'string' && typeof r.via === 'string') this.owned.set(routeKey(r), { node: String(r.node ?? ''), podCIDR: r.podCIDR, via: r.via });
    } catch { /* none yet */ }
  }

  private saveState(): void {
    if (!this.o.stateFile) return;
    try {
      if (this.owned.size === 0) rmSync(this.o.stateFile, { force: true });
      else writeFileSync(this.o.stateFile, JSON.stringify(this.routes));
    } catch (e) {
      this.logger.error(e, 'Failed to record routes', { file: this.o.stateFile });
    }
  }
}

/** run runs a host command through the command helper; a non-zero exit rejects. */
const run = (file: string, args: string[]) => commands.runOk(file, args);
const succeeds = (file: string, args: string[]) => commands.run(file, args).then((r) => r.code === 0, () => false);

/**
 * IpRouteHost changes the machine with iproute2 and iptables. Forwarding: a chain in the nat
 * table, jumped to first from POSTROUTING, ACCEPTs traffic to remote pod ranges so the pod
 * network's masquerade rule (pod traffic leaving the node) does not rewrite its source; a chain
 * of the same name in the filter table, jumped to first from FORWARD, accepts traffic to and from
 * them on machines whose FORWARD policy drops.
 */
export class IpRouteHost implements RouteHost {
  async unavailable(): Promise<string | undefined> {
    if (process.getuid?.() !== 0) return 'the node agent is not root, so it cannot change routes';
    if (!(await succeeds('ip', ['-V']))) return 'ip not found (apt-get install iproute2)';
    return undefined;
  }

  async localDestinations(): Promise<string[]> {
    const { stdout } = await run('ip', ['-j', '-4', 'route', 'show', 'table', 'local']);
    return (JSON.parse(stdout) as { type?: string; dst: string }[]).filter((r) => r.type === 'local').map((r) => r.dst);
  }

  async replaceRoute(podCIDR: string, via: string): Promise<void> {
    enableIPForward();
    await run('ip', ['route', 'replace', podCIDR, 'via', via]);
  }

  async deleteRoute(podCIDR: string, via: string): Promise<void> {
    const r = await commands.run('ip', ['route', 'delete', podCIDR, 'via', via]);
    // "No such process": the route is already gone.
    if (r.code !== 0 && !/No such process|not found/i.test(r.stderr)) throw new Error(`ip route delete ${podCIDR} via ${via}: ${r.stderr.trim()}`);
  }

  async syncForwarding(chain: string, cidrs: string[], comment: string): Promise<void> {
    for (const [table, hook] of [['nat', 'POSTROUTING'], ['filter', 'FORWARD']] as const) {
      const ipt = (...args: string[]) => run('iptables', ['-w', '-t', table, ...args]);
      if (!(await succeeds('iptables', ['-w', '-t', table, '-L', chain, '-n']))) await ipt('-N', chain);
      await ipt('-F', chain);
      for (const c of cidrs) {
        if (table === 'nat') await ipt('-A', chain, '-d', c, '-m', 'comment', '--comment', comment, '-j', 'ACCEPT');
        else {
          await ipt('-A', chain, '-s', c, '-m', 'comment', '--comment', comment, '-j', 'ACCEPT');
          await ipt('-A', chain, '-d', c, '-m', 'comment', '--comment', comment, '-j', 'ACCEPT');
        }
      }
      if (!(await succeeds('iptables', ['-w', '-t', table, '-C', hook, '-j', chain]))) await ipt('-I', hook, '1', '-j', chain);
    }
  }

  async removeForwarding(chain: string): Promise<void> {
    await removeForwardingChain(chain);
  }
}

/** enableIPForward turns on IPv4 forwarding: this machine forwards its pods' packets to other machines. */
function enableIPForward(): void {
  try { writeFileSync('/proc/sys/net/ipv4/ip_forward', '1'); } catch { /* read-only /proc/sys */ }
}
