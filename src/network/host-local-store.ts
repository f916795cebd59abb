import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contains, formatIPv4, parseCIDR, parseIPv4, size } from './cidr.js';

/** Lease is an address handed to one interface of one container. */
export interface Lease { address: string; prefix: number; gateway: string }

/** LAST_RESERVED is host-local's record of the last address it handed out (range set 0). */
const LAST_RESERVED = 'last_reserved_ip.0';

/**
 * LeaseIndex is a directory's leases read once (address → "containerID\nifName"), valid while the
 * directory is the same one (inode) with the modification time it was read at: a lease made or
 * removed by anyone else (the plugin, a sweep) changes it and the directory is read again. Without it each allocation
 * read every lease file to find the interface's own, a quadratic cost in the node's pods.
 */
interface LeaseIndex { ino: bigint; mtimeNs: bigint; owners: Map<string, string> }
const indexes = new Map<string, LeaseIndex>();

/**
 * HostLocalStore hands out addresses of one subnet as the CNI host-local IPAM plugin does, in its
 * on-disk format, so the plugin and this store can take turns on one directory (a node falls back
 * to the plugin when the command helper cannot run): a file per address in dir/network/, named
 * after it and holding "containerID\r\nifName"; last_reserved_ip.0 holding the last one handed
 * out, where the next search starts. The gateway (the subnet's first address unless given), the
 * network and broadcast addresses are never handed out. An interface that has a lease gets it
 * again. Calls are synchronous: one process allocates for its node, and no await splits a search
 * from its write.
 */
export class HostLocalStore {
  private readonly dir: string;

  constructor(dataDir: string, network: string) {
    this.dir = join(dataDir, network);
  }

  /** allocate leases an address of subnet (CIDR) to containerId's ifName; throws when the subnet is full. */
  allocate(subnet: string, containerId: string, ifName: string, gateway?: string): Lease {
    const net = parseCIDR(subnet);
    const gw = gateway ?? formatIPv4(net.base + 1);
    const lease = (address: string): Lease => ({ address, prefix: net.prefix, gateway: gw });
    mkdirSync(this.dir, { recursive: true });
    const owners = this.index();
    const held = [...owners].find(([a, owner]) => contains(net, a) && ownedBy(owner, containerId, ifName))?.[0];
    if (held) return lease(held);
    const first = net.base + 1;
    const last = net.base + size(net) - 2;
    if (last < first) throw new Error(`host-local: no IP addresses available in range set: ${subnet}`);
    const gwNum = parseIPv4(gw);
    let prev = first - 1;
    const recorded = this.read(LAST_RESERVED);
    if (recorded !== undefined) {
      const n = parseIPv4(recorded.trim());
      if (n !== undefined && n >= first && n <= last) prev = n;
    }
    const count = last - first + 1;
    for (let i = 1; i <= count; i++) {
      const n = first + ((prev - first + i) % count + count) % count;
      if (n === gwNum) continue;
      const address = formatIPv4(n);
      if (owners.has(address)) continue;
      try {
        writeFileSync(join(this.dir, address), `${containerId}\r\n${ifName}`, { flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw e;
      }
      owners.set(address, `${containerId}\n${ifName}`);
      this.indexed(owners);
      writeFileSync(join(this.dir, LAST_RESERVED), address);
      return lease(address);
    }
    throw new Error(`host-local: no IP addresses available in range set: ${formatIPv4(first)}-${formatIPv4(last)}`);
  }

  /**
   * release gives back containerId's ifName lease: the address given (a cached result's), when its
   * file is that interface's, else whatever the directory holds for it. Nothing held is no error.
   */
  release(containerId: string, ifName: string, address?: string): void {
    const owners = this.index();
    const mine = address && ownedBy(owners.get(address), containerId, ifName) ? [address]
      : [...owners].filter(([, owner]) => ownedBy(owner, containerId, ifName)).map(([a]) => a);
    if (!mine.length) return;
    for (const a of mine) {
      rmSync(join(this.dir, a), { force: true });
      owners.delete(a);
    }
    this.indexed(owners);
  }

  /** leases are the addresses handed out (the directory's address-named files). */
  leases(): string[] {
    try {
      return readdirSync(this.dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
    } catch { return []; }
  }

  /** index is the directory's leases, read again only when someone else changed it. */
  private index(): Map<string, string> {
    let st;
    try { st = statSync(this.dir, { bigint: true }); } catch { return new Map(); }
    const cached = indexes.get(this.dir);
    if (cached && cached.mtimeNs === st.mtimeNs && cached.ino === st.ino) return cached.owners;
    const owners = new Map<string, string>();
    for (const a of this.leases()) {
      const text = this.read(a);
      if (text !== undefined) owners.set(a, text.split(/\r?\n/).map((x) => x.trim()).join('\n'));
    }
    indexes.set(this.dir, { ino: st.ino, mtimeNs: st.mtimeNs, owners });
    return owners;
  }

  /** indexed records the index as the directory now is, after this store's own change. */
  private indexed(owners: Map<string, string>): void {
    try {
      const st = statSync(this.dir, { bigint: true });
      indexes.set(this.dir, { ino: st.ino, mtimeNs: st.mtimeNs, owners });
    } catch { indexes.delete(this.dir); }
  }

  private read(name: string): string | undefined {
    try {
      return readFileSync(join(this.dir, name), 'utf8');
    } catch { return undefined; }
  }
}

/** ownedBy: a lease's "containerID\nifName" names this interface (host-local's older files hold the container ID alone). */
function ownedBy(owner: string | undefined, containerId: string, ifName: string): boolean {
  if (owner === undefined) return false;
  const [id, ifn] = owner.split('\n');
  return id === containerId && (ifn === undefined || ifn === '' || ifn === ifName);
}
