/**
 * DNSServer serves one ClusterZone over UDP and TCP on one port, as CoreDNS does: questions for
 * the zone are answered from it, anything else is forwarded to the host's resolvers (CoreDNS's
 * `forward . /etc/resolv.conf`). Packets are read and written with the dns-packet library.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { DecodedPacket, Packet } from 'dns-packet';
import type { Logger } from '../../util/log.js';
import type { ClusterZone } from './zone.js';

type DnsPacket = typeof import('dns-packet');

/** DNS_PACKET_INSTALL_HINT is how to get the packet library. */
export const DNS_PACKET_INSTALL_HINT = 'npm install dns-packet@5.6.1';

/** loadDnsPacket loads dns-packet, or says why it cannot. */
export async function loadDnsPacket(): Promise<DnsPacket> {
  const m = await import('dns-packet') as DnsPacket & { default?: DnsPacket };
  return m.default ?? m;
}

const RCODES: Record<string, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

/** DNSServerOptions configure the server. */
export interface DNSServerOptions {
  zone: ClusterZone;
  /** upstream resolvers (host:port or address) for names outside the zone */
  upstreams: string[];
  host: string;
  /** 0 picks a free port (the same for UDP and TCP) */
  port: number;
  logger: Logger;
  dns: DnsPacket;
  /** how long an upstream gets to answer (default 2 s) */
  upstreamTimeoutMs?: number;
}

/** DNSServer answers DNS questions on host:port over UDP and TCP. */
export class DNSServer {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly conns = new Set<net.Socket>();

  constructor(private readonly o: DNSServerOptions) {}

  /** listen binds UDP and TCP on one port and returns it. */
  async listen(): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket('udp4');
      const port = await new Promise<number>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(attempt === 0 ? this.o.port : 0, this.o.host, () => resolve(udp.address().port));
      }).catch((e: unknown) => { udp.close(); if (attempt > 20) throw e; return -1; });
      if (port < 0) continue;
      const tcp = net.createServer((s) => this.serveTCP(s));
      const ok = await new Promise<boolean>((resolve) => {
        tcp.once('error', () => resolve(false));
        tcp.listen(port, this.o.host, () => resolve(true));
      });
      if (!ok) {
        udp.close();
        if (attempt > 20) throw new Error(`cannot listen on ${this.o.host}:${port} for DNS over TCP`);
        continue;
      }
      udp.on('message', (msg, rinfo) => {
        void this.handle(msg, true).then((reply) => { if (reply) udp.send(reply, rinfo.port, rinfo.address); })
          .catch((e: unknown) => this.o.logger.error(e, 'DNS query failed'));
      });
      udp.on('error', (e) => this.o.logger.error(e, 'DNS UDP socket error'));
      this.udp = udp;
      this.tcp = tcp;
      return port;
    }
  }

  /** close stops serving. */
  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
    ]);
  }

  private serveTCP(sock: net.Socket): void {
    this.conns.add(sock);
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        void this.handle(msg, false).then((reply) => {
          if (!reply || sock.destroyed) return;
          const head = Buffer.alloc(2);
          head.writeUInt16BE(reply.length);
          sock.write(Buffer.concat([head, reply]));
        }).catch((e: unknown) => this.o.logger.error(e, 'DNS query failed'));
      }
    });
  }

  /** handle answers one DNS message (undefined: no answer, e.g. an undecodable packet). */
  async handle(msg: Buffer, udp: boolean): Promise<Buffer | undefined> {
    const dns = this.o.dns;
    let q: DecodedPacket;
    try {
      q = dns.decode(msg);
    } catch {
      return undefined;
    }
    if (q.type !== 'query') return undefined;
    const question = q.questions?.[0];
    const rd = q.flags ? q.flags & dns.RECURSION_DESIRED : 0;
    const reply = (rcode: string, body: Partial<Packet> = {}, authoritative = false): Buffer => {
      const packet: Packet = {
        type: 'response', id: q.id, questions: q.questions,
        flags: (authoritative ? dns.AUTHORITATIVE_ANSWER : 0) | rd | dns.RECURSION_AVAILABLE | (RCODES[rcode] ?? 2),
        ...body,
      };
      let out = dns.encode(packet);
      // Over UDP without EDNS a reply is at most 512 bytes: truncated, the client asks again over TCP.
      const edns = (q.additionals ?? []).some((a) => a.type === 'OPT');
      if (udp && !edns && out.length > 512) out = dns.encode({ ...packet, flags: (packet.flags ?? 0) | dns.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: [] });
      return out;
    };
    if (!question || (q.questions?.length ?? 0) !== 1) return reply('FORMERR');
    const a = this.o.zone.answer(question.name, question.type);
    if (a) return reply(a.rcode, { answers: a.answers as Packet['answers'], authorities: a.authorities as Packet['authorities'], additionals: a.additionals as Packet['additionals'] }, true);
    const forwarded = await this.forward(msg);
    return forwarded ?? reply('SERVFAIL');
  }

  /** forward asks the upstream resolvers in turn; undefined when none answers. */
  private async forward(msg: Buffer): Promise<Buffer | undefined> {
    for (const up of this.o.upstreams) {
      const [host, port] = up.includes(':') && !up.includes('::') ? [up.split(':')[0], Number(up.split(':')[1])] : [up, 53];
      const answer = await new Promise<Buffer | undefined>((resolve) => {
        const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
        const timer = setTimeout(() => { s.close(); resolve(undefined); }, this.o.upstreamTimeoutMs ?? 2000);
        s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(m); });
        s.on('error', () => { clearTimeout(timer); s.close(); resolve(undefined); });
        s.send(msg, port, host);
      });
      if (answer) return answer;
    }
    return undefined;
  }
}
