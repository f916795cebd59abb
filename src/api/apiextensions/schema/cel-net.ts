/**
 * Kubernetes' CEL IP and CIDR libraries: ip()/cidr() parse as Go's netip does (no leading zeros
 * in IPv4 octets, no zones, no IPv4-mapped IPv6), addresses print canonically (RFC 5952), and
 * the predicates (isLoopback, isGlobalUnicast, …) and containment follow netip.Addr/Prefix.
 */
import { celFunc, celMethod, CelScalar, mapType, type CelFunc, type CelValue } from '@bufbuild/cel';
import { asOpaque, opaqueHandle, type OpaqueValue } from './cel-values.js';

const { DYN, BOOL, INT, STRING } = CelScalar;
const MAP = mapType(DYN, DYN);

function parseV4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseV6(s: string): number[] | undefined {
  let head = s;
  let tail4: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail4 = v4;
    head = s.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsWanted = tail4.length ? 6 : 8;
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string) => (h === '' ? [] : h.split(':'));
  const left = parse(halves[0]);
  const right = halves.length === 2 ? parse(halves[1]) : [];
  if ([...left, ...right].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const missing = groupsWanted - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...right].map((g) => parseInt(g, 16));
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  return [...bytes, ...tail4];
}

/** parseAddr parses an IP address as Kubernetes' ip() does; a string error is Kubernetes' message. */
export function parseAddr(raw: string): number[] | string {
  if (raw.includes('%')) {
    const base = raw.slice(0, raw.indexOf('%'));
    if (base.includes(':') && parseV6(base)) return `IP address ${JSON.stringify(raw)} with zone value is not allowed`;
  }
  const bytes = raw.includes(':') ? parseV6(raw) : parseV4(raw);
  if (!bytes) return `IP Address ${JSON.stringify(raw)} parse error during conversion from string: ParseAddr(${JSON.stringify(raw)}): unable to parse IP`;
  if (bytes.length === 16 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`;
  }
  return bytes;
}

/** formatAddr prints an address as Go's netip.Addr.String (RFC 5952 for IPv6). */
export function formatAddr(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function parsePrefix(raw: string): { ip: number[]; prefix: number } | string {
  const fail = (why: string) => `network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(raw)}): ${why}`;
  const slash = raw.lastIndexOf('/');
  if (slash < 0) return fail("no '/'");
  const addrText = raw.slice(0, slash);
  const bitsText = raw.slice(slash + 1);
  if (addrText.includes('%')) return fail('IPv6 zones cannot be present in a prefix');
  const bytes = addrText.includes(':') ? parseV6(addrText) : parseV4(addrText);
  if (!bytes) return fail(`ParseAddr(${JSON.stringify(addrText)}): unable to parse IP`);
  if (!/^[0-9]+$/.test(bitsText) || (bitsText.length > 1 && bitsText[0] === '0')) return fail(`bad bits after slash: ${JSON.stringify(bitsText)}`);
  const bits = Number(bitsText);
  if (bits > bytes.length * 8) return fail('prefix length out of range');
  if (bytes.length === 16 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`;
  return { ip: bytes, prefix: bits };
}

function masked(ip: number[], bits: number): number[] {
  return ip.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
}

function contains(net: { ip: number[]; prefix: number }, ip: number[]): boolean {
  if (net.ip.length !== ip.length) return false;
  return masked(ip, net.prefix).join('.') === masked(net.ip, net.prefix).join('.');
}

const isV4 = (b: number[]) => b.length === 4;
const zero = (b: number[]) => b.every((x) => x === 0);
const loopback = (b: number[]) => (isV4(b) ? b[0] === 127 : b.slice(0, 15).every((x) => x === 0) && b[15] === 1);
const multicast = (b: number[]) => (isV4(b) ? (b[0] & 0xf0) === 0xe0 : b[0] === 0xff);
const linkLocalUnicast = (b: number[]) => (isV4(b) ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1] & 0xc0) === 0x80);
const linkLocalMulticast = (b: number[]) => (isV4(b) ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && (b[1] & 0x0f) === 0x02);

