/**
 * Port forwarding as kubelet serves it (pkg/kubelet/cri/streaming/portforward): the client opens,
 * per local connection, an error stream and a data stream carrying the same requestID and the
 * remote port; the agent dials the pod's address on that port and copies bytes both ways; a
 * failure is written to the error stream, which is closed when the connection is done. The
 * streams arrive over SPDY/3.1, either on the upgraded connection itself or tunnelled in
 * WebSocket binary messages (protocol SPDY/3.1+portforward.k8s.io, kubectl 1.31+).
 */
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { SpdySession, type SpdyStream } from './spdy/session.js';

/** PORT_FORWARD_PROTOCOL is the SPDY sub-protocol of port forwarding (portforward.k8s.io, version 2 with request ids). */
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** SPDY_TUNNEL_PROTOCOL is the WebSocket sub-protocol kubectl asks for to tunnel SPDY. */
export const SPDY_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

/** PodTarget is the pod forwarded to. */
export interface PodTarget {
  name: string; namespace: string; uid: string; ip: string;
  /**
   * the runtime's PortForward into the pod's sandbox (localhost:port in its network namespace);
   * errors then name the sandbox, as the CRI's streaming server does. Absent: the pod's IP is dialed.
   */
  sandbox?: { id: string; connect(port: number): Promise<Duplex> };
}

interface Pair { error?: SpdyStream; data?: SpdyStream; port?: number }

/** PortForwarder pairs a session's streams and forwards each pair to the pod. */
export class PortForwarder {
  private readonly pairs = new Map<string, Pair>();

  constructor(private readonly pod: PodTarget, private readonly dial: (host: string, port: number) => Duplex = (h, p) => net.connect(p, h)) {}

  /** onStream takes one new stream of the session. */
  onStream(s: SpdyStream): void {
    const type = s.header('streamtype');
    const id = s.header('requestid') ?? '';
    const port = Number(s.header('port'));
    const pair = this.pairs.get(id) ?? {};
    this.pairs.set(id, pair);
    if (type === 'error') pair.error = s;
    else if (type === 'data') pair.data = s;
    else { s.reset(); return; }
    pair.port = port;
    s.on('error', () => undefined);
    if (pair.error && pair.data) {
      this.pairs.delete(id);
      this.forward(pair.error, pair.data, port);
    }
  }

  private forward(errorStream: SpdyStream, data: SpdyStream, port: number): void {
    // The client never writes to the error stream; anything it sends there is drained.
    errorStream.resume();
    const fail = (msg: string) => {
      if (!errorStream.writableEnded) errorStream.end(`error forwarding port ${port} to pod ${this.pod.namespace}/${this.pod.name}, uid ${this.pod.uid}: ${msg}`);
      if (!data.writableEnded) data.end();
    };
    if (!(port > 0 && port < 65536)) return fail(`invalid port ${JSON.stringify(data.header('port'))}`);
    const sandbox = this.pod.sandbox;
    if (sandbox) {
      sandbox.connect(port).then((conn) => this.copy(conn, errorStream, data), (e: Error) => {
        // the CRI's streaming server knows the sandbox only: "pod <sandbox id>, uid " with no uid
        if (!errorStream.writableEnded) errorStream.end(`error forwarding port ${port} to pod ${sandbox.id}, uid : ${e.message}`);
        if (!data.writableEnded) data.end();
      });
      return;
    }
    if (!this.pod.ip) return fail('the pod has no IP address yet');
    const conn = this.dial(this.pod.ip, port);
    let connected = false;
    conn.once('connect', () => { connected = true; });
    conn.on('error', (e: NodeJS.ErrnoException) => {
      if (!connected) fail(`dial tcp4 ${this.pod.ip}:${port}: connect: ${e.code === 'ECONNREFUSED' ? 'connection refused' : e.message}`);
    });
    this.copy(conn, errorStream, data, () => connected);
  }

  /**
   * copy joins a pod connection and the session's streams, both ways. An error once it is
   * connected ends both streams (one before that was said on the error stream by the caller).
   */
  private copy(conn: Duplex, errorStream: SpdyStream, data: SpdyStream, connected: () => boolean = () => true): void {
    conn.on('error', () => {
      if (connected()) { data.destroy(); errorStream.end(); }
    });
    conn.pipe(data);
    data.pipe(conn);
    data.on('close', () => conn.destroy());
    // When the pod closes, the data stream ends (pipe) and then the error stream: the client's copy is done.
    conn.on('end', () => { if (!errorStream.writableEnded) errorStream.end(); });
    conn.on('close', () => { if (!errorStream.writableEnded) errorStream.end(); });
  }
}

/** serveSpdy runs a port-forward session over an upgraded socket (the 101 response already sent). */
export function serveSpdy(socket: Duplex, head: Buffer, pod: PodTarget): SpdySession {
  const fwd = new PortForwarder(pod);
  const session = new SpdySession({ write: (b) => { if (!socket.destroyed) socket.write(b); }, end: () => socket.end() }, (s) => fwd.onStream(s));
  socket.on('data', (d: Buffer) => session.feed(d));
  // The client closing its half ends the session: a half-open socket would hold the server open.
  socket.on('end', () => { session.close(); socket.end(); });
  socket.on('close', () => session.close());
  socket.on('error', () => session.close());
  if (head.length) session.feed(head);
  return session;
}

/** serveTunnel runs a port-forward session tunnelled in a WebSocket's binary messages. */
export function serveTunnel(ws: WebSocket, pod: PodTarget): SpdySession {
  const fwd = new PortForwarder(pod);
  const session = new SpdySession({
    write: (b) => { if (ws.readyState === ws.OPEN) ws.send(b, { binary: true }); },
    end: () => { if (ws.readyState === ws.OPEN) ws.close(1000); },
  }, (s) => fwd.onStream(s));
  ws.on('message', (d: Buffer | ArrayBuffer | Buffer[]) => session.feed(Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d as Buffer)));
  ws.on('close', () => session.close());
  ws.on('error', () => session.close());
  return session;
}

/** TUNNEL_TOKEN stands for SPDY_TUNNEL_PROTOCOL inside ws, which refuses names that are not tokens. */
const TUNNEL_TOKEN = 'tskube-spdy-portforward-tunnel';

/**
 * portForwardWebSocketServer accepts kubectl 1.31+'s port-forward WebSocket (SPDY tunnelled in
 * binary messages, subprotocol SPDY/3.1+portforward.k8s.io): the request's protocol is rewritten to
 * TUNNEL_TOKEN before the handshake, and the 101's Sec-WebSocket-Protocol names the real one again.
 */
export function portForwardWebSocketServer(): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has(TUNNEL_TOKEN) ? TUNNEL_TOKEN : false) });
  wss.on('headers', (headers: string[]) => {
    const i = headers.indexOf(`Sec-WebSocket-Protocol: ${TUNNEL_TOKEN}`);
    if (i >= 0) headers[i] = `Sec-WebSocket-Protocol: ${SPDY_TUNNEL_PROTOCOL}`;
  });
  return wss;
}

/** acceptTunnel completes a port-forward WebSocket handshake on a server from portForwardWebSocketServer. */
export function acceptTunnel(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer, done: (ws: WebSocket) => void): void {
  // ws takes only RFC 7230 tokens as subprotocol names ('/' is none): it negotiates the stand-in
  req.headers['sec-websocket-protocol'] = TUNNEL_TOKEN;
  wss.handleUpgrade(req, socket, head, done);
}
