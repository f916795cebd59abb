import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatCIDR, overlaps, parseCIDR } from './cidr.js';
import { ExecPlugins, findPlugin, type PluginExec } from './cni/exec.js';
import { CNIConfig } from './cni/libcni.js';
import { podIPs } from './cni/result.js';
import type { NetConfList, PortMapping, RuntimeConf } from './cni/types.js';
import { bridgeNameFor, bridgeNetworkConfigList, ipamDataDirFor, loopbackNetworkConfigList, masqueradeRule, networkNameFor, routeChainNameFor, serviceTableNameFor } from './pod-network-config.js';
import { commands } from './command/command.js';
import { NativeBridge } from './native-bridge.js';
import { NETWORK_OWNERS_DIR, processIdentity, readNetworkOwner, recordNetworkOwner, releaseNetworkOwner, sweepStaleNetworks, type ProcessIdentity, type StaleStateHost } from './stale-state.js';
import { log } from '../util/log.js';

const logger = log.child({ component: 'pod-network' });

/** run runs a host command through the command helper; a non-zero exit rejects. */
const run = (file: string, args: string[]) => commands.runOk(file, args);

/** DEFAULT_CNI_PATHS: Debian's containernetworking-plugins install to /usr/lib/cni, upstream's tarball to /opt/cni/bin. */
export const DEFAULT_CNI_PATHS = ['/usr/lib/cni', '/opt/cni/bin'];

/** REQUIRED_PLUGINS are the CNI plugins a node's pod network uses. */
export const REQUIRED_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'];

/** CNI_INSTALL_HINT is how to get the plugins on Debian. */
export const CNI_INSTALL_HINT = 'apt-get install containernetworking-plugins';

/**
 * NetworkStatus is the CRI's NetworkReady condition. Reasons: NetworkPluginNotReady (transient:
 * the node has no podCIDR yet) and NetworkPluginUnavailable (tskube's: the node cannot give pods
 * their own network at all — not root, plugins missing, pod range taken — and pods use the node's).
 */
export type NetworkStatus =
  | { ready: true; podCIDR: string }
  | { ready: false; reason: 'NetworkPluginNotReady' | 'NetworkPluginUnavailable'; message: string };

/** PodNetworkOptions configure a node's pod network. */
export interface PodNetworkOptions {
  nodeName: string;
  /** the node's state directory (host-local keeps its leases under it) */
  stateDir: string;
  /** CNI_PATH directories (default /usr/lib/cni, /opt/cni/bin) */
  pluginPaths?: string[];
  /** plugin runner (tests) */
  exec?: PluginExec;
  /** whether this process may create namespaces and interfaces (default: running as root) */
  privileged?: boolean;
  /** read the host's IPv4 routes as [dst, dev] (tests); default `ip -j -4 route show` */
  routes?: () => Promise<[string, string][]>;
  /** where owner records of nodes' host-wide state live (default /run/tskube/networks) */
  ownersDir?: string;
  /** the machine the sweep of dead agents' state changes (tests); default ip, iptables, nft, umount */
  sweepHost?: StaleStateHost;
}

/** PodAttachment identifies one pod sandbox's attachment to the network. */
export interface PodAttachment {
  /** sandbox id (CNI_CONTAINERID) */
  id: string;
  /** network namespace path (CNI_NETNS) */
  netns: string;
  podName: string;
  podNamespace: string;
  podUid: string;
  portMappings?: PortMapping[];
}

/** PodNetworkSetup is what setUpPod did: the pod's addresses and the results to give back on CHECK/DEL. */
export interface PodNetworkSetup { ips: string[]; result: object; loopback?: object }

/**
 * PodNetwork is a node's pod network, driven through CNI as a CRI runtime drives it: one bridge
 * per node (named after the node and its state directory), host-local addresses from the node's
 * spec.podCIDR, loopback in every pod namespace, portmap for hostPorts. It is not ready until the
 * node has a podCIDR, and unavailable (pods then share the node's network) without root or plugins.
 */
export class PodNetwork {
  readonly bridgeName: string;
  readonly networkName: string;
  private readonly paths: string[];
  private readonly cni: CNIConfig;
  private readonly ipamDir: string;
  private podCIDR?: string;
  private list?: NetConfList;
  private unavailable?: string;
  private conflict?: string;
  /** whether dead agents' state was swept (once, at the network's start) */
  private swept = false;
  /** this process, as recorded in the node's owner record */
  private owner?: ProcessIdentity;

