/**
 * The cluster's DNS zone as CoreDNS's kubernetes plugin answers it (with kubeadm's Corefile:
 * `kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa
 * ip6.arpa; ttl 30 }`): Services, their ports, the endpoints of headless Services, pods by dashed
 * address, reverse lookups of Service and endpoint addresses. A name of the zone that does not
 * exist is NXDOMAIN, one that exists without records of the asked type is NODATA (both with the
 * zone's SOA); names outside the zone, and reverse names it does not know, are for the upstream
 * resolvers (undefined).
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

/** DNSRecord is one resource record in dns-packet's shape. */
export type DNSRecord =
  | { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS'; ttl: number; class: 'IN'; data: string }
  | { name: string; type: 'SRV'; ttl: number; class: 'IN'; data: { priority: number; weight: number; port: number; target: string } }
  | { name: string; type: 'SOA'; ttl: number; class: 'IN'; data: { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number } };

/** ZoneAnswer is the zone's answer to one question. */
export interface ZoneAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: DNSRecord[];
  additionals: DNSRecord[];
  authorities: DNSRecord[];
}

/** ZoneData is what the zone is built from (the DNS component's informer caches). */
export interface ZoneData {
  services(): readonly Readonly<Service>[];
  slicesFor(namespace: string, service: string): readonly Readonly<EndpointSlice>[];
  namespaceExists(namespace: string): boolean;
}

/** DEFAULT_TTL is kubeadm's `ttl 30`. */
export const DEFAULT_TTL = 30;

interface EndpointRecord { ip: string; hostname: string; ports: { name: string; protocol: string; port: number }[] }

const lower = (s: string) => s.toLowerCase().replace(/\.$/, '');
const dashed = (ip: string) => ip.replace(/\./g, '-');

/** ClusterZone answers questions about the cluster domain (cluster.local by default). */
export class ClusterZone {
  readonly domain: string;
  private readonly ttl: number;

  constructor(private readonly data: ZoneData, o: { domain?: string; ttl?: number; serial?: () => number } = {}) {
    this.domain = lower(o.domain ?? 'cluster.local');
    this.ttl = o.ttl ?? DEFAULT_TTL;
    this.serial = o.serial ?? (() => Math.floor(Date.now() / 1000));
  }

  private readonly serial: () => number;

  /** soa is the zone's SOA record (in the authority section of negative answers). */
  soa(): DNSRecord {
    return {
      name: this.domain, type: 'SOA', ttl: this.ttl, class: 'IN',
      data: { mname: `ns.dns.${this.domain}`, rname: `hostmaster.${this.domain}`, serial: this.serial(), refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl },
    };
  }

