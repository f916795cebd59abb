/**
 * kube-proxy's service health check server: for each LoadBalancer Service with
 * externalTrafficPolicy Local, an HTTP server on its healthCheckNodePort at the node's addresses
 * answers any path with how many of the Service's ready endpoints are on this node — 200 when
 * there is one (a load balancer sends traffic to this node), 503 when there is none — so a load
 * balancer keeps to the nodes that can serve without a second hop (the Using Source IP tutorial's
 * /healthz). The node's addresses, not every address: several nodes of `tskube up` share a machine.
 */
import http from 'node:http';
import { log } from '../../util/log.js';

/** HealthCheckTarget is one Service a node serves a health check for. */
export interface HealthCheckTarget {
  namespace: string;
  name: string;
  /** spec.healthCheckNodePort */
  port: number;
  /** ready endpoints of the Service on this node */
  localEndpoints: number;
}

interface Listener { key: string; servers: http.Server[]; target: HealthCheckTarget }

/** healthCheckBody is kube-proxy's answer body: its dedented JSON, tab-indented, without a final newline. */
export function healthCheckBody(t: Pick<HealthCheckTarget, 'namespace' | 'name' | 'localEndpoints'>, proxyHealthy = true): string {
  return ['{', '\t"service": {', `\t\t"namespace": ${JSON.stringify(t.namespace)},`, `\t\t"name": ${JSON.stringify(t.name)}`, '\t},',
    `\t"localEndpoints": ${t.localEndpoints},`, `\t"serviceProxyHealthy": ${proxyHealthy}`, '}'].join('\n');
}

/** ServiceHealthServers keeps one health check listener per target port on each of the node's addresses. */
export class ServiceHealthServers {
  private readonly listeners = new Map<number, Listener>();
  private readonly logger = log.child({ component: 'service-proxy' });

  constructor(private readonly addresses: readonly string[]) {}

  /** sync opens listeners for new targets, updates the counts of kept ones, and closes the rest. */
  async sync(targets: readonly HealthCheckTarget[]): Promise<void> {
    const want = new Map(targets.map((t) => [t.port, t]));
    for (const [port, l] of this.listeners) {
      const t = want.get(port);
      if (!t || `${t.namespace}/${t.name}` !== l.key) await this.close(port);
    }
    for (const t of want.values()) {
      const have = this.listeners.get(t.port);
      if (have) { have.target = t; continue; }
      const l: Listener = { key: `${t.namespace}/${t.name}`, servers: [], target: t };
      this.listeners.set(t.port, l);
      for (const address of this.addresses) {
        const server = http.createServer((_req, res) => {
          const count = l.target.localEndpoints;
          res.writeHead(count > 0 ? 200 : 503, {
            'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff', 'X-Load-Balancing-Endpoint-Weight': String(count),
          });
          res.end(healthCheckBody(l.target));
        });
        try {
          await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(t.port, address, () => { server.off('error', reject); resolve(); });
          });
          l.servers.push(server);
        } catch (e) {
          // kube-proxy logs a port it cannot open and goes on (an event on the Service in its case)
          this.logger.error(e, 'Failed to start the health check server', { service: l.key, address, port: t.port });
        }
      }
    }
  }

  /** closeAll stops every listener (the proxy stopping). */
  async closeAll(): Promise<void> {
    for (const port of [...this.listeners.keys()]) await this.close(port);
  }

  private async close(port: number): Promise<void> {
    const l = this.listeners.get(port);
    this.listeners.delete(port);
    for (const s of l?.servers ?? []) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }
}

/** healthCheckTargets are the Services among ports that need a health check on this node, with their local ready endpoint counts. */
export function healthCheckTargets(ports: readonly { namespace: string; name: string; healthCheckNodePort?: number; localEndpoints: readonly { ready: boolean }[] }[]): HealthCheckTarget[] {
  const out = new Map<string, HealthCheckTarget>();
  for (const sp of ports) {
    if (!sp.healthCheckNodePort) continue;
    // one count a Service, as kube-proxy keys it by namespace/name (its last port's, as its map keeps)
    out.set(`${sp.namespace}/${sp.name}`, { namespace: sp.namespace, name: sp.name, port: sp.healthCheckNodePort, localEndpoints: sp.localEndpoints.filter((e) => e.ready).length });
  }
  return [...out.values()];
}
