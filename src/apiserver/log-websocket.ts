/**
 * pods/log over a WebSocket, as kube-apiserver serves any streamed GET when the client asks for an
 * upgrade (wsstream's Reader): each chunk of the log is one message — binary for the
 * "binary.k8s.io" protocol (and none), base64 text for "base64.binary.k8s.io".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/** LOG_STREAM_PROTOCOLS are the sub-protocols of a streamed log, best first. */
export const LOG_STREAM_PROTOCOLS = ['binary.k8s.io', 'base64.binary.k8s.io'];

const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => LOG_STREAM_PROTOCOLS.find((x) => p.has(x)) ?? false });

/**
 * serveLogWebSocket completes the WebSocket handshake and hands `stream` a response-like sink whose
 * body becomes the messages; the socket closes when the body ends (or the stream fails).
 */
export function serveLogWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, stream: (res: ServerResponse) => Promise<void>): void {
  wss.handleUpgrade(req, socket, head, (ws) => {
    const sink = logSink(ws);
    stream(sink as unknown as ServerResponse)
      .catch((e: unknown) => { if (ws.readyState === ws.OPEN) ws.close(1011, String((e as Error).message ?? e).slice(0, 120)); });
  });
}

/** logSink is a Writable with writeHead: a non-200 answer closes the socket, the body goes out as messages. */
function logSink(ws: WebSocket): Writable & { writeHead(code: number, headers?: Record<string, string>): void } {
  const base64 = ws.protocol === 'base64.binary.k8s.io';
  let failed = false;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!failed && ws.readyState === ws.OPEN) ws.send(base64 ? chunk.toString('base64') : chunk, { binary: !base64 });
      cb();
    },
    final(cb) {
      if (ws.readyState === ws.OPEN) ws.close(1000);
      cb();
    },
  });
  ws.on('close', () => sink.destroy());
  return Object.assign(sink, {
    writeHead(code: number) { if (code !== 200) { failed = true; ws.close(1011, `log stream answered ${code}`); } },
  });
}