  constructor(private readonly o: PodNetworkOptions) {
    this.paths = (o.pluginPaths ?? DEFAULT_CNI_PATHS).filter((p) => o.exec || existsSync(p));
    if (this.paths.length === 0) this.paths = o.pluginPaths ?? DEFAULT_CNI_PATHS;
    // The bridge plugin's work (with host-local's) is done in this process and the command helper
    // unless TSKUBE_NATIVE_BRIDGE=0; portmap, and the bridge without a helper, run as plugins.
    const plugins = new ExecPlugins(this.paths);
    this.cni = new CNIConfig(o.exec ?? (process.env.TSKUBE_NATIVE_BRIDGE === '0' ? plugins : new NativeBridge(plugins)));
    this.bridgeName = bridgeNameFor(o.nodeName, o.stateDir);
    this.networkName = networkNameFor(o.nodeName);
    this.ipamDir = ipamDataDirFor(o.stateDir);
    this.unavailable = this.missingPrerequisite();
    // Claimed at once, before the runtime recovers a previous agent's sandboxes or the Service proxy
    // makes its table: from here on no sweep takes this node's state for a dead agent's.
    if (!this.unavailable && this.ownsHostState) this.recordOwner(readNetworkOwner(this.bridgeName, this.ownersDir)?.podCIDR ?? '');
  }

  /** ownsHostState: the network changes the machine (with plugins faked, only when the test gives its own records directory) */
  private get ownsHostState(): boolean { return !this.o.exec || this.o.ownersDir !== undefined; }

  private get ownersDir(): string { return this.o.ownersDir ?? NETWORK_OWNERS_DIR; }

