/**
 * SpdySession is the server side of one SPDY/3.1 connection (what kubelet's httpstream/spdy
 * server connection does over moby/spdystream): the client opens streams (SYN_STREAM with
 * headers), each is answered with a SYN_REPLY and handed to onStream as a Duplex; PINGs are echoed;
 * GOAWAY or the transport's end closes everything. Flow control windows are not enforced (as
 * spdystream does not either).
 */
import { Duplex } from 'node:stream';
import { FLAG_FIN, FrameParser, FrameType, ZlibContext, controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, type Frame, type Headers } from './framer.js';

/** Transport is the byte pipe a session runs over (a socket, or a WebSocket tunnel). */
export interface Transport {
  write(b: Buffer): void;
  end(): void;
}

/** SpdyStream is one stream of a session: its headers, and a Duplex of its data. */
export class SpdyStream extends Duplex {
  constructor(readonly id: number, readonly headers: Headers, private readonly session: SpdySession) {
    super({ allowHalfOpen: true });
  }

  /** header returns one header's first value. */
  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  override _read(): void { /* data is pushed as frames arrive */ }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.session.send(dataFrame(this.id, 0, chunk));
    cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.session.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
    cb();
  }

  /** reset aborts the stream (RST_STREAM CANCEL). */
  reset(): void {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(this.id, 0);
    b.writeUInt32BE(5, 4);
    this.session.send(controlFrame(FrameType.RST_STREAM, 0, b));
    this.destroy();
  }
}

/** SpdySession serves one connection. */
export class SpdySession {
  private readonly parser = new FrameParser();
  private readonly inflate = new ZlibContext('inflate');
  private readonly deflate = new ZlibContext('deflate');
  private readonly streams = new Map<number, SpdyStream>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly transport: Transport, private readonly onStream: (s: SpdyStream) => void) {}

  /** feed hands the session bytes read from the transport. */
  feed(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.parser.push(chunk);
    } catch {
      return this.close();
    }
    for (const f of frames) this.chain = this.chain.then(() => this.handle(f)).catch(() => this.close());
  }

  /** send writes a frame (ignored once closed). */
  send(frame: Buffer): void {
    if (!this.closed) this.transport.write(frame);
  }

  /** close ends every stream and the transport. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.destroy();
    this.streams.clear();
    this.inflate.close();
    this.deflate.close();
    this.transport.end();
  }

  private async handle(f: Frame): Promise<void> {
    if (this.closed) return;
    if (!f.control) {
      const s = this.streams.get(f.streamId);
      if (!s) return;
      if (f.payload.length) s.push(f.payload);
      if (f.flags & FLAG_FIN) s.push(null);
      return;
    }
    switch (f.type) {
      case FrameType.SYN_STREAM: {
        const id = f.payload.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.inflate.process(f.payload.subarray(10)));
        const s = new SpdyStream(id, headers, this);
        this.streams.set(id, s);
        s.on('close', () => this.streams.delete(id));
        // The reply first (spdystream waits for it), then the stream is the handler's.
        const block = await this.deflate.process(encodeHeaderBlock(new Map()));
        const head = Buffer.alloc(4);
        head.writeUInt32BE(id);
        this.send(controlFrame(FrameType.SYN_REPLY, 0, Buffer.concat([head, block])));
        if (f.flags & FLAG_FIN) s.push(null);
        this.onStream(s);
        return;
      }
      case FrameType.HEADERS: case FrameType.SYN_REPLY:
        // Keep the inflate context in step with the client's compressor.
        await this.inflate.process(f.payload.subarray(4));
        return;
      case FrameType.RST_STREAM: {
        const id = f.payload.readUInt32BE(0) & 0x7fffffff;
        this.streams.get(id)?.destroy();
        return;
      }
      case FrameType.PING:
        this.send(controlFrame(FrameType.PING, 0, f.payload));
        return;
      case FrameType.GOAWAY:
        this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE: nothing to do.
    }
  }
}
