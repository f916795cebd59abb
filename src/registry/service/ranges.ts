/**
 * The address and port ranges Services are given values from (kube-apiserver's
 * --service-cluster-ip-range and --service-node-port-range), with upstream's split into a static
 * lower band (for values users ask for) and a dynamic upper band (where random allocation looks
 * first), so a requested IP such as 10.96.0.10 rarely collides with a random one.
 */
import { formatIPv4, parseCIDR, parseIPv4, type IPv4CIDR } from '../../network/cidr.js';

/** DEFAULT_SERVICE_CIDR is kube-apiserver's default --service-cluster-ip-range. */
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';

/** DEFAULT_NODE_PORT_RANGE is kube-apiserver's default --service-node-port-range. */
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

/**
 * Range is a contiguous run of allocatable values: `size` values from `base`, the first `offset`
 * of them forming the static band. Values are numbers (IPv4 addresses as 32-bit integers).
 */
export interface Range {
  base: number;
  size: number;
  offset: number;
  /** how the range is written in error messages */
  text: string;
  /** format writes a value as users see it */
  format(v: number): string;
}

/**
 * serviceIPRange is the allocatable part of a service CIDR: every address but the network and
 * broadcast addresses (ipallocator.NewBitmapAllocatorCIDRRange). The static band is size/16,
 * at least 16 and at most 256 addresses (calculateRangeOffset).
 */
export function serviceIPRange(cidr: string | IPv4CIDR): Range {
  const c = typeof cidr === 'string' ? parseCIDR(cidr) : cidr;
  const total = 2 ** (32 - c.prefix);
  const size = Math.max(0, total - 2);
  return { base: c.base + 1, size, offset: bandOffset(total, 16, 256, 16), text: `${formatIPv4(c.base)}/${c.prefix}`, format: formatIPv4 };
}

/**
 * nodePortRange reads "30000-32767" (or a single port) as utilnet.ParsePortRange does. The static
 * band is size/32, at least 16 and at most 128 ports (portallocator's calculateRangeOffset).
 */
export function nodePortRange(spec: string = DEFAULT_NODE_PORT_RANGE): Range {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(spec);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(lo >= 1 && hi <= 65535 && lo <= hi)) throw new Error(`invalid port range: ${JSON.stringify(spec)}`);
  const size = hi - lo + 1;
  return { base: lo, size, offset: size <= 16 ? 0 : bandOffset(size, 16, 128, 32), text: `${lo}-${hi}`, format: String };
}

function bandOffset(size: number, min: number, max: number, step: number): number {
  if (size < min) return 0;
  return Math.min(max, Math.max(min, Math.floor(size / step)));
}

/** inRange reports whether v is one of the range's values. */
export function inRange(r: Range, v: number): boolean {
  return v >= r.base && v < r.base + r.size;
}

/** parseServiceIP reads an IPv4 address as a number (undefined when it is not one). */
export function parseServiceIP(s: string): number | undefined {
  return parseIPv4(s);
}

/**
 * pickFree chooses a free value the way upstream's random-scan-with-offset strategy does: a random
 * start in the dynamic (upper) band, scanning forward (wrapping within the band) to the first free
 * value; only when that band is full, the same in the static band. undefined when the range is full.
 */
export function pickFree(r: Range, used: (v: number) => boolean, random: () => number = Math.random): number | undefined {
  const bands: [number, number][] = [[r.offset, r.size - r.offset], [0, r.offset]];
  for (const [from, len] of bands) {
    if (len <= 0) continue;
    const start = Math.floor(random() * len);
    for (let i = 0; i < len; i++) {
      const v = r.base + from + ((start + i) % len);
      if (!used(v)) return v;
    }
  }
  return undefined;
}