function ipOf(v: CelValue): number[] {
  const o = asOpaque(v);
  if (o?.kind !== 'ip') throw new Error('no such overload');
  return o.bytes;
}

function cidrOf(v: CelValue): Extract<OpaqueValue, { kind: 'cidr' }> {
  const o = asOpaque(v);
  if (o?.kind !== 'cidr') throw new Error('no such overload');
  return o;
}

function must<T>(r: T | string): T {
  if (typeof r === 'string') throw new Error(r);
  return r;
}

/** netFunctions are ip(), cidr() and their methods. */
export function netFunctions(): CelFunc[] {
  const ipPred = (name: string, f: (b: number[]) => boolean) => celMethod(name, MAP, [], BOOL, function (this: CelValue) { return f(ipOf(this)); });
  return [
    celFunc('ip', [STRING], MAP, (s: string) => opaqueHandle({ kind: 'ip', bytes: must(parseAddr(s)) })),
    celFunc('isIP', [STRING], BOOL, (s: string) => typeof parseAddr(s) !== 'string'),
    celFunc('ip.isCanonical', [STRING], BOOL, (s: string) => formatAddr(must(parseAddr(s))) === s),
    celMethod('family', MAP, [], INT, function (this: CelValue) { return isV4(ipOf(this)) ? 4n : 6n; }),
    ipPred('isUnspecified', zero),
    ipPred('isLoopback', loopback),
    ipPred('isLinkLocalMulticast', linkLocalMulticast),
    ipPred('isLinkLocalUnicast', linkLocalUnicast),
    ipPred('isGlobalUnicast', (b) => !zero(b) && !loopback(b) && !multicast(b) && !linkLocalUnicast(b) && !(isV4(b) && b.every((x) => x === 255))),
    celFunc('string', [MAP], STRING, (v: CelValue) => {
      const o = asOpaque(v);
      if (o?.kind === 'ip') return formatAddr(o.bytes);
      if (o?.kind === 'cidr') return `${formatAddr(o.ip)}/${o.prefix}`;
      throw new Error('no such overload');
    }),
    celFunc('cidr', [STRING], MAP, (s: string) => opaqueHandle({ kind: 'cidr', ...must(parsePrefix(s)) })),
    celFunc('isCIDR', [STRING], BOOL, (s: string) => typeof parsePrefix(s) !== 'string'),
    celMethod('containsIP', MAP, [STRING], BOOL, function (this: CelValue, s: string) { return contains(cidrOf(this), must(parseAddr(s))); }),
    celMethod('containsIP', MAP, [MAP], BOOL, function (this: CelValue, v: CelValue) { return contains(cidrOf(this), ipOf(v)); }),
    celMethod('containsCIDR', MAP, [STRING], BOOL, function (this: CelValue, s: string) {
      const net = cidrOf(this);
      const other = must(parsePrefix(s));
      return net.prefix <= other.prefix && contains(net, other.ip);
    }),
    celMethod('containsCIDR', MAP, [MAP], BOOL, function (this: CelValue, v: CelValue) {
      const net = cidrOf(this);
      const other = cidrOf(v);
      return net.prefix <= other.prefix && contains(net, other.ip);
    }),
    celMethod('ip', MAP, [], MAP, function (this: CelValue) { return opaqueHandle({ kind: 'ip', bytes: cidrOf(this).ip }); }),
    celMethod('prefixLength', MAP, [], INT, function (this: CelValue) { return BigInt(cidrOf(this).prefix); }),
    celMethod('masked', MAP, [], MAP, function (this: CelValue) {
      const c = cidrOf(this);
      return opaqueHandle({ kind: 'cidr', ip: masked(c.ip, c.prefix), prefix: c.prefix });
    }),
  ];
}
