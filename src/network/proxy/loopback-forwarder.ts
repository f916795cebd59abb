/**
 * Pods in their own network namespaces cannot reach an endpoint on the node's loopback (the
 * `kubernetes` Service leads to the API server, which `tskube up` serves on 127.0.0.1 by default).
 * A LoopbackForwarders keeps, for each such TCP endpoint, a forwarder listening on the node's pod
 * bridge address (the pods' gateway): the proxy DNATs the Service to it and the forwarder splices
 * each connection to the loopback address. TLS passes through untouched, so clients still see the
 * API server's certificate (it names 10.96.0.1 and kubernetes.default.svc).
 *
 * Why a forwarder rather than DNAT straight to 127.0.0.1 with route_localnet: that kernel path
 * does not carry pod traffic on these machines, and it would open every loopback-only service of
 * the node to pods (CVE-2020-8558); the forwarder opens exactly the endpoints Services name.
 */
import net from 'node:net';
import { log } from '../../util/log.js';

/** isLoopback reports whether an IPv4 address is in 127.0.0.0/8. */
export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.');
}

interface Forwarder { server: net.Server; port: number; sockets: Set<net.Socket> }

/** LoopbackForwarders holds one forwarder per loopback endpoint (address:port), all on one listen address. */
export class LoopbackForwarders {
  private readonly forwarders = new Map<string, Forwarder>();
  private readonly logger = log.child({ component: 'service-proxy' });

  /**
   * ensure returns the port on listenIP that forwards to target:port, starting a forwarder when
   * there is none; undefined when listenIP cannot be listened on yet (the bridge appears with the
   * node's first pod).
   */
  async ensure(listenIP: string, target: string, port: number): Promise<number | undefined> {
    const key = `${listenIP}>${target}:${port}`;
    const have = this.forwarders.get(key);
    if (have) return have.port;
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
      const upstream = net.connect({ host: target, port });
      sockets.add(client);
      sockets.add(upstream);
      const done = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
      client.on('error', done).on('close', done);
      upstream.on('error', done).on('close', done);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ host: listenIP, port: 0 }, () => resolve(true));
    });
    if (!listening) return undefined;
    const fwd = { server, port: (server.address() as net.AddressInfo).port, sockets };
    this.forwarders.set(key, fwd);
    this.logger.v(2).info('Forwarding to a loopback endpoint from the pod bridge', { listen: `${listenIP}:${fwd.port}`, endpoint: `${target}:${port}` });
    return fwd.port;
  }

  /** retain closes the forwarders whose endpoints no Service leads to any more. */
  async retain(keep: ReadonlySet<string>): Promise<void> {
    for (const [key, f] of this.forwarders) {
      if (keep.has(key)) continue;
      this.forwarders.delete(key);
      await close(f);
    }
  }

  /** keyOf names a forwarder as retain expects it. */
  static keyOf(listenIP: string, target: string, port: number): string {
    return `${listenIP}>${target}:${port}`;
  }

  /** closeAll stops every forwarder and its connections. */
  async closeAll(): Promise<void> {
    await this.retain(new Set());
  }
}

async function close(f: Forwarder): Promise<void> {
  for (const s of f.sockets) s.destroy();
  await new Promise<void>((r) => f.server.close(() => r()));
}
