import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deleteNetns, NETNS_PREFIX, netnsPath } from '../../network/netns.js';
import type { PodNetwork, PodNetworkSetup } from '../../network/pod-network.js';
import type { NamespaceMode, PodSandboxConfig, PodSandboxFilter, PodSandboxState, PodSandboxStatus } from '../types.js';
import { pinNamespaces, pinPaths, pinsExist, unpinNamespaces, type PinnedNamespaces } from './pinned-namespaces.js';
import { renderResolvConf } from './resolv-conf.js';
import { hasOwnFilesystem } from '../../util/mounts.js';

/** SandboxRecord is what the runtime keeps (and persists) about one pod sandbox. */
export interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  state: PodSandboxState;
  createdAt: string;
  dir: string;
  network: NamespaceMode;
  /** name of the sandbox's network namespace under /run/netns (POD network) */
  netns?: string;
  ips: string[];
  /** CNI results, handed back on DEL */
  cni?: PodNetworkSetup;
  /** the podCIDR the address came from (DEL must use the same network) */
  podCIDR?: string;
  pins: PinnedNamespaces;
  /** host paths of the runtime-managed files bind-mounted into every container */
  files: { hostname: string; resolvConf: string };
  /** left by a previous agent (its network is checked once before use) */
  recovered?: boolean;
  /** why a sandbox is not ready, when the runtime found it broken */
  notReadyReason?: string;
}

/** SandboxManagerOptions configure the sandbox half of the process runtime. */
export interface SandboxManagerOptions {
  /** the runtime's state directory; sandboxes live in rootDir/sandboxes/ID */
  rootDir: string;
  /** namespaces: pinned UTS/IPC and a network namespace per pod; host: bookkeeping only (not root) */
  isolation: 'namespaces' | 'host';
  network?: PodNetwork;
}

/**
 * SandboxManager runs pod sandboxes for the process runtime without a pause process: a pod's
 * network namespace is a named one (`ip netns`, /run/netns/tskube-…) attached through CNI, its UTS
 * (hostname) and IPC namespaces are pinned on files, and /etc/hostname and /etc/resolv.conf are
 * files in its directory that every container bind-mounts. State survives the agent (state.json),
 * so a restarted agent finds its sandboxes and can release them.
 */
export class SandboxManager {
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly dir: string;
  /** set by close(): a sandbox still being created is undone instead of kept */
  private closed = false;
  /** the stops under way, by sandbox id */
  private readonly stopping = new Map<string, Promise<void>>();
  /** the namespace pinning under way, by sandbox id (stop waits for it) */
  private readonly pinning = new Map<string, Promise<PinnedNamespaces>>();
  /** sandboxes being created (close waits for them) */
  private readonly creating = new Set<Promise<SandboxRecord>>();
  private verifying?: Promise<void>;
  /** set by releasingNetwork(): the node's whole network goes next, so stops skip what that undoes */
  private networkGoing = false;

  constructor(private readonly o: SandboxManagerOptions) {
    this.dir = path.join(o.rootDir, 'sandboxes');
    fs.mkdirSync(this.dir, { recursive: true });
    this.recover();
  }

  /** run creates a sandbox; on failure everything it did is undone. */
  async run(config: PodSandboxConfig): Promise<SandboxRecord> {
    // A pod worker still finishing a sync after the runtime closed must not start a sandbox the
    // process may exit in the middle of (its namespace mounts would outlive it).
    if (this.closed) throw new Error('the runtime is shutting down: no new pod sandboxes');
    const running = this.create(config);
    this.creating.add(running);
    try {
      return await running;
    } finally {
      this.creating.delete(running);
    }
  }

