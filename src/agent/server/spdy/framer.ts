/**
 * SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00, as Go's spdystream speaks it for kubectl's
 * port-forward): frames are parsed from a byte stream; header blocks go through one zlib context
 * per direction, seeded with the SPDY dictionary and flushed (Z_SYNC_FLUSH) after every block.
 */
import zlib from 'node:zlib';
import { SPDY_DICTIONARY } from './dictionary.js';

/** SPDY_VERSION is the protocol version of every control frame. */
export const SPDY_VERSION = 3;

/** FrameType names SPDY's control frame types. */
export const FrameType = { SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9 } as const;

/** FLAG_FIN ends a side of a stream. */
export const FLAG_FIN = 0x01;

/** Frame is one parsed frame: a control frame (type, payload) or a data frame (stream id, payload). */
export type Frame =
  | { control: true; type: number; flags: number; payload: Buffer }
  | { control: false; streamId: number; flags: number; payload: Buffer };

/** FrameParser turns a byte stream into frames. */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  /** push adds bytes and returns the frames they complete. */
  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      const flags = this.buf[4];
      const payload = this.buf.subarray(8, 8 + len);
      if (this.buf[0] & 0x80) out.push({ control: true, type: this.buf.readUInt16BE(2), flags, payload });
      else out.push({ control: false, streamId: this.buf.readUInt32BE(0) & 0x7fffffff, flags, payload });
      this.buf = this.buf.subarray(8 + len);
    }
    return out;
  }
}

/** controlFrame builds a control frame. */
export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

/** dataFrame builds a data frame. */
export function dataFrame(streamId: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

/** Headers are SPDY name/value pairs (names lower-case; a value may hold several, NUL-separated). */
export type Headers = Map<string, string[]>;

/** encodeHeaderBlock writes an uncompressed header block. */
export function encodeHeaderBlock(headers: Headers): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [k, v] of headers) {
    const name = Buffer.from(k.toLowerCase());
    const value = Buffer.from(v.join('\0'));
    parts.push(u32(name.length), name, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

/** decodeHeaderBlock reads an uncompressed header block. */
export function decodeHeaderBlock(b: Buffer): Headers {
  const h: Headers = new Map();
  let off = 0;
  const need = (n: number) => { if (off + n > b.length) throw new Error('truncated SPDY header block'); };
  need(4);
  const count = b.readUInt32BE(off); off += 4;
  for (let i = 0; i < count; i++) {
    need(4);
    const nl = b.readUInt32BE(off); off += 4;
    need(nl);
    const name = b.subarray(off, off + nl).toString().toLowerCase(); off += nl;
    need(4);
    const vl = b.readUInt32BE(off); off += 4;
    need(vl);
    const value = b.subarray(off, off + vl).toString(); off += vl;
    h.set(name, [...(h.get(name) ?? []), ...value.split('\0')]);
  }
  return h;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** ZlibContext is one direction's compression context (shared by every header block of a connection). */
export class ZlibContext {
  private readonly z: zlib.Inflate | zlib.Deflate;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(mode: 'inflate' | 'deflate') {
    this.z = mode === 'inflate' ? zlib.createInflate({ dictionary: SPDY_DICTIONARY }) : zlib.createDeflate({ dictionary: SPDY_DICTIONARY });
  }

  /** process feeds one block and returns what a sync flush yields; blocks are processed in call order. */
  process(block: Buffer): Promise<Buffer> {
    const run = () => new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const onData = (d: Buffer) => chunks.push(d);
      const onError = (e: Error) => { this.z.off('data', onData); reject(e); };
      this.z.on('data', onData);
      this.z.once('error', onError);
      this.z.write(block);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.z.off('data', onData);
        this.z.off('error', onError);
        resolve(Buffer.concat(chunks));
      });
    });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** close releases the zlib context. */
  close(): void {
    this.z.close();
  }
}
