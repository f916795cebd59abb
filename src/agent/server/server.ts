import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Runtime } from '../../runtime/types.js';
import type { PodWorker } from '../pod-worker.js';
import { parseLogOptions, streamLog } from './logs.js';
import { queryBool } from '../../apimachinery/query.js';
import { errorStatus, REMOTECOMMAND_PROTOCOLS, serveExec, startExec, Channel } from './remotecommand.js';
import { ResourceAnalyzer } from '../stats/resource-analyzer.js';
import { formatResourceMetrics, METRICS_CONTENT_TYPE } from '../stats/metrics-resource.js';
import { negotiateSpdyProtocol, serveSpdyExec } from './exec-spdy.js';
import { PORT_FORWARD_PROTOCOL, SPDY_TUNNEL_PROTOCOL, acceptTunnel, portForwardWebSocketServer, serveSpdy, serveTunnel, type PodTarget } from './portforward.js';
import { serveMetrics } from '../metrics.js';
import { log } from '../../util/log.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { configz, type KubeletSettings } from './configz.js';
import { podList, runningPodList } from './kubelet-pods.js';
import type { KubeletMetrics } from './kubelet-metrics.js';
import type { SummaryProvider } from '../stats/summary-provider.js';
import { formatCadvisorMetrics } from '../stats/cadvisor-metrics.js';

/** AgentServerOptions configures the agent's kubelet-API server. */
export interface AgentServerOptions {
  host: string;
  port: number;
  /** TLS key/cert (PEM); without them the server speaks plain HTTP */
  tls?: { key: string; cert: string };
  /** bearer token the API server must present (none = open, for loopback) */
  token?: string;
  runtime: Runtime;
  findPod(namespace: string, name: string): PodWorker | undefined;
  now(): Date;
  /** what /metrics/resource and /metrics/cadvisor report (default: a ResourceAnalyzer over runtime) */
  stats?: Pick<ResourceAnalyzer, 'collect'>;
  /** the pods the agent runs, as it holds them (/pods) */
  pods?(): Pod[];
  /** the agent's effective configuration (/configz) */
  settings?(): KubeletSettings;
  /** the agent's own registries (/metrics, /metrics/probes); without them, /metrics is the process registry */
  metrics?: Pick<KubeletMetrics, 'text' | 'probesText'>;
  /** the Summary API (/stats/summary) */
  summary?: Pick<SummaryProvider, 'get'>;
}

/**
 * AgentServer serves kubelet's routes the API server proxies to: GET /containerLogs/NS/POD/C,
 * GET /metrics, /metrics/resource, /metrics/cadvisor, /metrics/probes, /pods, /runningpods/, /configz, /stats/summary, and the WebSocket endpoints /exec/NS/POD/C and /attach/NS/POD/C (channel.k8s.io v5/v4).
 */
