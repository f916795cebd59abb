import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contains, formatIPv4, parseCIDR, parseIPv4, size, type IPv4CIDR } from './cidr.js';

/** Lease is an address handed to one interface of one container. */
export interface Lease { address: string; prefix: number; gateway: string }

/** LAST_RESERVED is host-local's record of the last address it handed out (range set 0). */
const LAST_RESERVED = 'last_reserved_ip.0';

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
    const held = this.leaseOf(containerId, ifName, net);
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
      try {
        writeFileSync(join(this.dir, address), `${containerId}\r\n${ifName}`, { flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw e;
      }
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
    if (address && this.owns(address, containerId, ifName)) {
      rmSync(join(this.dir, address), { force: true });
      return;
    }
    for (const f of this.leases()) {
      if (this.owns(f, containerId, ifName)) rmSync(join(this.dir, f), { force: true });
    }
  }

  /** leases are the addresses handed out (the directory's address-named files). */
  leases(): string[] {
    try {
      return readdirSync(this.dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
    } catch { return []; }
  }

  private leaseOf(containerId: string, ifName: string, net: IPv4CIDR): string | undefined {
    return this.leases().find((f) => contains(net, f) && this.owns(f, containerId, ifName));
  }

  /** owns: the lease file names this interface (host-local's older files hold the container ID alone). */
  private owns(address: string, containerId: string, ifName: string): boolean {
    const text = this.read(address);
    if (text === undefined) return false;
    const [id, ifn] = text.split(/\r?\n/);
    return id.trim() === containerId && (ifn === undefined || ifn.trim() === '' || ifn.trim() === ifName);
  }

  private read(name: string): string | undefined {
    try {
      return readFileSync(join(this.dir, name), 'utf8');
    } catch { return undefined; }
  }
}
