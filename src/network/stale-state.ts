/**
 * The host-wide network state of node agents that died without cleaning up (kill -9, a crash).
 *
 * A node agent on the process or oci runtime puts state on the machine that outlives it: its pod
 * bridge, a masquerade rule, the Service proxy's nftables table, the route controller's chains,
 * pod network namespaces and mounts under its state directory. A clean stop removes all of it; a
 * killed agent leaves it forever, and the next cluster's bridge may get the same pod range. A
 * Kubernetes network plugin cleans up what it owns when it starts; several tskube clusters share a
 * machine, so each node records itself as the owner of its state (a file under /run/tskube named
 * by its bridge: PID, the process's start time, state directory, pod range, table and chain
 * names), and an agent starting its network sweeps the state of owners that are gone. An owner is
 * gone when its PID is dead or now belongs to another process (the start time differs); state
 * whose owner lives, or cannot be judged (another PID or network namespace), is never touched.
 */
import { mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { log, type Logger } from '../util/log.js';
import { parseCIDR } from './cidr.js';
import { NETNS_PREFIX } from './netns.js';
import { RealStaleStateHost } from './stale-state-host.js';

/** NETWORK_OWNERS_DIR holds one owner record per node network on this machine (tmpfs: a reboot clears state and records alike). */
export const NETWORK_OWNERS_DIR = '/run/tskube/networks';

/** ProcessIdentity tells one process from a later one that got the same PID. */
export interface ProcessIdentity {
  pid: number;
  /** field 22 of /proc/PID/stat: clock ticks after boot when the process started */
  startTime: string;
  /** /proc/PID/ns/pid's link (pid:[N]): PIDs are judged only within one PID namespace */
  pidNamespace: string;
  /** /proc/PID/ns/net's link: a bridge exists only in its network namespace */
  netNamespace: string;
}

/** NetworkOwner records which process owns a node's host-wide network state, and what that state is. */
export interface NetworkOwner extends ProcessIdentity {
  nodeName: string;
  /** the node's state directory (sandboxes, mounts); a mount is swept only under it */
  stateDir: string;
  bridge: string;
  /** the CNI network name (in the masquerade rule's comment) */
  networkName: string;
  /** the node's pod range ('' until it has one) */
  podCIDR: string;
  /** the Service proxy's nftables tables (family ip) */
  nftTables: string[];
  /** the route controller's chain in the nat and filter tables */
  routeChain: string;
}

/** Liveness of a record's owner: alive, dead (PID gone or reused) or unknown (not judgeable from here). */
export type OwnerLiveness = 'alive' | 'dead' | 'unknown';

/**
 * processStartTime reads a process's start time (field 22 of /proc/PID/stat); undefined when there
 * is no such process. The command name (field 2) may hold spaces and parentheses: the fields are
 * counted after its last ')'.
 */
export function processStartTime(pid: number, procDir = '/proc'): string | undefined {
  let stat: string;
  try { stat = readFileSync(join(procDir, String(pid), 'stat'), 'utf8'); } catch { return undefined; }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state): the start time, field 22, is fields[19].
  return fields[19];
}

/** processIdentity is a live process's identity (default: this process); undefined when it is gone. */
export function processIdentity(pid = process.pid, procDir = '/proc'): ProcessIdentity | undefined {
  const startTime = processStartTime(pid, procDir);
  if (startTime === undefined) return undefined;
  const ns = (kind: string) => { try { return readlinkSync(join(procDir, String(pid), 'ns', kind)); } catch { return ''; } };
  return { pid, startTime, pidNamespace: ns('pid'), netNamespace: ns('net') };
}

/**
 * ownerLiveness judges a record's owner from this process (self): dead when its PID has no process
 * or a process started at another time (the PID was reused), unknown when it lives in another PID
 * namespace (its PID means nothing here).
 */
export function ownerLiveness(owner: ProcessIdentity, self: ProcessIdentity, procDir = '/proc'): OwnerLiveness {
  if (!owner.pidNamespace || owner.pidNamespace !== self.pidNamespace) return 'unknown';
  const start = processStartTime(owner.pid, procDir);
  return start !== undefined && start === owner.startTime ? 'alive' : 'dead';
}

const BRIDGE = /^tsk-[a-z0-9]{1,6}-[0-9a-f]{4}$/;
const NFT_TABLE = /^tskube-[A-Za-z0-9-]{1,60}$/;
const ROUTE_CHAIN = /^TSKUBE-RT-[A-Za-z0-9-]{1,18}$/;

