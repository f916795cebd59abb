import http from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { FLAG_FIN, FrameParser, FrameType, ZlibContext, controlFrame, dataFrame, encodeHeaderBlock, type Frame } from '../../agent/server/spdy/framer.js';
import type { ExecSession } from '../types.js';

// The client side of the CRI's streaming protocol: Exec and Attach answer a URL on the runtime's
// streaming server (containerd's, on 127.0.0.1), which speaks Kubernetes' remotecommand protocol
// over SPDY/3.1, as a kubelet's would. The agent connects to it as client-go's SPDY executor does:
// an HTTP upgrade, then one stream per channel (error, stdin, stdout, stderr, resize), stdin's FIN
// as end of input, and the error stream's Status as the exit code (protocol v4.channel.k8s.io).

/** REMOTECOMMAND_PROTOCOL is the one version this client speaks (Status on the error stream, resize stream). */
export const REMOTECOMMAND_PROTOCOL = 'v4.channel.k8s.io';

/** StreamOptions say which channels the session has (as the Exec/Attach request said). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A Kubernetes Status, as the error stream carries it. */
interface Status {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/**
 * exitCodeOf reads the error stream's content: empty or a Success Status is 0, NonZeroExitCode's
 * ExitCode cause is the code, anything else is an error (thrown, with its message).
 */
export function exitCodeOf(errorStream: string): number {
  if (!errorStream.trim()) return 0;
  let st: Status;
  try {
    st = JSON.parse(errorStream) as Status;
  } catch {
    throw new Error(errorStream.trim());
  }
  if (st.status === 'Success') return 0;
  if (st.reason === 'NonZeroExitCode') {
    const cause = st.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return code;
  }
  throw new Error(st.message || errorStream.trim());
}

/** upgrade POSTs to the streaming URL asking for SPDY/3.1 and resolves with the upgraded socket. */
function upgrade(url: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': REMOTECOMMAND_PROTOCOL },
    });
    req.on('upgrade', (res, socket, head) => {
      if (res.headers['x-stream-protocol-version'] !== REMOTECOMMAND_PROTOCOL) {
        socket.destroy();
        reject(new Error(`streaming server did not agree to ${REMOTECOMMAND_PROTOCOL} (answered ${String(res.headers['x-stream-protocol-version'])})`));
        return;
      }
      if (head.length) socket.unshift(head);
      resolve(socket as Socket);
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(new Error(`streaming server answered ${res.statusCode}: ${body.trim()}`)));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * openStreamSession connects to an Exec or Attach URL and gives the session: stdin (FIN on end),
 * stdout, stderr (absent with a tty), resize, exit (from the error stream) and kill (drops the connection).
 */
export async function openStreamSession(url: string, o: StreamOptions): Promise<ExecSession> {
  const socket = await upgrade(url);
  const deflate = new ZlibContext('deflate');
  const parser = new FrameParser();
  const send = (b: Buffer) => { if (!socket.destroyed) socket.write(b); };

  // Client streams have odd ids. The resize stream comes right after the error stream (client-go
  // opens it last): a server may start the session once the streams it must have are there, and
  // a resize stream opened later could then go unheard.
  let next = 1;
  const ids = { error: next, stdin: 0, stdout: 0, stderr: 0, resize: 0 };
  next += 2;
  if (o.tty) { ids.resize = next; next += 2; }
  if (o.stdin) { ids.stdin = next; next += 2; }
  if (o.stdout) { ids.stdout = next; next += 2; }
  if (o.stderr && !o.tty) { ids.stderr = next; next += 2; }
  const open = async (id: number, type: string) => {
    if (!id) return;
    const block = await deflate.process(encodeHeaderBlock(new Map([['streamtype', [type]]])));
    const head = Buffer.alloc(10);
    head.writeUInt32BE(id, 0);
    send(controlFrame(FrameType.SYN_STREAM, 0, Buffer.concat([head, block])));
  };
  await open(ids.error, 'error');
  // The client never writes to the error stream: close its side at once, as client-go does.
  send(dataFrame(ids.error, FLAG_FIN, Buffer.alloc(0)));
  await open(ids.resize, 'resize');
  await open(ids.stdin, 'stdin');
  await open(ids.stdout, 'stdout');
  await open(ids.stderr, 'stderr');
  deflate.close();

  const stdout = new PassThrough();
  const stderr = ids.stderr ? new PassThrough() : null;
  const errorChunks: Buffer[] = [];
  let errorDone!: () => void;
  const errorEnded = new Promise<void>((resolve) => (errorDone = resolve));
  const outputs = new Map<number, PassThrough>([[ids.stdout, stdout]]);
  if (stderr) outputs.set(ids.stderr, stderr);

  const onFrame = (f: Frame) => {
    if (!f.control) {
      if (f.streamId === ids.error) {
        if (f.payload.length) errorChunks.push(f.payload);
        if (f.flags & FLAG_FIN) errorDone();
        return;
      }
      const out = outputs.get(f.streamId);
      if (!out) return;
      if (f.payload.length) out.write(f.payload);
      if (f.flags & FLAG_FIN) out.end();
      return;
    }
    if (f.type === FrameType.PING) send(controlFrame(FrameType.PING, 0, f.payload));
    else if (f.type === FrameType.GOAWAY) socket.end();
    else if (f.type === FrameType.RST_STREAM) {
      const id = f.payload.readUInt32BE(0) & 0x7fffffff;
      if (id === ids.error) errorDone();
      outputs.get(id)?.end();
    }
    // SYN_REPLY (the server accepted a stream), SETTINGS, WINDOW_UPDATE: nothing to do (spdystream enforces no windows).
  };
  socket.on('data', (d: Buffer) => { for (const f of parser.push(d)) onFrame(f); });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => { /* the close that follows ends the session */ });
  void closed.then(() => {
    errorDone();
    stdout.end();
    stderr?.end();
  });

  const stdin = ids.stdin ? new Writable({
    write(chunk: Buffer, _enc, cb) { send(dataFrame(ids.stdin, 0, chunk)); cb(); },
    final(cb) { send(dataFrame(ids.stdin, FLAG_FIN, Buffer.alloc(0))); cb(); },
  }) : null;

  let killed = false;
  // The session is over when the server has sent its status and the outputs are drained; then the connection goes.
  const exit = errorEnded.then(() => {
    const text = Buffer.concat(errorChunks).toString();
    if (killed && !text) return 137;
    try {
      return exitCodeOf(text);
    } catch (e) {
      (stderr ?? stdout).write(`${(e as Error).message}\n`);
      return 126;
    }
  }).finally(() => {
    // Outputs end with their FIN; a server that sent none ends them with the connection.
    setImmediate(() => socket.end());
  });

  return {
    stdin,
    stdout,
    stderr,
    exit,
    resize(cols: number, rows: number) {
      if (ids.resize) send(dataFrame(ids.resize, 0, Buffer.from(JSON.stringify({ Width: cols, Height: rows }))));
    },
    kill() {
      killed = true;
      socket.destroy();
    },
  };
}

