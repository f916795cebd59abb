import { StatusError } from '../errors.js';
import { isInlined, MAGIC, messageFor, wireTable, type FieldRow } from './decode.js';

/**
 * Encoding of objects into Kubernetes' protobuf form (`application/vnd.kubernetes.protobuf`), the
 * inverse of decode.ts and driven by the same generated table of field numbers: a JSON object
 * becomes the magic `k8s\0` + runtime.Unknown {typeMeta, raw}, raw being the kind's own message.
 * Only fields present in the JSON are written: Go's decoder gives absent fields their zero value,
 * and pointer fields (replicas: 0) keep their presence.
 */

/** Writer accumulates protobuf wire format. */
class Writer {
  private readonly parts: Buffer[] = [];
  private readonly small: number[] = [];
  private flush(): void {
    if (this.small.length) { this.parts.push(Buffer.from(this.small)); this.small.length = 0; }
  }
  varint(v: bigint): void {
    // Negative int32/int64 are written as 64-bit two's complement, as Go does.
    let n = BigInt.asUintN(64, v);
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n) b |= 0x80;
      this.small.push(b);
    } while (n);
  }
  tag(field: number, wire: number): void { this.varint(BigInt((field << 3) | wire)); }
  bytes(field: number, b: Buffer): void {
    this.tag(field, 2);
    this.varint(BigInt(b.length));
    this.flush();
    this.parts.push(b);
  }
  raw(b: Buffer): void { this.flush(); this.parts.push(b); }
  finish(): Buffer { this.flush(); return Buffer.concat(this.parts); }
}

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'double', 'float', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64']);

const unencodable = (why: string) => new StatusError(500, 'InternalError', `unable to encode as protobuf: ${why}`);

function toBigInt(v: unknown, type: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw unencodable(`${JSON.stringify(v)} is not a ${type}`);
  return BigInt(Math.trunc(n));
}

function writeScalar(w: Writer, field: number, type: string, v: unknown): void {
  switch (type) {
    case 'string': return w.bytes(field, Buffer.from(String(v), 'utf8'));
    case 'bytes': return w.bytes(field, Buffer.from(String(v), 'base64'));
    case 'bool': w.tag(field, 0); return w.varint(v ? 1n : 0n);
    case 'double': case 'fixed64': case 'sfixed64': {
      const b = Buffer.alloc(8);
      if (type === 'double') b.writeDoubleLE(Number(v)); else b.writeBigInt64LE(BigInt.asIntN(64, toBigInt(v, type)));
      w.tag(field, 1);
      return w.raw(b);
    }
    case 'float': case 'fixed32': case 'sfixed32': {
      const b = Buffer.alloc(4);
      if (type === 'float') b.writeFloatLE(Number(v)); else b.writeInt32LE(Number(toBigInt(v, type)));
      w.tag(field, 5);
      return w.raw(b);
    }
    case 'sint32': case 'sint64': {
      const n = toBigInt(v, type);
      w.tag(field, 0);
      return w.varint(n >= 0n ? n << 1n : ((-n) << 1n) - 1n);
    }
    default: w.tag(field, 0); return w.varint(toBigInt(v, type));
  }
}

function writeValue(w: Writer, field: number, type: string, v: unknown): void {
  if (SCALARS.has(type)) return writeScalar(w, field, type, v);
  w.bytes(field, encodeMessage(type, v));
}

/** parseTime reads an RFC 3339 time (metav1.Time / MicroTime JSON) into seconds and nanoseconds. */
function parseTime(s: string): { seconds: bigint; nanos: number } {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  const ms = Date.parse(m ? `${m[1]}${m[3]}` : s);
  if (Number.isNaN(ms)) throw unencodable(`time ${JSON.stringify(s)}`);
  const nanos = m?.[2] ? Number(m[2].padEnd(9, '0').slice(0, 9)) : 0;
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos };
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** parseDuration reads Go's time.Duration text (1h2m3.5s) into nanoseconds. */
function parseDuration(s: string): bigint {
  let total = 0;
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.replace(/^[-+]/, '');
  if (body === '0') return 0n;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let consumed = 0;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== body.length || !body) throw unencodable(`duration ${JSON.stringify(s)}`);
  return BigInt(Math.round(sign * total));
}

/** special writes Kubernetes' wrapper types from their JSON forms; undefined when type is an ordinary message. */
function special(type: string, v: unknown): Buffer | undefined {
  const w = new Writer();
  switch (type) {
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
      writeScalar(w, 1, 'string', String(v));
      return w.finish();
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString':
      if (typeof v === 'string') { writeScalar(w, 1, 'int64', 1); writeScalar(w, 3, 'string', v); } else { writeScalar(w, 1, 'int64', 0); writeScalar(w, 2, 'int32', v); }
      return w.finish();
    case 'k8s.io.apimachinery.pkg.apis.meta.v1.Time':
    case 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': {
      const t = parseTime(String(v));
      writeScalar(w, 1, 'int64', t.seconds);
      if (t.nanos) writeScalar(w, 2, 'int32', t.nanos);
      return w.finish();
    }
    case 'k8s.io.apimachinery.pkg.apis.meta.v1.Duration':
      writeScalar(w, 1, 'int64', parseDuration(String(v)));
      return w.finish();
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
    case 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1':
      // Embedded objects and managed fields travel as their JSON bytes.
      w.bytes(1, Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v), 'utf8'));
      return w.finish();
  }
  return undefined;
}

