/**
 * protobuf-v2 encodes an OpenAPI v2 document as gnostic's `openapi.v2.Document` protobuf — the only
 * encoding kubectl (≤ 1.28 `explain`, `explain --output plaintext-openapiv2`) accepts from /openapi/v2
 * (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf). Only info and definitions
 * are encoded: kubectl reads schemas and their x-kubernetes-* extensions, not paths.
 * Field numbers are those of gnostic's OpenAPIv2.proto.
 */

/** OPENAPI_V2_PROTOBUF is the media type kubectl asks for in Accept. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** OPENAPI_V2_PROTOBUF_CONTENT_TYPE is what to answer with: Go's mime parser rejects the '@' type above. */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/octet-stream';

/** Writer is a minimal protobuf writer: varints and length-delimited fields. */
class Writer {
  private chunks: Buffer[] = [];
  private varint(n: number): void {
    const bytes: number[] = [];
    while (n > 0x7f) { bytes.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
    bytes.push(n);
    this.chunks.push(Buffer.from(bytes));
  }
  bytes(field: number, b: Buffer): void {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.chunks.push(b);
  }
  string(field: number, s: string | undefined): void {
    if (s !== undefined && s !== '') this.bytes(field, Buffer.from(s, 'utf8'));
  }
  message(field: number, build: (w: Writer) => void): void {
    const w = new Writer();
    build(w);
    this.bytes(field, w.finish());
  }
  finish(): Buffer { return Buffer.concat(this.chunks); }
}

type Schema = Record<string, unknown>;

function writeSchema(w: Writer, s: Schema): void {
  w.string(1, s.$ref as string | undefined);
  w.string(2, s.format as string | undefined);
  w.string(4, s.description as string | undefined);
  for (const r of (s.required as string[] | undefined) ?? []) w.string(19, r);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    w.message(21, (a) => a.message(1, (x) => writeSchema(x, s.additionalProperties as Schema)));
  }
  if (typeof s.type === 'string') w.message(22, (t) => t.string(1, s.type as string));
  if (s.items) w.message(23, (i) => i.message(1, (x) => writeSchema(x, s.items as Schema)));
  for (const a of (s.allOf as Schema[] | undefined) ?? []) w.message(24, (x) => writeSchema(x, a));
  if (s.properties) {
    w.message(25, (p) => {
      for (const [name, value] of Object.entries(s.properties as Record<string, Schema>)) {
        p.message(1, (n) => { n.string(1, name); n.message(2, (x) => writeSchema(x, value)); });
      }
    });
  }
  for (const [k, v] of Object.entries(s)) {
    if (!k.startsWith('x-')) continue;
    // vendor extensions travel as YAML text; JSON is valid YAML
    w.message(31, (n) => { n.string(1, k); n.message(2, (a) => a.string(2, JSON.stringify(v))); });
  }
}

/** encodeOpenAPIV2Protobuf encodes the document built by openapiV2Document. */
export function encodeOpenAPIV2Protobuf(doc: { swagger: string; info: { title: string; version: string }; definitions: Record<string, Schema> }): Buffer {
  const w = new Writer();
  w.string(1, doc.swagger);
  w.message(2, (i) => { i.string(1, doc.info.title); i.string(2, doc.info.version); });
  w.message(9, (d) => {
    for (const [name, s] of Object.entries(doc.definitions)) {
      d.message(1, (n) => { n.string(1, name); n.message(2, (x) => writeSchema(x, s)); });
    }
  });
  return w.finish();
}
