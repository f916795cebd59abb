import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import { FLAG_FIN, FrameParser, FrameType, ZlibContext, controlFrame, dataFrame, encodeHeaderBlock, type Frame } from './spdy/framer.js';
import { negotiateSpdyProtocol, serveSpdyExec } from './exec-spdy.js';
import type { ExecSession } from '../../runtime/types.js';

/** A minimal spdystream client: opens streams, collects each stream's data and FIN. */
class Client {
  private readonly deflate = new ZlibContext('deflate');
  private readonly parser = new FrameParser();
  readonly data = new Map<number, Buffer[]>();
  readonly fin = new Set<number>();
  constructor(private readonly sock: { write(b: Buffer): void }, from: PassThrough) {
    from.on('data', (d: Buffer) => { for (const f of this.parser.push(d)) this.onFrame(f); });
  }
  private onFrame(f: Frame): void {
    if (f.control) return;
    this.data.set(f.streamId, [...(this.data.get(f.streamId) ?? []), f.payload]);
    if (f.flags & FLAG_FIN) this.fin.add(f.streamId);
  }
  async open(id: number, headers: Record<string, string>, fin = false): Promise<void> {
    const block = await this.deflate.process(encodeHeaderBlock(new Map(Object.entries(headers).map(([k, v]) => [k, [v]]))));
    const head = Buffer.alloc(10);
    head.writeUInt32BE(id, 0);
    this.sock.write(controlFrame(FrameType.SYN_STREAM, fin ? FLAG_FIN : 0, Buffer.concat([head, block])));
  }
  send(id: number, b: Buffer, fin = false): void { this.sock.write(dataFrame(id, fin ? FLAG_FIN : 0, b)); }
  text(id: number): string { return Buffer.concat(this.data.get(id) ?? []).toString(); }
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond());
}

/** fakeExec echoes stdin upper-cased to stdout, writes "warn" to stderr, and exits with code once stdin ends. */
function fakeExec(code: number): ExecSession {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let done!: (c: number) => void;
  const exit = new Promise<number>((r) => { done = r; });
  stdin.on('data', (d: Buffer) => stdout.write(d.toString().toUpperCase()));
  stdin.on('end', () => { stderr.end('warn'); stdout.end(); done(code); });
  return { stdin, stdout, stderr, resize() {}, exit, kill() {} };
}

function connect(code: number, argv: string[]) {
  const fromServer = new PassThrough();
  const socket = new Duplex({ read() {}, write(chunk: Buffer, _e, cb) { fromServer.write(chunk); cb(); } });
  serveSpdyExec(socket, Buffer.alloc(0), { stdin: true, stdout: true, stderr: true, tty: false }, argv, async () => fakeExec(code));
  return new Client({ write: (b: Buffer) => { socket.push(b); } }, fromServer);
}

test('SPDY exec (v4.channel.k8s.io): a stream per channel, stdin in, stdout/stderr out, success leaves the error stream empty', async () => {
  assert.equal(negotiateSpdyProtocol(['v4.channel.k8s.io', 'v3.channel.k8s.io']), 'v4.channel.k8s.io');
  assert.equal(negotiateSpdyProtocol(['v5.channel.k8s.io']), undefined);
  const c = connect(0, ['cat']);
  await c.open(1, { streamtype: 'error' }, true);
  await c.open(3, { streamtype: 'stdin' });
  await c.open(5, { streamtype: 'stdout' }, true);
  await c.open(7, { streamtype: 'stderr' }, true);
  c.send(3, Buffer.from('hello'), true);
  await until(() => c.fin.has(1) && c.fin.has(5) && c.fin.has(7));
  assert.equal(c.text(5), 'HELLO');
  assert.equal(c.text(7), 'warn');
  assert.equal(c.text(1), '');
});

test('SPDY exec: a non-zero exit is a NonZeroExitCode Status on the error stream', async () => {
  const c = connect(3, ['sh', '-c', 'exit 3']);
  await c.open(1, { streamtype: 'error' }, true);
  await c.open(3, { streamtype: 'stdin' });
  await c.open(5, { streamtype: 'stdout' }, true);
  await c.open(7, { streamtype: 'stderr' }, true);
  c.send(3, Buffer.alloc(0), true);
  await until(() => c.fin.has(1));
  assert.deepEqual(JSON.parse(c.text(1)), {
    metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
    message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
});