/** encodeMessage writes one JSON value as the named message of the wire table. */
export function encodeMessage(type: string, value: unknown): Buffer {
  // ExtraValue ([]string in Go, a user's extra attributes) is a message with `items` on the wire, a plain list in JSON.
  if (type.endsWith('.ExtraValue') && Array.isArray(value)) value = { items: value };
  const sp = special(type, value);
  if (sp) return sp;
  const fields = wireTable()[type];
  if (!fields) throw unencodable(`unknown message ${type}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw unencodable(`${type} is not an object`);
  const o = value as Record<string, unknown>;
  const w = new Writer();
  const rows = Object.entries(fields).map(([n, row]) => [Number(n), row] as [number, FieldRow]).sort((a, b) => a[0] - b[0]);
  for (const [num, [name, ftype, repeated, mapKey]] of rows) {
    // An inlined struct takes its fields from the parent object itself.
    const v = isInlined(type, name) ? o : o[name];
    if (v === undefined || v === null) continue;
    if (mapKey) {
      // Map entries in key order, as Go's generated marshallers write them (deterministic bytes).
      for (const key of Object.keys(v as object).sort()) {
        const entry = new Writer();
        writeScalar(entry, 1, mapKey, key);
        const ev = (v as Record<string, unknown>)[key];
        if (ev !== null && ev !== undefined) writeValue(entry, 2, ftype, ev);
        w.bytes(num, entry.finish());
      }
    } else if (repeated) {
      if (!Array.isArray(v)) throw unencodable(`${type}.${name} is not a list`);
      for (const item of v) if (item !== null && item !== undefined) writeValue(w, num, ftype, item);
    } else {
      writeValue(w, num, ftype, v);
    }
  }
  return w.finish();
}

/** encodeUnknown wraps a message in the magic + runtime.Unknown envelope of Kubernetes' protobuf serializer. */
function encodeUnknown(apiVersion: string, kind: string, raw: Buffer): Buffer {
  const typeMeta = new Writer();
  writeScalar(typeMeta, 1, 'string', apiVersion);
  writeScalar(typeMeta, 2, 'string', kind);
  const w = new Writer();
  w.bytes(1, typeMeta.finish());
  w.bytes(2, raw);
  // contentEncoding and contentType stay empty: raw is protobuf itself.
  return Buffer.concat([MAGIC, w.finish()]);
}

/** protobufMessageFor names the message of apiVersion/kind, or undefined when it has no protobuf form (custom resources). */
export function protobufMessageFor(apiVersion: string, kind: string): string | undefined {
  return messageFor(apiVersion, kind);
}

/**
 * encodeKubernetesProtobuf encodes an object (with apiVersion and kind) as a protobuf body. It
 * throws a 406 for kinds without a protobuf message, as Kubernetes does for custom resources.
 */
export function encodeKubernetesProtobuf(obj: { apiVersion?: string; kind?: string; [k: string]: unknown }): Buffer {
  const apiVersion = obj.apiVersion ?? '';
  const kind = obj.kind ?? '';
  const msg = messageFor(apiVersion, kind);
  if (!msg) throw notAcceptable(apiVersion, kind);
  return encodeUnknown(apiVersion, kind, encodeMessage(msg, obj));
}

/** notAcceptable is Kubernetes' 406 for an object that cannot be served as protobuf. */
export function notAcceptable(apiVersion: string, kind: string): StatusError {
  return new StatusError(406, 'NotAcceptable', `object ${apiVersion}, Kind=${kind} does not implement the protobuf marshalling interface and cannot be encoded to a protobuf message`);
}

/**
 * encodeWatchEventFrame encodes one watch event as a frame of a protobuf watch stream: a 4-byte
 * big-endian length, then a metav1.WatchEvent whose object is the protobuf-encoded object.
 */
export function encodeWatchEventFrame(type: string, obj: { apiVersion?: string; kind?: string; [k: string]: unknown }): Buffer {
  const w = new Writer();
  writeScalar(w, 1, 'string', type);
  const ext = new Writer();
  ext.bytes(1, encodeKubernetesProtobuf(obj));
  w.bytes(2, ext.finish());
  const event = w.finish();
  const len = Buffer.alloc(4);
  len.writeUInt32BE(event.length);
  return Buffer.concat([len, event]);
}