  /** answer returns the zone's answer, or undefined when the name is not the zone's to answer. */
  answer(qname: string, qtype: string): ZoneAnswer | undefined {
    const name = lower(qname);
    if (name.endsWith('.in-addr.arpa')) return this.reverse(name, qtype);
    // busybox's nslookup sends a dotted name such as backend.default.svc as it is, without the
    // search path (glibc would have tried backend.default.svc.cluster.local first): such names,
    // which no public domain can own (.svc is no top-level domain), answer as their cluster name.
    if (name.endsWith('.svc') && name.split('.').length >= 3) return this.alias(name, `${name}.${this.domain}`, qtype);
    // The same for SERVICE.NAMESPACE (backend.default), but only where that Service exists: any
    // other two-label name may be a public one (example.com) and goes upstream.
    const pair = name.split('.');
    if (pair.length === 2 && this.data.services().some((s) => s.metadata?.namespace === pair[1] && s.metadata?.name === pair[0])) {
      return this.alias(name, `${name}.svc.${this.domain}`, qtype);
    }
    const endpointName = this.endpointShortName(pair);
    if (endpointName) return this.alias(name, endpointName, qtype);
    if (name !== this.domain && !name.endsWith(`.${this.domain}`)) return undefined;
    const labels = name === this.domain ? [] : name.slice(0, -(this.domain.length + 1)).split('.');
    const nodata = (): ZoneAnswer => ({ rcode: 'NOERROR', answers: [], additionals: [], authorities: [this.soa()] });
    const nxdomain = (): ZoneAnswer => ({ rcode: 'NXDOMAIN', answers: [], additionals: [], authorities: [this.soa()] });
    if (labels.length === 0) {
      if (qtype === 'SOA') return { rcode: 'NOERROR', answers: [this.soa()], additionals: [], authorities: [] };
      if (qtype === 'NS') return { rcode: 'NOERROR', answers: [this.record(this.domain, 'NS', `ns.dns.${this.domain}`)], additionals: [], authorities: [] };
      return nodata();
    }
    const kind = labels[labels.length - 1];
    if (kind === 'pod') return this.pod(labels, qtype, name) ?? nxdomain();
    if (kind !== 'svc') return nxdomain();
    if (labels.length === 1) return nodata();
    const ns = labels[labels.length - 2];
    if (labels.length === 2) return this.data.namespaceExists(ns) ? nodata() : nxdomain();
    const svcName = labels[labels.length - 3];
    const svc = this.data.services().find((s) => s.metadata?.namespace === ns && s.metadata?.name === svcName);
    if (!svc) return nxdomain();
    const svcFQDN = `${svcName}.${ns}.svc.${this.domain}`;
    const rest = labels.slice(0, -3);
    if (rest.length === 0) return this.serviceRecords(svc, svcFQDN, name, qtype, undefined) ?? nodata();
    if (rest.length === 1) {
      // An endpoint of the Service, by hostname or dashed address.
      const ep = this.endpoints(svc).find((e) => e.hostname === rest[0]);
      if (!ep) return nxdomain();
      if (qtype === 'A') return { rcode: 'NOERROR', answers: [this.record(name, 'A', ep.ip)], additionals: [], authorities: [] };
      return nodata();
    }
    if (rest.length === 2 && rest[0].startsWith('_') && rest[1].startsWith('_')) {
      const port = rest[0].slice(1);
      const proto = rest[1].slice(1);
      const sp = (svc.spec?.ports ?? []).find((p) => (p.name ?? '') === port && (p.protocol ?? 'TCP').toLowerCase() === proto);
      if (!sp) return nxdomain();
      return this.serviceRecords(svc, svcFQDN, name, qtype, { name: port, protocol: proto }) ?? nodata();
    }
    return nxdomain();
  }

  /**
   * endpointShortName is the cluster name of HOSTNAME.SERVICE (web-0.nginx, as the StatefulSet
   * tutorial looks its pods up with busybox's nslookup, which sends it without the search path) or
   * HOSTNAME.SERVICE.NAMESPACE, when a Service of that name has an endpoint of that hostname. The
   * asking pod's namespace is not known here, so HOSTNAME.SERVICE answers only when exactly one
   * namespace has it; any other such name may be a public one and goes upstream.
   */
  private endpointShortName(labels: string[]): string | undefined {
    if (labels.length !== 2 && labels.length !== 3) return undefined;
    const [host, svcName, ns] = labels;
    const found = this.data.services().filter((s) => s.metadata?.name === svcName && (ns === undefined || s.metadata?.namespace === ns) &&
      this.endpoints(s).some((e) => e.hostname === host));
    if (found.length !== 1) return undefined;
    return `${host}.${svcName}.${found[0].metadata?.namespace}.svc.${this.domain}`;
  }

  /** alias answers a short name as its cluster name, with a CNAME from one to the other. */
  private alias(name: string, full: string, qtype: string): ZoneAnswer | undefined {
    const inner = this.answer(full, qtype);
    if (!inner || inner.rcode !== 'NOERROR') return inner;
    return { ...inner, answers: [this.record(name, 'CNAME', full), ...inner.answers] };
  }

  private record(name: string, type: 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS', data: string): DNSRecord {
    return { name, type, ttl: this.ttl, class: 'IN', data };
  }

