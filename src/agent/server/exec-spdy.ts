/**
 * exec and attach over SPDY/3.1 (kubelet's remotecommand server, protocol v4.channel.k8s.io), as
 * Go clients built on client-go's SPDY executor ask (POST with Upgrade: SPDY/3.1; kubectl itself
 * uses WebSockets). The client opens one stream per channel — error, stdin, stdout, stderr, resize
 * — named by the streamtype header; the agent waits for the ones the request asked for, copies the
 * process's output to them, and writes the exit Status (JSON) to the error stream before closing.
 */
import type { Duplex } from 'node:stream';
import type { ExecSession } from '../../runtime/types.js';
import { SpdySession, type SpdyStream } from './spdy/session.js';
import { errorStatus, exitStatus, type RemoteStreams } from './remotecommand.js';

/** SPDY_REMOTECOMMAND_PROTOCOLS are the versions served, best first (v4: Status JSON on the error stream). */
export const SPDY_REMOTECOMMAND_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** negotiateSpdyProtocol picks the protocol from the client's X-Stream-Protocol-Version offers (undefined: none shared). */
export function negotiateSpdyProtocol(offered: string[]): string | undefined {
  return SPDY_REMOTECOMMAND_PROTOCOLS.find((p) => offered.includes(p));
}

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

/**
 * serveSpdyExec runs a remotecommand session on an upgraded socket (the 101 already sent): once the
 * expected streams are open, start() gives the process, whose output and exit are reported.
 */
export function serveSpdyExec(socket: Duplex, head: Buffer, streams: RemoteStreams, argv: string[], start: () => Promise<ExecSession>): void {
  const got = new Map<StreamType, SpdyStream>();
  const want: StreamType[] = ['error', ...(streams.stdin ? ['stdin' as const] : []), ...(streams.stdout ? ['stdout' as const] : []),
    ...(streams.stderr && !streams.tty ? ['stderr' as const] : [])];
  let started = false;
  const session = new SpdySession({ write: (b) => { if (!socket.destroyed) socket.write(b); }, end: () => socket.end() }, (s) => {
    const type = s.header('streamtype') as StreamType | undefined;
    if (!type || !['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type)) { s.reset(); return; }
    s.on('error', () => undefined);
    got.set(type, s);
    if (!started && want.every((t) => got.has(t))) { started = true; void run(); }
  });
  socket.on('data', (d: Buffer) => session.feed(d));
  // The client closing its half ends the session: a half-open socket would hold the server open.
  socket.on('end', () => { session.close(); socket.end(); });
  socket.on('close', () => session.close());
  socket.on('error', () => session.close());
  if (head.length) session.feed(head);

  const run = async () => {
    const errorStream = got.get('error')!;
    errorStream.resume();
    const finish = (status: Record<string, unknown>) => {
      // A Success carries no body in v4: the client treats an empty error stream as success.
      if (status.status !== 'Success') errorStream.write(JSON.stringify(status));
      for (const s of got.values()) if (!s.writableEnded) s.end();
      setTimeout(() => { session.close(); socket.end(); }, 100);
    };
    let exec: ExecSession;
    try {
      exec = await start();
    } catch (e) {
      finish(errorStatus((e as Error).message));
      return;
    }
    const stdin = got.get('stdin');
    if (stdin && exec.stdin) stdin.pipe(exec.stdin);
    else stdin?.resume();
    const resize = got.get('resize');
    resize?.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        try { const s = JSON.parse(line) as { Width: number; Height: number }; exec.resize(s.Width, s.Height); } catch { /* not a size */ }
      }
    });
    socket.on('close', () => exec.kill());
    const drained: Promise<void>[] = [];
    const copy = (src: NodeJS.ReadableStream | null, dst: SpdyStream | undefined) => {
      if (!src) return;
      drained.push(new Promise((resolve) => {
        src.on('data', (d: Buffer) => { if (dst && !dst.writableEnded) dst.write(d); });
        src.on('end', resolve);
        src.on('close', resolve);
        src.on('error', resolve);
      }));
    };
    copy(exec.stdout, got.get('stdout'));
    copy(exec.stderr, got.get('stderr'));
    const code = await exec.exit;
    await Promise.race([Promise.all(drained), new Promise((r) => setTimeout(r, 500))]);
    finish(exitStatus(code, argv));
  };
}
