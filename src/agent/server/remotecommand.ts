import type { WebSocket } from 'ws';
import { ExecStartError, type ExecSession, type ExecOptions, type Runtime } from '../../runtime/types.js';

/** Subprotocols of the WebSocket remotecommand protocol the agent speaks (kubectl 1.32 offers v5 first). */
export const REMOTECOMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'];

/** Channel numbers of the channel.k8s.io framing. */
export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** exitStatus is the Status kubectl reads from the error channel when the command ends. */
export function exitStatus(code: number, argv: string[]): Record<string, unknown> {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {}, status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/**
 * startExec starts a command in a container; a command the runtime could not start at all fails
 * with the words kubectl shows from a kubelet over containerd and runc ("Internal error occurred:
 * error executing command in container: failed to exec in container: failed to start exec …").
 */
export async function startExec(runtime: Runtime, id: string, argv: string[], opts: ExecOptions): Promise<ExecSession> {
  try {
    return await runtime.exec(id, argv, opts);
  } catch (e) {
    if (!(e instanceof ExecStartError)) throw e;
    // the kubelet's streaming server wraps the runtime's error in an InternalError Status
    throw new Error(`Internal error occurred: error executing command in container: ${e.runtimeMessage()}`);
  }
}

/** errorStatus is an internal failure on the error channel. */
export function errorStatus(message: string): Record<string, unknown> {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

/** RemoteStreams says which streams the client asked for. */
export interface RemoteStreams { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

/**
 * serveExec bridges a WebSocket (channel.k8s.io framing) and an exec session: stdin frames go to
 * the process, its stdout/stderr become frames 1/2, resize frames (4) resize the terminal, and the
 * exit is reported as a Status on channel 3 before the socket closes.
 */
export function serveExec(ws: WebSocket, session: ExecSession, streams: RemoteStreams, argv: string[]): void {
  const send = (ch: number, d: Buffer | string) => { if (ws.readyState === ws.OPEN) ws.send(frame(ch, d)); };
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (data.length === 0) return;
    const ch = data[0];
    const body = data.subarray(1);
    if (ch === Channel.stdin) session.stdin?.write(body);
    else if (ch === Channel.resize) {
      try {
        const size = JSON.parse(body.toString()) as { Width: number; Height: number };
        session.resize(size.Width, size.Height);
      } catch { /* ignore */ }
    } else if (ch === Channel.close && body[0] === Channel.stdin) session.stdin?.end();
  });
  ws.on('close', () => session.kill());
  ws.on('error', () => session.kill());
  let pending = 0;
  const drained: Promise<void>[] = [];
  const pipe = (src: NodeJS.ReadableStream | null, ch: number, wanted: boolean) => {
    if (!src) return;
    pending++;
    drained.push(new Promise((resolve) => {
      src.on('data', (d: Buffer) => { if (wanted) send(ch, d); });
      src.on('end', resolve);
      src.on('close', resolve);
      src.on('error', resolve);
    }));
  };
  pipe(session.stdout, Channel.stdout, streams.stdout);
  pipe(session.stderr, Channel.stderr, streams.stderr);
  void (async () => {
    const code = await session.exit;
    if (pending) await Promise.race([Promise.all(drained), new Promise((r) => setTimeout(r, 500))]);
    // v4/v5 report every exit as a Status; the first protocol (channel.k8s.io) writes the error
    // channel only when the command failed, as plain text.
    const status = exitStatus(code, argv);
    if (/^v[45]\./.test(ws.protocol)) send(Channel.error, JSON.stringify(status));
    else if (code !== 0) send(Channel.error, String(status.message));
    if (ws.readyState === ws.OPEN) ws.close(1000);
  })();
}