  /** status is the NetworkReady condition. */
  status(): NetworkStatus {
    if (this.unavailable) return { ready: false, reason: 'NetworkPluginUnavailable', message: this.unavailable };
    if (this.conflict) return { ready: false, reason: 'NetworkPluginUnavailable', message: this.conflict };
    if (!this.list || !this.podCIDR) return { ready: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' };
    return { ready: true, podCIDR: this.podCIDR };
  }

  /**
   * setPodCIDR configures the network for the node's podCIDR (the CRI's UpdateRuntimeConfig). A
   * range another interface of this machine already routes (another cluster's bridge) is refused:
   * pods would be unreachable, so they use the node's network and the status says why.
   */
  async setPodCIDR(cidr: string): Promise<void> {
    const normal = formatCIDR(parseCIDR(cidr));
    if (normal === this.podCIDR) return;
    if (this.unavailable) { this.podCIDR = normal; return; }
    if (this.ownsHostState) await this.takeOwnership(normal);
    const clash = await this.routeConflict(normal);
    if (clash) {
      this.conflict = `the node's pod CIDR ${normal} overlaps ${clash[0]} routed to ${clash[1]} on this machine (another cluster?); start the cluster with another --cluster-cidr`;
      return;
    }
    this.conflict = undefined;
    this.podCIDR = normal;
    this.list = bridgeNetworkConfigList({ networkName: this.networkName, bridgeName: this.bridgeName, podCIDR: normal, ipamDataDir: this.ipamDir });
    if (!this.o.exec) {
      enableIPForward();
      await this.masquerade('add');
    }
  }

  /**
   * takeOwnership runs before the node's bridge exists: it first removes what agents killed
   * without cleaning up left on the machine (their bridges may carry this very pod range; see
   * stale-state.ts), then records the pod range in this node's owner record.
   */
  private async takeOwnership(podCIDR: string): Promise<void> {
    if (!this.swept) {
      this.swept = true;
      try {
        await sweepStaleNetworks({ stateDir: this.o.stateDir, dir: this.ownersDir, host: this.o.sweepHost, logger });
      } catch (e) { logger.error(e, 'Failed to sweep the network state of dead node agents', { bridge: this.bridgeName }); }
    }
    this.recordOwner(podCIDR);
  }

  /**
   * recordOwner records this process as the owner of the node's bridge, masquerade rule, table
   * and chains, so that should it be killed a later agent can remove them.
   */
  private recordOwner(podCIDR: string): void {
    this.owner ??= processIdentity();
    if (!this.owner) return;
    try {
      recordNetworkOwner({
        ...this.owner, nodeName: this.o.nodeName, stateDir: resolve(this.o.stateDir), bridge: this.bridgeName, networkName: this.networkName, podCIDR,
        nftTables: [serviceTableNameFor(this.bridgeName)], routeChain: routeChainNameFor(this.bridgeName),
      }, this.ownersDir);
    } catch (e) { logger.error(e, 'Failed to record the owner of the node\'s network state', { bridge: this.bridgeName, dir: this.ownersDir }); }
  }

  /**
   * masquerade gives pods a way out of the node, as kubenet's (and the bridge plugin's ipMasq) do,
   * with one rule per node instead of one chain per pod: traffic from the node's podCIDR that
   * leaves through anything but a pod bridge (tsk-*) is masqueraded; traffic to other pods, on
   * this node or another, keeps its source address. Removed in release().
   */
  private async masquerade(op: 'add' | 'delete'): Promise<void> {
    if (!this.podCIDR) return;
    const rule = masqueradeRule(this.podCIDR, this.networkName, this.bridgeName);
    const iptables = (flag: string) => run('iptables', ['-w', '-t', 'nat', flag, 'POSTROUTING', ...rule]);
    try {
      // A delete needs no check first: one that finds no rule fails, and that is all (one process, not two, at every stop).
      if (op === 'delete') await iptables('-D').catch(() => undefined);
      else if (!await iptables('-C').then(() => true, () => false)) await iptables('-A');
    } catch { /* without it pods still reach each other and the node, only not beyond */ }
  }

  /**
   * setUpPod brings up lo and attaches eth0 to the bridge with an address from the podCIDR. With
   * loopbackUp the caller has brought lo up itself (the sandbox's namespace pinning does, in the
   * process it runs anyway): the loopback plugin, a process per pod, is not run.
   */
  async setUpPod(a: PodAttachment, signal?: AbortSignal, o: { loopbackUp?: boolean } = {}): Promise<PodNetworkSetup> {
    const list = forPod(this.mustBeReady(), a);
    // lo and eth0 are independent interfaces of the namespace: both plugins run at once (a plugin
    // run costs milliseconds, more on a busy node, and this is on every pod's way to Running).
    const [lo, eth] = await Promise.all([
      o.loopbackUp ? undefined : this.cni.addNetworkList(loopbackNetworkConfigList(), this.runtimeConf(a, 'lo'), signal),
      this.cni.addNetworkList(list, this.runtimeConf(a, 'eth0'), signal),
    ]);
    return { ips: podIPs(eth.result), result: eth.raw, ...(lo ? { loopback: lo.raw } : {}) };
  }

  /**
   * checkPod asks the plugins whether the pod's attachment is still as ADD left it (CNI CHECK):
   * its interface, address and routes, the bridge. Like tearDownPod it needs only the podCIDR the
   * pod got its address from, so a restarted agent can check what its predecessor set up.
   */
  async checkPod(a: PodAttachment, setup: PodNetworkSetup, podCIDR?: string, signal?: AbortSignal): Promise<void> {
    if (this.unavailable) throw new Error(`network is not ready: ${this.unavailable}`);
    const cidr = podCIDR ?? this.podCIDR;
    if (!cidr) throw new Error('network is not ready: no pod CIDR');
    await this.cni.checkNetworkList(forPod(this.listFor(cidr), a), this.runtimeConf(a, 'eth0'), setup.result, signal);
  }

  /**
   * tearDownPod detaches the pod (CNI DEL: the veth goes, host-local releases the address, the
   * masquerade and hostPort rules go). It works without a podCIDR as long as the attachment's
   * result is known, so a restarted agent can clean up after its predecessor.
   */
  async tearDownPod(a: PodAttachment, setup: PodNetworkSetup | undefined, podCIDR?: string, signal?: AbortSignal): Promise<void> {
    const cidr = podCIDR ?? this.podCIDR;
    if (!cidr) return;
    await this.cni.delNetworkList(forPod(this.listFor(cidr), a), this.runtimeConf(a, 'eth0'), setup?.result, signal);
    // lo needs no DEL: the loopback plugin only sets it down, and the namespace goes next.
  }

  /** listFor is the network configuration for pods of a podCIDR (the current one, or one a sandbox got its address from). */
  private listFor(cidr: string): NetConfList {
    if (this.list && cidr === this.podCIDR) return this.list;
    return bridgeNetworkConfigList({ networkName: this.networkName, bridgeName: this.bridgeName, podCIDR: cidr, ipamDataDir: this.ipamDir });
  }

  /** currentPodCIDR is the range pods get addresses from (once set). */
  get currentPodCIDR(): string | undefined { return this.podCIDR; }

  /**
   * release removes what the network left on the machine once no pod is attached: the node's
   * bridge and host-local's empty state (with dropAddresses, whatever leases it still holds).
   * Called when the agent stops.
   */
  async release(o: { dropAddresses?: boolean } = {}): Promise<void> {
    if (this.unavailable) return;
    // dropAddresses: the node is shutting down and its pods are gone without CNI DEL (their
    // namespaces removed): their leases go with host-local's state.
    if (!o.dropAddresses && this.allocatedAddresses() > 0) return;
    if (!this.o.exec) {
      // The rule and the bridge are independent: both go at once (a command each, which the shutdown waits for).
      await Promise.all([this.masquerade('delete'), run('ip', ['link', 'delete', this.bridgeName]).catch(() => undefined)]);
      rmSync(this.ipamDir, { recursive: true, force: true });
    }
    // Nothing of the node's is left for a sweep: the record goes (the proxy and routes remove their own).
    if (this.owner) {
      try { releaseNetworkOwner(this.bridgeName, this.owner, this.ownersDir); } catch { /* read-only /run */ }
    }
  }

  /** allocatedAddresses counts host-local's leases (files named after addresses). */
  private allocatedAddresses(): number {
    const dir = `${this.ipamDir}/${this.networkName}`;
    try {
      return readdirSync(dir).filter((f) => /^[0-9.]+$/.test(f) || f.includes(':')).length;
    } catch { return 0; }
  }

  private mustBeReady(): NetConfList {
    const s = this.status();
    if (!s.ready) throw new Error(`network is not ready: ${s.reason}: ${s.message}`);
    return this.list!;
  }

  private runtimeConf(a: PodAttachment, ifName: string): RuntimeConf {
    return {
      containerId: a.id, netns: a.netns, ifName,
      args: [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', a.podNamespace], ['K8S_POD_NAME', a.podName], ['K8S_POD_INFRA_CONTAINER_ID', a.id], ['K8S_POD_UID', a.podUid]],
      capabilityArgs: a.portMappings?.length ? { portMappings: a.portMappings } : undefined,
    };
  }

  /** missingPrerequisite says why this machine cannot have a pod network (undefined when it can). */
  private missingPrerequisite(): string | undefined {
    if (!(this.o.privileged ?? process.getuid?.() === 0)) return 'the node agent is not root, so it cannot create network namespaces';
    if (this.o.exec) return undefined;
    const missing = REQUIRED_PLUGINS.filter((p) => !findPlugin(p, this.paths));
    if (missing.length) return `CNI plugins not installed (${missing.join(', ')} not found in ${this.paths.join(':')}) — ${CNI_INSTALL_HINT}`;
    if (!findPlugin('iptables', (process.env.PATH ?? '/usr/sbin:/sbin').split(':').concat(['/usr/sbin', '/sbin']))) return `iptables not installed (the bridge plugin masquerades with it) — ${CNI_INSTALL_HINT}`;
    return undefined;
  }

  private async routeConflict(cidr: string): Promise<[string, string] | undefined> {
    const mine = parseCIDR(cidr);
    const routes = await (this.o.routes ?? hostRoutes)();
    for (const [dst, dev] of routes) {
      if (dst === 'default' || dev === this.bridgeName) continue;
      let c;
      try { c = parseCIDR(dst.includes('/') ? dst : `${dst}/32`); } catch { continue; }
      // A /0../7 route is a default-like catch-all, never a pod range.
      if (c.prefix >= 8 && overlaps(c, mine)) return [dst, dev];
    }
    return undefined;
  }
}

/** hostRoutes lists the main table's IPv4 routes as [dst, dev]. */
async function hostRoutes(): Promise<[string, string][]> {
  try {
    const { stdout } = await run('ip', ['-j', '-4', 'route', 'show']);
    return (JSON.parse(stdout) as { dst: string; dev?: string }[]).map((r) => [r.dst, r.dev ?? '']);
  } catch {
    return [];
  }
}

/** enableIPForward turns on IPv4 forwarding: pods of one node reach pods of another through the host. */
function enableIPForward(): void {
  try {
    writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
  } catch { /* read-only /proc/sys: the bridge plugin tries too */ }
}

/** forPod leaves portmap out of the chain for a pod without hostPorts: it would only pass the result through. */
function forPod(list: NetConfList, a: PodAttachment): NetConfList {
  if (a.portMappings?.length) return list;
  return { ...list, plugins: list.plugins.filter((p) => p.type !== 'portmap') };
}