  /** serviceRecords answers for a Service name (or one of its named ports): undefined means NODATA. */
  private serviceRecords(svc: Readonly<Service>, svcFQDN: string, qname: string, qtype: string, port: { name: string; protocol: string } | undefined): ZoneAnswer | undefined {
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') {
      if (port || !spec.externalName) return undefined;
      return { rcode: 'NOERROR', answers: [this.record(qname, 'CNAME', lower(spec.externalName))], additionals: [], authorities: [] };
    }
    const headless = !spec.clusterIP || spec.clusterIP === 'None';
    const ok = (answers: DNSRecord[], additionals: DNSRecord[] = []): ZoneAnswer | undefined => (answers.length ? { rcode: 'NOERROR', answers, additionals, authorities: [] } : undefined);
    if (qtype === 'A' || qtype === 'ANY') {
      if (port) return undefined;
      if (!headless) return ok([this.record(qname, 'A', spec.clusterIP!)]);
      return ok(this.endpoints(svc).map((e) => this.record(qname, 'A', e.ip)));
    }
    if (qtype !== 'SRV') return undefined;
    const wanted = (p: { name: string; protocol: string }) => !port || (p.name === port.name && p.protocol.toLowerCase() === port.protocol);
    if (!headless) {
      const ports = (spec.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port })).filter(wanted);
      const answers = ports.map((p) => this.srv(qname, p.port, svcFQDN, ports.length));
      return ok(answers, answers.length ? [this.record(svcFQDN, 'A', spec.clusterIP!)] : []);
    }
    const answers: DNSRecord[] = [];
    const additionals: DNSRecord[] = [];
    const eps = this.endpoints(svc);
    const pairs = eps.flatMap((e) => e.ports.filter(wanted).map((p) => ({ e, p })));
    for (const { e, p } of pairs) {
      const target = `${e.hostname}.${svcFQDN}`;
      answers.push(this.srv(qname, p.port, target, pairs.length));
      if (!additionals.some((a) => a.name === target)) additionals.push(this.record(target, 'A', e.ip));
    }
    return ok(answers, additionals);
  }

  private srv(name: string, port: number, target: string, count: number): DNSRecord {
    return { name, type: 'SRV', ttl: this.ttl, class: 'IN', data: { priority: 0, weight: Math.floor(100 / Math.max(1, count)), port, target } };
  }

  /** endpoints lists a Service's ready endpoints (each address once) with their hostname and ports. */
  private endpoints(svc: Readonly<Service>): EndpointRecord[] {
    const out = new Map<string, EndpointRecord>();
    for (const slice of this.data.slicesFor(svc.metadata?.namespace ?? '', svc.metadata?.name ?? '')) {
      if (slice.addressType !== 'IPv4') continue;
      const ports = (slice.ports ?? []).filter((p) => p.port).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port! }));
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        for (const ip of ep.addresses ?? []) {
          const cur = out.get(ip);
          if (cur) { for (const p of ports) if (!cur.ports.some((q) => q.port === p.port && q.name === p.name)) cur.ports.push(p); continue; }
          out.set(ip, { ip, hostname: lower(ep.hostname ?? dashed(ip)), ports: [...ports] });
        }
      }
    }
    return [...out.values()].sort((a, b) => a.ip.localeCompare(b.ip, undefined, { numeric: true }));
  }

  /** pod answers <a-b-c-d>.<namespace>.pod.<zone> with the address in its name (`pods insecure`). */
  private pod(labels: string[], qtype: string, name: string): ZoneAnswer | undefined {
    if (labels.length === 2) return this.data.namespaceExists(labels[0]) ? { rcode: 'NOERROR', answers: [], additionals: [], authorities: [this.soa()] } : undefined;
    if (labels.length !== 3) return undefined;
    const ip = labels[0].replace(/-/g, '.');
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || ip.split('.').some((x) => Number(x) > 255)) return undefined;
    if (qtype === 'A' || qtype === 'ANY') return { rcode: 'NOERROR', answers: [this.record(name, 'A', ip)], additionals: [], authorities: [] };
    return { rcode: 'NOERROR', answers: [], additionals: [], authorities: [this.soa()] };
  }

  /** reverse answers PTR for Service cluster IPs and endpoint addresses; anything else falls through. */
  private reverse(name: string, qtype: string): ZoneAnswer | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(name);
    if (!m) return undefined;
    const ip = `${m[4]}.${m[3]}.${m[2]}.${m[1]}`;
    const targets: string[] = [];
    for (const svc of this.data.services()) {
      const fqdn = `${svc.metadata?.name}.${svc.metadata?.namespace}.svc.${this.domain}`;
      if (svc.spec?.clusterIP === ip) targets.push(fqdn);
      else if (svc.spec?.clusterIP === 'None') {
        for (const e of this.endpoints(svc)) if (e.ip === ip) targets.push(`${e.hostname}.${fqdn}`);
      }
    }
    if (!targets.length) return undefined;
    if (qtype !== 'PTR' && qtype !== 'ANY') return { rcode: 'NOERROR', answers: [], additionals: [], authorities: [this.soa()] };
    return { rcode: 'NOERROR', answers: targets.map((t) => this.record(name, 'PTR', t)), additionals: [], authorities: [] };
  }
}