/**
 * validOwner checks a record read from disk: every name must be one tskube makes (tsk-* bridge,
 * tskube-* table, TSKUBE-RT-* chain) and the state directory an absolute path below /, so a
 * damaged or foreign file can never make the sweep delete anything else.
 */
export function validOwner(x: unknown): x is NetworkOwner {
  const o = x as Partial<NetworkOwner> | null;
  if (!o || typeof o !== 'object') return false;
  if (!Number.isInteger(o.pid) || (o.pid ?? 0) <= 0 || typeof o.startTime !== 'string' || !/^\d+$/.test(o.startTime)) return false;
  if (typeof o.pidNamespace !== 'string' || typeof o.netNamespace !== 'string' || typeof o.nodeName !== 'string') return false;
  if (typeof o.bridge !== 'string' || !BRIDGE.test(o.bridge)) return false;
  if (typeof o.networkName !== 'string' || !o.networkName.startsWith('tskube-') || /\s/.test(o.networkName)) return false;
  if (typeof o.routeChain !== 'string' || !ROUTE_CHAIN.test(o.routeChain)) return false;
  if (!Array.isArray(o.nftTables) || !o.nftTables.every((t) => typeof t === 'string' && NFT_TABLE.test(t))) return false;
  if (typeof o.stateDir !== 'string' || !isAbsolute(o.stateDir) || normalize(o.stateDir) !== o.stateDir || o.stateDir === '/') return false;
  // The pod range is empty until the node has one (the record is written when the agent starts).
  if (typeof o.podCIDR !== 'string') return false;
  if (o.podCIDR !== '') { try { parseCIDR(o.podCIDR); } catch { return false; } }
  return true;
}

/** ownerRecordFile is where a bridge's owner record lives. */
export function ownerRecordFile(bridge: string, dir = NETWORK_OWNERS_DIR): string {
  return join(dir, `${bridge}.json`);
}

/** recordNetworkOwner writes a node's owner record (atomically: a concurrent sweep never reads half a file). */
export function recordNetworkOwner(owner: NetworkOwner, dir = NETWORK_OWNERS_DIR): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const file = ownerRecordFile(owner.bridge, dir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(owner) + '\n', { mode: 0o644 });
  renameSync(tmp, file);
}

/** releaseNetworkOwner removes a bridge's owner record if it is self's (a clean release). */
export function releaseNetworkOwner(bridge: string, self: ProcessIdentity, dir = NETWORK_OWNERS_DIR): void {
  const file = ownerRecordFile(bridge, dir);
  const rec = readRecord(file);
  if (rec && rec.pid === self.pid && rec.startTime === self.startTime) rmSync(file, { force: true });
}

/** readNetworkOwner reads a bridge's owner record (undefined: none, or not valid). */
export function readNetworkOwner(bridge: string, dir = NETWORK_OWNERS_DIR): NetworkOwner | undefined {
  return readRecord(ownerRecordFile(bridge, dir));
}

/** readNetworkOwners reads every valid owner record (a file that does not parse or validate is skipped). */
export function readNetworkOwners(dir = NETWORK_OWNERS_DIR): NetworkOwner[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  return names.filter((n) => n.endsWith('.json')).flatMap((n) => {
    const rec = readRecord(join(dir, n));
    return rec && `${rec.bridge}.json` === n ? [rec] : [];
  });
}

function readRecord(file: string): NetworkOwner | undefined {
  try {
    const rec: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return validOwner(rec) ? rec : undefined;
  } catch { return undefined; }
}

