/**
 * IPv4 CIDR arithmetic for pod address ranges (node IPAM, the pod network). Addresses are held
 * as unsigned 32-bit numbers. IPv6 ranges are not handled: tskube's pod network is IPv4-only.
 */

/** IPv4CIDR is a parsed IPv4 range: the network address (host bits cleared) and the prefix length. */
export interface IPv4CIDR { base: number; prefix: number }

/** CIDRError says a string is not an IPv4 CIDR (worded as Go's net.ParseCIDR). */
export class CIDRError extends Error {
  constructor(readonly input: string) {
    super(`invalid CIDR address: ${input}`);
    this.name = 'CIDRError';
  }
}

/** parseIPv4 reads dotted-quad notation; undefined when s is not an IPv4 address. */
export function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p.startsWith('0'))) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** formatIPv4 writes a 32-bit number as a dotted quad. */
export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** parseCIDR reads "10.244.0.0/16"; the base has its host bits cleared (as net.ParseCIDR's IPNet). */
export function parseCIDR(s: string): IPv4CIDR {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s.trim());
  const ip = m ? parseIPv4(m[1]) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (ip === undefined || !(prefix >= 0 && prefix <= 32)) throw new CIDRError(s);
  return { base: maskOf(ip, prefix), prefix };
}

/** formatCIDR writes a range as "a.b.c.d/n". */
export function formatCIDR(c: IPv4CIDR): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

/** size is the number of addresses in a range. */
export function size(c: IPv4CIDR): number {
  return 2 ** (32 - c.prefix);
}

/** contains reports whether ip (a number or dotted quad) lies in c. */
export function contains(c: IPv4CIDR, ip: number | string): boolean {
  const n = typeof ip === 'string' ? parseIPv4(ip) : ip;
  return n !== undefined && maskOf(n, c.prefix) === c.base;
}

/** overlaps reports whether two ranges share an address. */
export function overlaps(a: IPv4CIDR, b: IPv4CIDR): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return maskOf(a.base, p) === maskOf(b.base, p);
}

/** subnetCount is how many /maskSize subnets fit in c (0 when maskSize is shorter than c's prefix). */
export function subnetCount(c: IPv4CIDR, maskSize: number): number {
  return maskSize < c.prefix || maskSize > 32 ? 0 : 2 ** (maskSize - c.prefix);
}

/** subnet is the index-th /maskSize subnet of c (index from 0). */
export function subnet(c: IPv4CIDR, maskSize: number, index: number): IPv4CIDR {
  return { base: (c.base + index * 2 ** (32 - maskSize)) >>> 0, prefix: maskSize };
}

/** subnetIndex is the index of sub within c when split into /sub.prefix subnets, or -1 when sub is not one of them. */
export function subnetIndex(c: IPv4CIDR, sub: IPv4CIDR): number {
  if (sub.prefix < c.prefix || !contains(c, sub.base)) return -1;
  return (sub.base - c.base) / 2 ** (32 - sub.prefix);
}

function maskOf(ip: number, prefix: number): number {
  if (prefix === 0) return 0;
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  return (ip & mask) >>> 0;
}
