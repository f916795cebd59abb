import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { FLAG_FIN, FrameParser, FrameType, ZlibContext, controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, type Frame } from './spdy/framer.js';
import { serveSpdy } from './portforward.js';

/** A minimal SPDY client (what spdystream does for kubectl): opens streams, reads frames. */
class Client {
  private readonly deflate = new ZlibContext('deflate');
  private readonly inflate = new ZlibContext('inflate');
  private readonly parser = new FrameParser();
  readonly frames: Frame[] = [];
  readonly data = new Map<number, Buffer[]>();
  readonly fin = new Set<number>();
  constructor(private readonly sock: { write(b: Buffer): void }, from: PassThrough) {
    from.on('data', (d: Buffer) => { for (const f of this.parser.push(d)) this.onFrame(f); });
  }
  private onFrame(f: Frame): void {
    this.frames.push(f);
    if (!f.control) {
      this.data.set(f.streamId, [...(this.data.get(f.streamId) ?? []), f.payload]);
      if (f.flags & FLAG_FIN) this.fin.add(f.streamId);
    }
  }
  async open(id: number, headers: Record<string, string>, fin = false): Promise<void> {
    const block = await this.deflate.process(encodeHeaderBlock(new Map(Object.entries(headers).map(([k, v]) => [k, [v]]))));
    const head = Buffer.alloc(10);
    head.writeUInt32BE(id, 0);
    this.sock.write(controlFrame(FrameType.SYN_STREAM, fin ? FLAG_FIN : 0, Buffer.concat([head, block])));
  }
  send(id: number, b: Buffer, fin = false): void { this.sock.write(dataFrame(id, fin ? FLAG_FIN : 0, b)); }
  text(id: number): string { return Buffer.concat(this.data.get(id) ?? []).toString(); }
  async replyHeaders(): Promise<number> {
    const reply = this.frames.find((f) => f.control && f.type === FrameType.SYN_REPLY);
    if (!reply || !reply.control) return -1;
    assert.equal(decodeHeaderBlock(await this.inflate.process(reply.payload.subarray(4))).size, 0);
    return reply.payload.readUInt32BE(0);
  }
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond());
}

test('port-forward over SPDY: error and data streams paired by request id, bytes both ways, errors on the error stream, pings echoed', async () => {
  const upper = net.createServer((s) => s.on('data', (d) => s.write(d.toString().toUpperCase())).on('end', () => s.end()));
  await new Promise<void>((r) => upper.listen(0, '127.0.0.1', () => r()));
  const port = (upper.address() as net.AddressInfo).port;
  const fromServer = new PassThrough();
  const socket = new Duplex({ read() {}, write(chunk: Buffer, _e, cb) { fromServer.write(chunk); cb(); } });
  const toServer = { write: (b: Buffer) => { socket.push(b); } };
  serveSpdy(socket, Buffer.alloc(0), { name: 'web', namespace: 'default', uid: 'u1', ip: '127.0.0.1' });
  const c = new Client(toServer, fromServer);
  try {
    await c.open(1, { streamtype: 'error', port: String(port), requestid: '0' }, true);
    await c.open(3, { streamtype: 'data', port: String(port), requestid: '0' });
    await until(() => c.frames.filter((f) => f.control && f.type === FrameType.SYN_REPLY).length === 2);
    assert.equal(await c.replyHeaders(), 1);
    c.send(3, Buffer.from('hello'));
    await until(() => c.text(3) === 'HELLO');
    c.send(3, Buffer.alloc(0), true);
    await until(() => c.fin.has(3) && c.fin.has(1));
    assert.equal(c.text(1), '', 'no error');
    // A port nobody listens on: the error stream says so.
    upper.close();
    await c.open(5, { streamtype: 'error', port: String(port), requestid: '1' }, true);
    await c.open(7, { streamtype: 'data', port: String(port), requestid: '1' });
    await until(() => c.fin.has(5));
    assert.equal(c.text(5), `error forwarding port ${port} to pod default/web, uid u1: dial tcp4 127.0.0.1:${port}: connect: connection refused`);
    const ping = Buffer.alloc(4);
    ping.writeUInt32BE(1);
    toServer.write(controlFrame(FrameType.PING, 0, ping));
    await until(() => c.frames.some((f) => f.control && f.type === FrameType.PING));
  } finally {
    upper.close();
  }
});
