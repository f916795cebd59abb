/**
 * CIDR parsing for validation (IPv4 and IPv6), as Go's netutils.ParseCIDRSloppy reads them: IPv4
 * octets may carry leading zeros. Addresses are held as bigints so both families share the
 * containment test ipBlock.except needs.
 */

/** CIDRBits is a parsed CIDR: its family's width, the network address (host bits cleared) and the prefix length. */
export interface CIDRBits { bits: 32 | 128; base: bigint; prefix: number }

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(Number(p));
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  let text = s;
  // An embedded IPv4 suffix (::ffff:1.2.3.4) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt(parseInt(g, 16)));
    }
    return out;
  };
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !rest) return undefined;
  const known = head.length + rest.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const all = [...head, ...Array(8 - known).fill(0n), ...rest];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** parseCIDRBits reads "10.0.0.0/8" or "2001:db8::/64"; undefined when it is not a CIDR. */
export function parseCIDRBits(s: string): CIDRBits | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const prefix = Number(m[2]);
  const v4 = m[1].includes(':') ? undefined : parseV4(m[1]);
  const v6 = v4 === undefined && m[1].includes(':') ? parseV6(m[1]) : undefined;
  const bits: 32 | 128 = v4 !== undefined ? 32 : 128;
  const ip = v4 ?? v6;
  if (ip === undefined || prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  return { bits, base: (ip >> hostBits) << hostBits, prefix };
}

/** cidrContains tells whether inner's network address lies inside outer (same family). */
export function cidrContains(outer: CIDRBits, inner: CIDRBits): boolean {
  if (outer.bits !== inner.bits) return false;
  const hostBits = BigInt(outer.bits - outer.prefix);
  return (inner.base >> hostBits) === (outer.base >> hostBits);
}