/** StaleStateHost is what the sweep changes on the machine (the real one runs ip, iptables, nft, umount; tests record). */
export interface StaleStateHost {
  /** the interfaces enslaved to a bridge, with the namespace id of a veth's peer */
  bridgePorts(bridge: string): Promise<{ name: string; netnsId?: number }[]>;
  /** the named network namespaces (`ip netns`) with their ids */
  namedNetns(): Promise<{ name: string; id?: number }[]>;
  /** deletes a link; false when there was none */
  deleteLink(name: string): Promise<boolean>;
  /** the pod ranges and network names of nat POSTROUTING masquerade rules whose comment names the bridge */
  masqueradeRules(bridge: string): Promise<{ podCIDR: string; networkName: string }[]>;
  /** deletes one masquerade rule */
  deleteMasquerade(podCIDR: string, networkName: string, bridge: string): Promise<void>;
  /** deletes an nftables table of family ip; false when there was none */
  deleteNftTable(name: string): Promise<boolean>;
  /** deletes a route controller's chains and the jumps to them; false when there were none */
  removeRouteChain(chain: string): Promise<boolean>;
  /** deletes a route to a remote node's pods */
  deleteRoute(podCIDR: string, via: string): Promise<void>;
  /** deletes a named network namespace; false when there was none */
  deleteNetns(name: string): Promise<boolean>;
  /** the mount points at or below dir, deepest first */
  mountsUnder(dir: string): string[];
  /** detaches a mount point (umount -l: whatever still uses it keeps it until done) */
  lazyUnmount(path: string): Promise<void>;
}

/** SweepOptions configure a sweep of dead owners' network state. */
export interface SweepOptions {
  /** the sweeping node's state directory: its own data dir's nodes are a restarting cluster's to recover, never swept */
  stateDir: string;
  /** owner records (default /run/tskube/networks) */
  dir?: string;
  host?: StaleStateHost;
  /** /proc (tests give a fake one) */
  procDir?: string;
  logger?: Logger;
}

/** one sweep at a time per process: the nodes of one `tskube up` start together, and the second finds nothing left */
let sweeping: Promise<unknown> = Promise.resolve();

/**
 * sweepStaleNetworks removes the host-wide network state of every recorded owner that is dead, in
 * this network namespace, and not a node of the sweeping node's own data dir (a cluster restarted
 * on its data dir recovers those itself: same bridge, same sandboxes). Each thing removed is logged;
 * a failure is logged and the rest goes on. Resolves to the owners swept.
 */
export function sweepStaleNetworks(o: SweepOptions): Promise<NetworkOwner[]> {
  const run = sweeping.then(() => sweepOnce(o));
  sweeping = run.catch(() => undefined);
  return run;
}

async function sweepOnce(o: SweepOptions): Promise<NetworkOwner[]> {
  const dir = o.dir ?? NETWORK_OWNERS_DIR;
  const procDir = o.procDir ?? '/proc';
  const logger = o.logger ?? log.child({ component: 'network-sweep' });
  const self = processIdentity(process.pid, procDir) ?? processIdentity();
  if (!self) return [];
  const host = o.host ?? new RealStaleStateHost();
  const ownDataDir = dirname(resolve(o.stateDir));
  const swept: NetworkOwner[] = [];
  const owners = readNetworkOwners(dir);
  const dead = owners.filter((owner) => owner.netNamespace === self.netNamespace && dirname(owner.stateDir) !== ownDataDir && ownerLiveness(owner, self, procDir) === 'dead');
  // The state directories of every other owner (live, or not judgeable): no mount under one is swept,
  // whatever directory a dead owner recorded (a node's state dir may lie inside another's).
  const keep = [resolve(o.stateDir), ...owners.filter((x) => !dead.includes(x)).map((x) => x.stateDir)];
  for (const owner of dead) {
    logger.info('Removing the network state of a node agent that is gone', { bridge: owner.bridge, pid: owner.pid, node: owner.nodeName, stateDir: owner.stateDir, podCIDR: owner.podCIDR });
    // A new agent of that node (its cluster restarted) may record itself while this runs, or
    // another sweeper finish first: each step first checks the record is still the dead owner's.
    const file = ownerRecordFile(owner.bridge, dir);
    const stillDead = () => { const now = readRecord(file); return !!now && now.pid === owner.pid && now.startTime === owner.startTime; };
    await sweepOwner(owner, host, logger, stillDead, keep);
    if (stillDead()) rmSync(file, { force: true });
    swept.push(owner);
  }
  return swept;
}

