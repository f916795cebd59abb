/**
 * Test helpers for the node agent's SPDY endpoints (exec, attach, port-forward): a minimal
 * spdystream client, as kubectl's, wired to a server-side socket in memory.
 */
import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import { FLAG_FIN, FrameParser, FrameType, ZlibContext, controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, type Frame } from '../spdy/framer.js';

/** SpdyTestClient opens streams, records every frame, and collects each stream's data and FIN. */
export class SpdyTestClient {
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
  /** open sends SYN_STREAM for stream `id` with `headers` (FIN when the client will not write to it). */
  async open(id: number, headers: Record<string, string>, fin = false): Promise<void> {
    const block = await this.deflate.process(encodeHeaderBlock(new Map(Object.entries(headers).map(([k, v]) => [k, [v]]))));
    const head = Buffer.alloc(10);
    head.writeUInt32BE(id, 0);
    this.sock.write(controlFrame(FrameType.SYN_STREAM, fin ? FLAG_FIN : 0, Buffer.concat([head, block])));
  }
  /** send writes a data frame on stream `id`. */
  send(id: number, b: Buffer, fin = false): void { this.sock.write(dataFrame(id, fin ? FLAG_FIN : 0, b)); }
  /** text is everything stream `id` received so far. */
  text(id: number): string { return Buffer.concat(this.data.get(id) ?? []).toString(); }
  /** replyHeaders is the stream id of the first SYN_REPLY (-1 if none yet); its header block must be empty. */
  async replyHeaders(): Promise<number> {
    const reply = this.frames.find((f) => f.control && f.type === FrameType.SYN_REPLY);
    if (!reply || !reply.control) return -1;
    assert.equal(decodeHeaderBlock(await this.inflate.process(reply.payload.subarray(4))).size, 0);
    return reply.payload.readUInt32BE(0);
  }
}

/** SpdyPipe is an in-memory connection: `socket` goes to the server under test, `client` talks to it. */
export interface SpdyPipe {
  socket: Duplex;
  client: SpdyTestClient;
  /** raw bytes to the server (frames the client class does not build, a PING say) */
  toServer: { write(b: Buffer): void };
}

/** spdyPipe makes the server's socket and a client on the other end. */
export function spdyPipe(): SpdyPipe {
  const fromServer = new PassThrough();
  const socket = new Duplex({ read() {}, write(chunk: Buffer, _e, cb) { fromServer.write(chunk); cb(); } });
  const toServer = { write: (b: Buffer) => { socket.push(b); } };
  return { socket, client: new SpdyTestClient(toServer, fromServer), toServer };
}

/** until polls `cond` every 10 ms, for up to 5 s, then asserts it. */
export async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond());
}