/**
 * deferredSession is a session usable at once whose connection is made in the background: input
 * written (and a size set) before the runtime's stream is up is kept and delivered once it is.
 * The agent's exec endpoints read their client's stdin from the moment runtime.exec resolves;
 * the Exec call and the SPDY upgrade take round trips that input must not be lost in. A failed
 * connection ends the output with its message and exit code 126 (the command could not be run).
 */
export function deferredSession(connect: () => Promise<ExecSession>, o: { stdin: boolean; tty: boolean }): ExecSession {
  const stdin = o.stdin ? new PassThrough() : null;
  const stdout = new PassThrough();
  const stderr = o.tty ? null : new PassThrough();
  let real: ExecSession | undefined;
  let size: [number, number] | undefined;
  let killed = false;
  const exit = connect().then((s) => {
    real = s;
    if (killed) s.kill();
    if (size) s.resize(...size);
    if (stdin && s.stdin) stdin.pipe(s.stdin);
    s.stdout.pipe(stdout);
    if (stderr) (s.stderr ?? s.stdout).pipe(stderr, { end: !!s.stderr });
    return s.exit;
  }, (e: unknown) => {
    stdin?.resume();
    (stderr ?? stdout).write(`${(e as Error).message}\n`);
    stdout.end();
    stderr?.end();
    return 126;
  });
  return {
    stdin, stdout, stderr, exit,
    resize(cols, rows) { if (real) real.resize(cols, rows); else size = [cols, rows]; },
    kill() { killed = true; real?.kill(); },
  };
}