  private async create(config: PodSandboxConfig): Promise<SandboxRecord> {
    const id = randomBytes(32).toString('hex');
    const dir = path.join(this.dir, id);
    fs.mkdirSync(dir, { recursive: true });
    const network = config.linux?.namespaceOptions?.network ?? 'POD';
    const rec: SandboxRecord = {
      id, config, state: 'SANDBOX_READY', createdAt: new Date().toISOString(), dir, network, ips: [], pins: {},
      files: { hostname: path.join(dir, 'hostname'), resolvConf: path.join(dir, 'resolv.conf') },
    };
    // containerd writes the node's hostname for host-network pods.
    const hostname = network === 'NODE' || !config.hostname ? os.hostname() : config.hostname;
    fs.writeFileSync(rec.files.hostname, `${hostname}\n`);
    fs.writeFileSync(rec.files.resolvConf, config.dnsConfig ? renderResolvConf(config.dnsConfig) : hostResolvConf());
    this.sandboxes.set(id, rec);
    try {
      if (this.o.isolation === 'namespaces') {
        if (network === 'POD') this.checkNetwork(rec);
        const pinning = { uts: true, ipc: config.linux?.namespaceOptions?.ipc !== 'NODE', netPath: rec.netns ? netnsPath(rec.netns) : undefined };
        // Recorded before they exist: an agent killed while they are made leaves a record that names
        // them (its network namespace under /run/netns too), so a restart or the next agent's sweep
        // of dead agents' state removes them; a recovered record whose pins are not mounted is not ready.
        rec.pins = pinPaths(dir, pinning);
        this.persist(rec);
        const pinned = pinNamespaces(dir, hostname, pinning);
        this.pinning.set(id, pinned);
        try {
          rec.pins = await pinned;
        } finally {
          this.pinning.delete(id);
        }
        // Stopped (or the runtime closed) while the namespaces were being pinned: a stop then saw no
        // pins, so these mounts would outlive the agent and keep its data dir busy. Undo them now.
        if (this.closed || this.sandboxes.get(id) !== rec || rec.state !== 'SANDBOX_READY') throw new Error(`sandbox ${id} was stopped while it was being created`);
        if (network === 'POD') await this.setUpNetwork(rec);
        await this.applySysctls(rec);
      } else if (network === 'POD') {
        throw new Error('network is not ready: the runtime runs containers as plain host processes and cannot give the pod its own network namespace');
      }
    } catch (e) {
      // stop() works on the record in the map: put it back if a removal took it out meanwhile.
      if (!this.sandboxes.has(id)) this.sandboxes.set(id, rec);
      await this.stop(id).catch(() => undefined);
      this.sandboxes.delete(id);
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    this.persist(rec);
    return rec;
  }

  /**
   * close marks the manager closed: sandboxes still being created are undone as they finish, and
   * close waits for that (a process that exits right after would leave their namespace mounts).
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.creating]);
  }

  /**
   * releasingNetwork says the node's network is released once its sandboxes are stopped (the
   * agent's shutdown): a sandbox without host ports then needs no CNI DEL, its veth goes with its
   * network namespace and its address with the IPAM state the release drops.
   */
  releasingNetwork(): void {
    this.networkGoing = true;
  }

  /** stop releases the sandbox's network (CNI DEL, namespace removed) and namespaces; idempotent. */
  async stop(id: string): Promise<void> {
    // One stop at a time per sandbox: a creation that finds its sandbox stopped stops it too.
    const running = this.stopping.get(id);
    if (running) return running;
    const stopped = this.stopOnce(id).finally(() => this.stopping.delete(id));
    this.stopping.set(id, stopped);
    return stopped;
  }

  private async stopOnce(id: string): Promise<void> {
    const rec = this.sandboxes.get(id);
    if (!rec) return;
    const pinning = this.pinning.get(id);
    if (pinning) {
      // Namespaces being pinned are undone once that settles (unpinning their files meanwhile could
      // find them not yet mounted, then fail to remove them once they are); the creation, seeing
      // its sandbox not ready, goes no further.
      rec.state = 'SANDBOX_NOTREADY';
      await pinning.catch(() => undefined);
    }
    if (rec.netns) {
      if (this.o.network && (rec.cni || rec.podCIDR)) {
        // A namespace file that is no namespace (an agent killed before it was mounted) is no
        // namespace to CNI either: its DEL then only releases the address, as for a netns gone.
        const att = this.attachment(rec);
        if (att.netns && !hasOwnFilesystem(att.netns)) att.netns = '';
        if (!(this.networkGoing && att.netns && !att.portMappings.length)) await this.o.network.tearDownPod(att, rec.cni, rec.podCIDR);
      }
      rec.cni = undefined;
    }
    // The network namespace is one of the pins: one umount releases them all.
    await unpinNamespaces(rec.pins);
    if (rec.netns) await deleteNetns(rec.netns);
    rec.netns = undefined;
    rec.pins = {};
    rec.state = 'SANDBOX_NOTREADY';
    // At the node's shutdown every sandbox is removed next: its record would be written only to be deleted.
    if (!this.networkGoing) this.persist(rec);
  }

  /** remove forgets a stopped sandbox and deletes its directory. */
  async remove(id: string): Promise<void> {
    const rec = this.sandboxes.get(id);
    if (!rec) return;
    await this.stop(id);
    this.sandboxes.delete(id);
    await fs.promises.rm(rec.dir, { recursive: true, force: true });
  }

  /**
   * verifyRecovered checks, once, the network of the sandboxes a previous agent left ready (CNI
   * CHECK): one whose interface or address is gone is not ready, so its pod gets a new sandbox.
   */
  verifyRecovered(): Promise<void> {
    this.verifying ??= (async () => {
      for (const rec of this.sandboxes.values()) {
        if (!rec.recovered || rec.state !== 'SANDBOX_READY' || !rec.cni || !this.o.network) continue;
        try {
          await this.o.network.checkPod(this.attachment(rec), rec.cni, rec.podCIDR);
        } catch (e) {
          rec.state = 'SANDBOX_NOTREADY';
          rec.notReadyReason = `the pod network check failed: ${(e as Error).message}`;
          this.persist(rec);
        }
      }
    })();
    return this.verifying;
  }

  /** get is the record of a sandbox (undefined when unknown). */
  get(id: string): SandboxRecord | undefined { return this.sandboxes.get(id); }

  /** status is the CRI view of a sandbox. */
  status(id: string): PodSandboxStatus | undefined {
    const rec = this.sandboxes.get(id);
    return rec ? toStatus(rec) : undefined;
  }

  /** list returns the sandboxes matching filter. */
  list(filter: PodSandboxFilter = {}): PodSandboxStatus[] {
    return [...this.sandboxes.values()]
      .filter((r) => (!filter.id || r.id === filter.id) && (!filter.state || r.state === filter.state) && (!filter.podUid || r.config.metadata.uid === filter.podUid))
      .map(toStatus);
  }

  /** netnsPathOf is where a container of the sandbox joins its network namespace (undefined: the node's). */
  netnsPathOf(rec: SandboxRecord): string | undefined {
    return rec.netns ? netnsPath(rec.netns) : undefined;
  }

  /**
   * applySysctls writes the pod's sysctls into the sandbox's namespaces (as runc does for the
   * pause container): /proc/sys shows the namespaces of the process that opens it, so a write from
   * inside the sandbox's IPC and network namespaces sets the pod's own values, not the node's.
   */
  private async applySysctls(rec: SandboxRecord): Promise<void> {
    const sysctls = Object.entries(rec.config.linux?.sysctls ?? {});
    if (!sysctls.length) return;
    const join = [...(rec.pins.ipc ? [`--ipc=${rec.pins.ipc}`] : []), ...(rec.netns ? [`--net=${netnsPath(rec.netns)}`] : [])];
    for (const [name, value] of sysctls) {
      const file = path.join('/proc/sys', ...(name.includes('/') ? name.split('/') : name.split('.')));
      if (!file.startsWith('/proc/sys/')) throw new Error(`invalid sysctl name ${JSON.stringify(name)}`);
      // Never the node's own: a sysctl of a namespace the pod shares with the node is refused.
      const ns = name.startsWith('net.') || name.startsWith('net/') ? 'network' : 'IPC';
      if (ns === 'network' ? !rec.netns : !rec.pins.ipc) throw new Error(`sysctl ${name} is not allowed: the pod shares the node's ${ns} namespace`);
      const r = spawnSync('nsenter', [...join, '--', 'sh', '-c', 'printf %s "$1" > "$0"', file, value], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`failed to set sysctl ${name}=${value}: ${(r.stderr || r.error?.message || '').trim()}`);
    }
  }

  /** checkNetwork fails early when the pod network cannot take the pod, and names its namespace. */
  private checkNetwork(rec: SandboxRecord): void {
    const s = this.o.network?.status();
    if (!s?.ready) throw new Error(`network is not ready: ${s && !s.ready ? `${s.reason}: ${s.message}` : 'no pod network configured'}`);
    rec.netns = `${NETNS_PREFIX}${rec.id.slice(0, 16)}`;
    rec.podCIDR = s.podCIDR;
  }

  /** setUpNetwork attaches the sandbox's network namespace to the pod network (CNI ADD). */
  private async setUpNetwork(rec: SandboxRecord): Promise<void> {
    // Persist before CNI ADD: an agent killed halfway still finds the namespace and the address to release.
    this.persist(rec);
    // pinNamespaces brought lo up: no loopback plugin run.
    rec.cni = await this.o.network!.setUpPod(this.attachment(rec), undefined, { loopbackUp: true });
    rec.ips = rec.cni.ips;
  }

  private attachment(rec: SandboxRecord) {
    const md = rec.config.metadata;
    return {
      id: rec.id, netns: rec.netns && fs.existsSync(netnsPath(rec.netns)) ? netnsPath(rec.netns) : '',
      podName: md.name, podNamespace: md.namespace, podUid: md.uid,
      portMappings: (rec.config.portMappings ?? []).filter((p) => p.hostPort > 0).map((p) => ({
        hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol.toLowerCase(), ...(p.hostIp ? { hostIP: p.hostIp } : {}),
      })),
    };
  }

  private persist(rec: SandboxRecord): void {
    try { fs.writeFileSync(path.join(rec.dir, 'state.json'), JSON.stringify(rec)); } catch { /* removed */ }
  }

  /** recover loads the sandboxes a previous agent left; one whose namespaces are gone (reboot) is NOTREADY. */
  private recover(): void {
    for (const id of fs.readdirSync(this.dir)) {
      let rec: SandboxRecord;
      try { rec = JSON.parse(fs.readFileSync(path.join(this.dir, id, 'state.json'), 'utf8')) as SandboxRecord; } catch { continue; }
      rec.dir = path.join(this.dir, id);
      rec.recovered = true;
      if (rec.state === 'SANDBOX_READY') {
        const netOk = !rec.netns || fs.existsSync(netnsPath(rec.netns));
        if (!netOk || !pinsExist(rec.pins) || (rec.network === 'POD' && !rec.cni)) rec.state = 'SANDBOX_NOTREADY';
      }
      this.sandboxes.set(id, rec);
    }
  }
}

function toStatus(rec: SandboxRecord): PodSandboxStatus {
  return {
    id: rec.id, metadata: rec.config.metadata, state: rec.state, createdAt: rec.createdAt,
    ...(rec.network === 'POD' && rec.ips.length ? { network: { ip: rec.ips[0], additionalIps: rec.ips.slice(1) } } : {}),
    linux: { namespaces: { options: { network: rec.network } } },
    labels: rec.config.labels ?? {}, annotations: rec.config.annotations ?? {},
  };
}

/** hostResolvConf is the node's resolv.conf, for a sandbox without DNS config (containerd copies it too). */
function hostResolvConf(): string {
  try { return fs.readFileSync('/etc/resolv.conf', 'utf8'); } catch { return ''; }
}
