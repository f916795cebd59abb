import type { IPConfig, Result, Route } from './types.js';

/** ResultParseError says a plugin printed something that is not a CNI result. */
export class ResultParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultParseError';
  }
}

interface LegacyIP { ip: string; gateway?: string; routes?: Route[] }

/**
 * parseResult reads a plugin's ADD output into the 1.0.0 shape. Versions 0.3.x, 0.4.0 and 1.0.0
 * share the `ips`/`interfaces` layout (0.3.x and 0.4.0 add a `version` per address, which is
 * dropped); 0.1.0 and 0.2.0 had `ip4`/`ip6` objects, converted here as libcni's convertFrom020 does.
 */
export function parseResult(text: string | object): Result {
  let raw: Record<string, unknown>;
  if (typeof text === 'string') {
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new ResultParseError(`decoding version from network config: ${(e as Error).message}`);
    }
  } else raw = text as Record<string, unknown>;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ResultParseError('result is not a JSON object');
  const cniVersion = typeof raw.cniVersion === 'string' && raw.cniVersion ? raw.cniVersion : '0.1.0';
  const dns = (raw.dns && typeof raw.dns === 'object' ? raw.dns : {}) as Result['dns'];
  if (cniVersion === '0.1.0' || cniVersion === '0.2.0') {
    const ips: IPConfig[] = [];
    const routes: Route[] = [];
    for (const key of ['ip4', 'ip6'] as const) {
      const l = raw[key] as LegacyIP | undefined;
      if (!l) continue;
      if (typeof l.ip !== 'string') throw new ResultParseError(`${key}.ip is not a string`);
      ips.push({ address: l.ip, ...(l.gateway ? { gateway: l.gateway } : {}) });
      routes.push(...(l.routes ?? []));
    }
    return { cniVersion, interfaces: [], ips, routes, dns };
  }
  const ips: IPConfig[] = [];
  for (const ip of (raw.ips ?? []) as Record<string, unknown>[]) {
    if (typeof ip?.address !== 'string') throw new ResultParseError('ips[].address is not a string');
    ips.push({
      address: ip.address,
      ...(typeof ip.gateway === 'string' ? { gateway: ip.gateway } : {}),
      ...(typeof ip.interface === 'number' ? { interface: ip.interface } : {}),
    });
  }
  const interfaces = ((raw.interfaces ?? []) as Record<string, unknown>[]).map((i) => ({
    name: String(i.name ?? ''),
    ...(typeof i.mac === 'string' ? { mac: i.mac } : {}),
    ...(typeof i.sandbox === 'string' ? { sandbox: i.sandbox } : {}),
  }));
  return { cniVersion, interfaces, ips, routes: (raw.routes ?? []) as Route[], dns };
}

/**
 * podIPs are the addresses (without prefix length) a result gives the container's interface,
 * IPv4 first as the kubelet orders pod IPs; addresses on host-side interfaces are skipped.
 */
export function podIPs(result: Result): string[] {
  const inSandbox = (ip: IPConfig) => ip.interface === undefined || result.interfaces[ip.interface]?.sandbox !== undefined || result.interfaces.length === 0;
  const ips = result.ips.filter(inSandbox).map((ip) => ip.address.split('/')[0]);
  return [...ips.filter((ip) => !ip.includes(':')), ...ips.filter((ip) => ip.includes(':'))];
}