export class AgentServer {
  private server?: http.Server;
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => REMOTECOMMAND_PROTOCOLS.find((p) => protocols.has(p)) ?? false,
  });

  private readonly portForwardWss = portForwardWebSocketServer();

  private stats?: Pick<ResourceAnalyzer, 'collect'>;
  /** the connections handed to SPDY and WebSocket sessions (exec, attach, port-forward) */
  private readonly upgraded = new Set<Duplex>();

  constructor(private readonly o: AgentServerOptions) {}

  /** listen starts the server and returns its port. */
  async listen(): Promise<number> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => { void this.handle(req, res); };
    this.server = this.o.tls ? https.createServer({ key: this.o.tls.key, cert: this.o.tls.cert }, handler) : http.createServer(handler);
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port, this.o.host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** close stops accepting connections. */
  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    for (const c of this.portForwardWss.clients) c.terminate();
    for (const s of this.upgraded) s.destroy();
    this.server?.closeAllConnections?.();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private authorized(req: http.IncomingMessage): boolean {
    return !this.o.token || req.headers.authorization === `Bearer ${this.o.token}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://agent');
    if (!this.authorized(req)) { res.writeHead(401, { 'Content-Type': 'text/plain' }); res.end('Unauthorized'); return; }
    const parts = pathSegments(url.pathname);
    if (!parts) return plain(res, 400, `invalid URL escape in ${JSON.stringify(url.pathname)}`);
    if (parts[0] === 'healthz') { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('ok'); return; }
    if (parts[0] === 'metrics' && parts[1] === 'resource' && parts.length === 2 && req.method === 'GET') return this.serveResourceMetrics(res);
    if (parts[0] === 'metrics' && parts[1] === 'cadvisor' && parts.length === 2 && req.method === 'GET') return this.serveCadvisorMetrics(res);
    if (parts[0] === 'metrics' && parts[1] === 'probes' && parts.length === 2 && req.method === 'GET' && this.o.metrics) return this.serveOwnMetrics(res, () => this.o.metrics!.probesText());
    if (parts[0] === 'metrics' && parts.length === 1 && req.method === 'GET') return this.o.metrics ? this.serveOwnMetrics(res, () => this.o.metrics!.text()) : serveMetrics(res);
    if (req.method === 'GET' && parts.length === 1 && parts[0] === 'pods' && this.o.pods) return json(res, podList(this.o.pods()) + '\n');
    if (req.method === 'GET' && parts.length === 1 && parts[0] === 'configz' && this.o.settings) return json(res, configz(this.o.settings()));
    if (req.method === 'GET' && parts.length === 1 && parts[0] === 'runningpods') return this.serveRunningPods(res);
    // the kubelet routes GET and POST to the summary
    if ((req.method === 'GET' || req.method === 'POST') && parts.length === 2 && parts[0] === 'stats' && parts[1] === 'summary' && this.o.summary) {
      // the kubelet takes exactly one only_cpu_and_memory=true, nothing else
      const only = url.searchParams.getAll('only_cpu_and_memory');
      return this.serveSummary(res, this.o.summary, only.length === 1 && only[0] === 'true');
    }
    if (parts[0] !== 'containerLogs' || parts.length !== 4 || req.method !== 'GET') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }); res.end('404 page not found\n'); return;
    }
    const [, ns, podName, container] = parts;
    const worker = this.o.findPod(ns, podName);
    if (!worker) return plain(res, 404, `pod "${podName}" not found`);
    const previous = queryBool(url.searchParams, 'previous');
    const inst = worker.containerInstance(container, previous);
    if (!inst) return plain(res, 400, `container ${container} is not valid for pod ${podName}`);
    if (previous && !inst.logPath) return plain(res, 400, `previous terminated container "${container}" in pod "${podName}" not found`);
    if (!inst.logPath) return plain(res, 400, `container "${container}" in pod "${podName}" is waiting to start: ${inst.waitingReason ?? 'ContainerCreating'}`);
    const opts = parseLogOptions(url.searchParams);
    if (previous) opts.follow = false;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    try {
      await streamLog(inst.logPath, opts, res, this.o.now(), inst.running ? inst.exited : Promise.resolve());
    } finally {
      res.end();
    }
  }

  /** serveResourceMetrics is the kubelet's /metrics/resource: usage measured now, in the Prometheus text format. */
  private async serveResourceMetrics(res: http.ServerResponse): Promise<void> {
    this.stats ??= this.o.stats ?? new ResourceAnalyzer({ runtime: this.o.runtime, now: () => this.o.now() });
    try {
      const body = formatResourceMetrics(await this.stats.collect());
      res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE });
      res.end(body);
    } catch (e) {
      plain(res, 500, `failed to collect resource metrics: ${(e as Error).message}`);
    }
  }

  /** serveCadvisorMetrics is the kubelet's /metrics/cadvisor: each running container's series, measured now. */
  private async serveCadvisorMetrics(res: http.ServerResponse): Promise<void> {
    this.stats ??= this.o.stats ?? new ResourceAnalyzer({ runtime: this.o.runtime, now: () => this.o.now() });
    try {
      const body = formatCadvisorMetrics(await this.stats.collect());
      res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE });
      res.end(body);
    } catch (e) {
      log.error(e, 'Failed to collect container metrics');
      plain(res, 500, `failed to collect container metrics: ${(e as Error).message}`);
    }
  }

  private async serveOwnMetrics(res: http.ServerResponse, text: () => Promise<string>): Promise<void> {
    const body = await text();
    res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE });
    res.end(body);
  }

  private async serveRunningPods(res: http.ServerResponse): Promise<void> {
    try {
      json(res, runningPodList(await this.o.runtime.listContainers({ phase: 'running' })) + '\n');
    } catch (e) {
      log.error(e, 'Failed to list running pods');
      plain(res, 500, `failed to list running pods: ${(e as Error).message}`);
    }
  }

  private async serveSummary(res: http.ServerResponse, summary: Pick<SummaryProvider, 'get'>, onlyCpuAndMemory: boolean): Promise<void> {
    try {
      // go-restful's WriteAsJson: indented by one space, no newline at the end
      json(res, JSON.stringify(await summary.get(onlyCpuAndMemory), null, 1));
    } catch (e) {
      log.error(e, 'HTTP InternalServerError serving', { request: '/stats/summary' });
      plain(res, 500, `Internal Error: ${(e as Error).message}`);
    }
  }

  /**
   * portForward serves /portForward/NS/POD (kubelet's route; the API server proxies pods/portforward
   * here): SPDY/3.1 on the upgraded connection, or SPDY tunnelled in a WebSocket as kubectl 1.31+ asks.
   */
  private portForward(req: http.IncomingMessage, socket: Duplex, head: Buffer, ns: string, podName: string): void {
    const worker = this.o.findPod(ns, podName);
    const reject = (code: number, msg: string) => { socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${msg}`); };
    if (!worker) return reject(404, `pod "${podName}" not found`);
    const pod = worker.current;
    const sandboxId = worker.readySandboxId;
    const runtime = this.o.runtime;
    const target: PodTarget = {
      name: podName, namespace: ns, uid: pod.metadata?.uid ?? '', ip: pod.status?.podIP ?? '',
      ...(sandboxId && runtime.portForward ? { sandbox: { id: sandboxId, connect: (port: number) => runtime.portForward!(sandboxId, port) } } : {}),
    };
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (upgrade === 'websocket') {
      const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
      if (!offered.includes(SPDY_TUNNEL_PROTOCOL)) return reject(400, `port forwarding over WebSocket needs the ${SPDY_TUNNEL_PROTOCOL} protocol`);
      acceptTunnel(this.portForwardWss, req, socket, head, (ws) => { serveTunnel(ws, target); });
      return;
    }
    if (!upgrade.startsWith('spdy/3.1')) return reject(400, 'unable to upgrade: missing upgrade headers in request');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`);
    serveSpdy(socket, head, target);
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    // Upgraded connections are no longer the HTTP server's: close() must end them itself.
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
    const url = new URL(req.url ?? '/', 'http://agent');
    const reject = (code: number, msg: string) => {
      socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${msg}`);
    };
    if (!this.authorized(req)) return reject(401, 'Unauthorized');
    const parts = pathSegments(url.pathname);
    if (!parts) return reject(400, `invalid URL escape in ${JSON.stringify(url.pathname)}`);
    if ((parts[0] === 'portforward' || parts[0] === 'portForward') && parts.length === 3) return this.portForward(req, socket, head, parts[1], parts[2]);
    if ((parts[0] !== 'exec' && parts[0] !== 'attach') || parts.length !== 4) return reject(404, '404 page not found');
    const [kind, ns, podName, container] = parts;
    const q = url.searchParams;
    const flag = (k: string) => queryBool(q, k);
    const streams = { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty') };
    const argv = q.getAll('command');
    const worker = this.o.findPod(ns, podName);
    const inst = worker?.containerInstance(container);
    if (String(req.headers.upgrade ?? '').toLowerCase().startsWith('spdy/3.1')) {
      // client-go's SPDY executor (Go clients): streams per channel on the upgraded connection.
      const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((p) => p.trim());
      const proto = negotiateSpdyProtocol(offered);
      if (!proto) return reject(403, `unable to upgrade: no common protocol (offered ${offered.join(', ')})`);
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${proto}\r\n\r\n`);
      serveSpdyExec(socket, head, streams, argv, async () => {
        if (!worker) throw new Error(`pod "${podName}" not found`);
        if (!inst?.id || !inst.running) throw new Error(`container ${container} is not running in pod ${podName}`);
        if (kind === 'exec') {
          if (!argv.length) throw new Error('you must specify at least 1 command');
          return startExec(this.o.runtime, inst.id, argv, { stdin: streams.stdin, tty: streams.tty });
        }
        if (!this.o.runtime.attach) throw new Error('attach is not supported for this container');
        // It may have exited since the check above.
        const att = await this.o.runtime.attach(inst.id);
        if (!att) throw new Error(`container ${container} is not running in pod ${podName}`);
        const exit = (inst.exited ?? Promise.resolve()).then(() => 0);
        return { stdin: streams.stdin ? att.stdin : null, stdout: att.output, stderr: null, resize() {}, exit, kill() { att.output.destroy(); } };
      });
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const fail = (msg: string) => {
        ws.send(Buffer.concat([Buffer.from([Channel.error]), Buffer.from(JSON.stringify(errorStatus(msg)))]));
        ws.close(1000);
      };
      if (!worker) return fail(`pod "${podName}" not found`);
      if (!inst?.id || !inst.running) return fail(`container ${container} is not running in pod ${podName}`);
      const id = inst.id;
      void (async () => {
        if (kind === 'exec') {
          if (!argv.length) return fail('you must specify at least 1 command');
          const session = await startExec(this.o.runtime, id, argv, { stdin: streams.stdin, tty: streams.tty });
          serveExec(ws, session, streams, argv);
        } else {
          if (!this.o.runtime.attach) return fail('attach is not supported for this container');
          // It may have exited since the check above.
          const att = await this.o.runtime.attach(id);
          if (!att) return fail(`container ${container} is not running in pod ${podName}`);
          // An attach ends with the container and always reports Success (the kubelet's ServeAttach):
          // the container's exit code is its status's business, not the attaching client's.
          const exit = (inst.exited ?? Promise.resolve()).then(() => 0);
          serveExec(ws, {
            stdin: streams.stdin ? att.stdin : null, stdout: att.output, stderr: null,
            resize(cols, rows) { att.resize?.(cols, rows); }, exit, kill() { att.output.destroy(); },
          }, streams, argv);
        }
      })().catch((e: unknown) => fail((e as Error).message));
    });
  }
}

function json(res: http.ServerResponse, body: string): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(body);
}

function plain(res: http.ServerResponse, code: number, msg: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain' });
  res.end(msg);
}

/** pathSegments splits and unescapes a request path; undefined for a malformed escape (%zz), which must not throw out of a listener. */
export function pathSegments(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