/** sweepOwner removes one dead owner's state: bridge and its ports, masquerade rules, tables, chains, routes, namespaces, mounts. */
async function sweepOwner(owner: NetworkOwner, host: StaleStateHost, logger: Logger, stillDead: () => boolean, keep: string[]): Promise<void> {
  const fields = { bridge: owner.bridge, stateDir: owner.stateDir };
  let stopped = false;
  const attempt = async (what: string, f: () => Promise<unknown>) => {
    if (stopped) return;
    if (!stillDead()) {
      stopped = true;
      logger.info('Stopped removing a dead node agent\'s network state: its record was taken over or removed meanwhile', fields);
      return;
    }
    try { await f(); } catch (e) { logger.error(e, `Failed to remove a dead node agent's ${what}`, fields); }
  };
  // The pods' namespaces: those whose veth is on the bridge, and those the sandboxes recorded.
  const netns = new Set(sandboxNetns(owner.stateDir));
  await attempt('pod interfaces', async () => {
    const ports = await host.bridgePorts(owner.bridge);
    const named = await host.namedNetns();
    for (const p of ports) {
      const ns = named.find((n) => n.id !== undefined && n.id === p.netnsId);
      if (ns?.name.startsWith(NETNS_PREFIX)) netns.add(ns.name);
      // Deleting the host end deletes the pod's end too, even if a process still holds the namespace.
      if (await host.deleteLink(p.name)) logger.info('Deleted a dead node agent\'s pod interface', { ...fields, link: p.name });
    }
  });
  await attempt('bridge', async () => {
    if (await host.deleteLink(owner.bridge)) logger.info('Deleted a dead node agent\'s pod bridge', fields);
  });
  await attempt('masquerade rule', async () => {
    for (const r of await host.masqueradeRules(owner.bridge)) {
      await host.deleteMasquerade(r.podCIDR, r.networkName, owner.bridge);
      logger.info('Deleted a dead node agent\'s masquerade rule', { ...fields, podCIDR: r.podCIDR });
    }
  });
  for (const table of owner.nftTables) {
    await attempt('nftables table', async () => {
      if (await host.deleteNftTable(table)) logger.info('Deleted a dead node agent\'s nftables table', { ...fields, table });
    });
  }
  await attempt('route chains', async () => {
    if (await host.removeRouteChain(owner.routeChain)) logger.info('Deleted a dead node agent\'s route chains', { ...fields, chain: owner.routeChain });
  });
  for (const r of savedRoutes(owner.stateDir)) {
    await attempt('route', async () => {
      await host.deleteRoute(r.podCIDR, r.via);
      logger.info('Deleted a dead node agent\'s route', { ...fields, podCIDR: r.podCIDR, via: r.via });
    });
  }
  for (const name of [...netns].sort()) {
    await attempt('network namespace', async () => {
      if (await host.deleteNetns(name)) logger.info('Deleted a dead node agent\'s network namespace', { ...fields, netns: name });
    });
  }
  // Mounts only under a state directory of a node's own (at least /a/b), never under another owner's.
  const mounts = owner.stateDir.split('/').filter(Boolean).length < 2 ? [] : host.mountsUnder(owner.stateDir);
  for (const m of mounts.filter((p) => !keep.some((d) => p === d || p.startsWith(`${d}/`)))) {
    await attempt('mount', async () => {
      await host.lazyUnmount(m);
      logger.info('Unmounted a dead node agent\'s mount', { ...fields, mount: m });
    });
  }
}

/** sandboxNetns lists the network namespaces the sandboxes under a state directory recorded (stateDir/sandboxes/ID/state.json). */
export function sandboxNetns(stateDir: string): string[] {
  const dir = join(stateDir, 'sandboxes');
  let ids: string[];
  try { ids = readdirSync(dir); } catch { return []; }
  return ids.flatMap((id) => {
    try {
      const netns = (JSON.parse(readFileSync(join(dir, id, 'state.json'), 'utf8')) as { netns?: unknown }).netns;
      return typeof netns === 'string' && netns.startsWith(NETNS_PREFIX) && /^[A-Za-z0-9-]+$/.test(netns) ? [netns] : [];
    } catch { return []; }
  });
}

/** savedRoutes are the remote routes a route controller recorded (stateDir/routes.json). */
function savedRoutes(stateDir: string): { podCIDR: string; via: string }[] {
  try {
    const saved = JSON.parse(readFileSync(join(stateDir, 'routes.json'), 'utf8')) as unknown;
    if (!Array.isArray(saved)) return [];
    return saved.flatMap((r: { podCIDR?: unknown; via?: unknown }) => {
      if (typeof r?.podCIDR !== 'string' || typeof r.via !== 'string') return [];
      try { parseCIDR(r.podCIDR); parseCIDR(`${r.via}/32`); } catch { return []; }
      return [{ podCIDR: r.podCIDR, via: r.via }];
    });
  } catch { return []; }
}
