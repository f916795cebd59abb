import { formatIPv4, parseCIDR, parseIPv4, size, type IPv4CIDR } from '../../network/cidr.js';

/**
 * PodIPs hands out one simulated node's pod addresses from its podCIDR as host-local does (and the
 * SimulatedRuntime did): .0 is the network, .1 the bridge, pods get the lowest free one from .2 on;
 * an address is free again once its pod finished or is gone. Addresses taken before the range was known (adopted pods) are
 * remembered by value.
 */
export class PodIPs {
  private cidr?: IPv4CIDR;
  private readonly used = new Set<number>();

  /** setCIDR takes the node's spec.podCIDR (set once by node IPAM; the API forbids changing it). */
  setCIDR(cidr: string): void {
    this.cidr = parseCIDR(cidr);
  }

  /** hasCIDR: the node has its pod range (pods started before it share the node's address). */
  get hasCIDR(): boolean { return this.cidr !== undefined; }

  /** allocate takes the next free address; undefined without a range or when it is full. */
  allocate(): string | undefined {
    const c = this.cidr;
    if (!c) return undefined;
    // The lowest free one, as the SimulatedRuntime gave them (a node holds at most its 110 pods: a short walk).
    for (let i = 2; i < size(c) - 1; i++) {
      const ip = c.base + i;
      if (this.used.has(ip)) continue;
      this.used.add(ip);
      return formatIPv4(ip);
    }
    return undefined;
  }

  /** reserve marks an address an earlier engine gave out as taken. */
  reserve(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined) this.used.add(n);
  }

  /** release frees an address. */
  release(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined) this.used.delete(n);
  }
}
