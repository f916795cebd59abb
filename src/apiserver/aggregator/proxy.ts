/**
 * The aggregator's proxy (kube-aggregator's proxyHandler over apimachinery's UpgradeAwareHandler):
 * a request for an extension API goes over HTTPS to the endpoint picked for its Service, trusting
 * spec.caBundle (or nothing, with insecureSkipTLSVerify) for the name <service>.<namespace>.svc,
 * with the user's identity in X-Remote-* headers. Bodies are streamed both ways, so watches flow
 * as the extension server writes them; an upgrade (SPDY, WebSocket) becomes a byte pipe. Failures
 * are answered as Kubernetes answers them: plain text with 503.
 */
import https from 'node:https';
import tls from 'node:tls';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { goNetError } from '../../admission/webhook/client.js';
import { log } from '../../util/log.js';
import type { UserInfo } from '../authn.js';
import { isHopByHop, proxyRequestHeaders } from './headers.js';
import type { EndpointAddress } from './resolver.js';

const logger = log.child({ component: 'aggregator' });

/**
 * newProxyAgent keeps connections to extension servers open between requests, as the aggregator's
 * transport does (a TLS handshake per request cost three times the request). Connections are told
 * apart by their TLS settings (CA, client certificate, server name), part of the agent's key.
 */
export function newProxyAgent(): https.Agent {
  return new https.Agent({ keepAlive: true, maxFreeSockets: 16, timeout: 60_000 });
}

/** ProxyTarget is where and how one proxied request goes. */
export interface ProxyTarget {
  address: EndpointAddress;
  /** the name the serving certificate must carry: <service>.<namespace>.svc */
  serverName: string;
  /** PEM CA bundle to trust */
  ca?: string;
  insecureSkipTLSVerify: boolean;
  /** the front proxy's client certificate, presented to the server */
  client?: { cert: string; key: string };
}

/** tlsOptions are the client TLS settings for target (shared by requests, upgrades and discovery checks). */
export function tlsOptions(target: ProxyTarget): https.RequestOptions {
  const ip = /^[\d.]+$|:/.test(target.serverName);
  return {
    host: target.address.host, port: target.address.port,
    servername: ip ? undefined : target.serverName,
    ca: target.ca, rejectUnauthorized: !target.insecureSkipTLSVerify,
    cert: target.client?.cert, key: target.client?.key,
    // The endpoint is dialled by IP, but its certificate names the service.
    checkServerIdentity: (_host, cert) => tls.checkServerIdentity(target.serverName, cert),
    agent: false,
  };
}

/** httpError writes Go's http.Error: text/plain, the message and a newline. */
export function httpError(res: ServerResponse, code: number, message: string): void {
  if (res.headersSent) { res.destroy(); return; }
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${message}\n`);
}

/** proxyRequest sends req to target as user and streams the answer into res (over agent's kept-alive connections when given). */
export function proxyRequest(req: IncomingMessage, res: ServerResponse, url: URL, target: ProxyTarget, user: UserInfo, agent?: https.Agent): Promise<void> {
  return new Promise<void>((resolve) => {
    const headers = proxyRequestHeaders(req.headers, user, req.socket.remoteAddress, false);
    const upstream = https.request({ ...tlsOptions(target), ...(agent ? { agent } : {}), method: req.method, path: `${url.pathname}${url.search}`, headers }, (up) => {
      const out: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !isHopByHop(k, up.headers.connection)) out[k] = v;
      res.writeHead(up.statusCode ?? 502, up.statusMessage, out);
      // Each chunk goes out as it comes: watch events must not wait for a buffer to fill.
      up.on('data', (chunk: Buffer) => { res.write(chunk); });
      up.on('end', () => { res.end(); resolve(); });
      up.on('error', () => { res.destroy(); resolve(); });
    });
    upstream.on('error', (e: NodeJS.ErrnoException) => {
      logger.v(2).info('proxying to an extension API server failed', { host: target.address.host, port: target.address.port, err: e.message });
      // UpgradeAwareHandler's responder: the dial or TLS error, as Go words it, with 503.
      httpError(res, 503, goNetError(e, target.address.host, target.address.port));
      resolve();
    });
    // A client that goes away (a watch ended with ^C) ends the upstream request too.
    res.on('close', () => { if (!res.writableFinished) upstream.destroy(); });
    req.pipe(upstream);
  });
}

/** proxyUpgrade connects an upgrade request (exec, port-forward, WebSocket watch) to target and pipes the two connections. */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, target: ProxyTarget, user: UserInfo): void {
  const headers = proxyRequestHeaders(req.headers, user, req.socket.remoteAddress, true);
  const upstream = https.request({ ...tlsOptions(target), method: req.method, path: `${url.pathname}${url.search}`, headers });
  upstream.on('upgrade', (up, upSocket, upHead) => {
    const lines = [`HTTP/1.1 ${up.statusCode ?? 101} ${up.statusMessage ?? 'Switching Protocols'}`];
    for (let i = 0; i < up.rawHeaders.length; i += 2) lines.push(`${up.rawHeaders[i]}: ${up.rawHeaders[i + 1]}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (upHead.length) socket.write(upHead);
    if (head.length) upSocket.write(head);
    upSocket.pipe(socket);
    socket.pipe(upSocket);
    const close = () => { upSocket.destroy(); socket.destroy(); };
    upSocket.on('error', close);
    socket.on('error', close);
    upSocket.on('close', close);
    socket.on('close', close);
  });
  // The extension server refused the upgrade: its answer goes back as it is.
  upstream.on('response', (up) => {
    const chunks: Buffer[] = [];
    up.on('data', (c: Buffer) => chunks.push(c));
    up.on('end', () => {
      const body = Buffer.concat(chunks);
      const lines = [`HTTP/1.1 ${up.statusCode ?? 502} ${up.statusMessage ?? http.STATUS_CODES[up.statusCode ?? 502] ?? ''}`];
      for (let i = 0; i < up.rawHeaders.length; i += 2) {
        if (!isHopByHop(up.rawHeaders[i]) && up.rawHeaders[i].toLowerCase() !== 'content-length') lines.push(`${up.rawHeaders[i]}: ${up.rawHeaders[i + 1]}`);
      }
      lines.push(`Content-Length: ${body.length}`, 'Connection: close');
      socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]));
    });
  });
  upstream.on('error', (e: NodeJS.ErrnoException) => {
    const msg = `${goNetError(e, target.address.host, target.address.port)}\n`;
    socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(msg)}\r\nConnection: close\r\n\r\n${msg}`);
  });
  socket.on('error', () => upstream.destroy());
  upstream.end();
}
