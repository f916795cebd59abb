import { createRequire } from 'node:module';
import { StatusError } from '../errors.js';
import { rfc3339, rfc3339Micro } from '../time.js';

/**
 * Decoding of Kubernetes' protobuf request bodies (`application/vnd.kubernetes.protobuf`), which
 * kubectl's typed-client commands send (`kubectl create configmap/deployment/job/...`,
 * `expose`, `autoscale`). A body is the magic `k8s\0` + a runtime.Unknown {typeMeta, raw}; raw is
 * the object's own message. Messages are decoded with a table of field numbers generated from
 * Kubernetes' .proto files (scripts/gen-proto-table.ts) into the object's JSON form.
 */

/** FieldRow is one field of the generated table: JSON name, type (scalar or message), repeated, map key type. */
export type FieldRow = [name: string, type: string, repeated: 0 | 1, mapKey?: string];
const require = createRequire(import.meta.url);
let table: Record<string, Record<string, FieldRow>> | undefined;
/** wireTable is the generated table: message name → field number → FieldRow. */
export const wireTable = () => (table ??= require('./generated/wire-table.json') as Record<string, Record<string, FieldRow>>);

/** MAGIC starts every protobuf body (`k8s\0`). */
export const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const UNKNOWN = 'k8s.io.apimachinery.pkg.runtime.Unknown';

/** isProtobufContentType tells whether a Content-Type is Kubernetes' protobuf encoding. */
export function isProtobufContentType(ct: string | undefined): boolean {
  return (ct ?? '').split(';')[0].trim().toLowerCase() === 'application/vnd.kubernetes.protobuf';
}

/**
 * messageFor maps apiVersion + kind to the generated message name (core v1 Pod → k8s.io.api.core.v1.Pod,
 * rbac.authorization.k8s.io → k8s.io.api.rbac). meta.k8s.io's kinds (DeleteOptions, Status,
 * WatchEvent …) are registered in every group version, so a client sends `v1, Kind=DeleteOptions`.
 */
export function messageFor(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = group === '' ? 'core' : group === 'internal.apiserver.k8s.io' ? 'apiserverinternal' : group.split('.')[0];
  // APIService is kube-aggregator's, not k8s.io/api's.
  const name = group === 'apiregistration.k8s.io' ? `k8s.io.kube_aggregator.pkg.apis.apiregistration.${version}.${kind}` : `k8s.io.api.${pkg}.${version}.${kind}`;
  if (wireTable()[name]) return name;
  const meta = `k8s.io.apimachinery.pkg.apis.meta.v1.${kind}`;
  return wireTable()[meta] ? meta : undefined;
}

const bad = (why: string) => new StatusError(400, 'BadRequest', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (${why})`);

/** Reader walks protobuf wire format. */
class Reader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly end = buf.length) {}
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw bad('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 70n) throw bad('varint too long');
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.end) throw bad('truncated field');
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw bad(`unsupported wire type ${wire}`);
  }
}

/**
 * INLINED are message fields Go embeds with `json:",inline"`: their fields sit in the parent's JSON
 * (a probe's httpGet, a volume's configMap), while protobuf nests them under one field.
 */
const INLINED = new Set(['k8s.io.api.core.v1.Probe.handler', 'k8s.io.api.core.v1.Volume.volumeSource', 'k8s.io.api.core.v1.PersistentVolumeSpec.persistentVolumeSource',
  // admissionregistration.k8s.io/v1 embeds its rules inline
  'k8s.io.api.admissionregistration.v1.RuleWithOperations.rule', 'k8s.io.api.admissionregistration.v1.NamedRuleWithOperations.ruleWithOperations',
  // an Ingress rule's http sits beside its host
  'k8s.io.api.networking.v1.IngressRule.ingressRuleValue']);

/** isInlined tells whether a message field is one of Go's inline-embedded structs (see INLINED; every LocalObjectReference and EphemeralContainerCommon). */
export function isInlined(type: string, field: string): boolean {
  return field === 'localObjectReference' || field === 'ephemeralContainerCommon' || INLINED.has(`${type}.${field}`);
}

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'double', 'float', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64']);

function scalar(type: string, wire: number, r: Reader): unknown {
  switch (type) {
    case 'string': return r.bytes().toString('utf8');
    case 'bytes': return Buffer.from(r.bytes()).toString('base64');
    case 'bool': return r.varint() !== 0n;
    case 'double': { const v = r.buf.readDoubleLE(r.pos); r.pos += 8; return v; }
    case 'float': { const v = r.buf.readFloatLE(r.pos); r.pos += 4; return v; }
    case 'sint32': case 'sint64': { const v = r.varint(); return Number((v >> 1n) ^ -(v & 1n)); }
    default: {
      if (wire === 1) { const v = r.buf.readBigInt64LE(r.pos); r.pos += 8; return Number(v); }
      if (wire === 5) { const v = r.buf.readInt32LE(r.pos); r.pos += 4; return v; }
      const v = r.varint();
      // int32/int64 negatives are 64-bit two's complement varints.
      return Number(BigInt.asIntN(64, v));
    }
  }
}

function decodeField(type: string, wire: number, r: Reader): unknown {
  if (SCALARS.has(type)) return scalar(type, wire, r);
  const sub = r.bytes();
  return decodeMessage(type, sub);
}

/** decodeMessage turns one message into its JSON form, special-casing Kubernetes' wrapper types. */
function decodeMessage(type: string, buf: Buffer): unknown {
  const fields = wireTable()[type];
  if (!fields) throw bad(`unknown message ${type}`);
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (r.pos < r.end) {
    const tag = Number(r.varint());
    const num = tag >>> 3;
    const wire = tag & 7;
    const row = fields[String(num)];
    if (!row) { r.skip(wire); continue; }
    const [name, ftype, repeated, mapKey] = row;
    if (mapKey) {
      const entry = new Reader(r.bytes());
      let key: unknown = '';
      let value: unknown = SCALARS.has(ftype) ? (ftype === 'string' || ftype === 'bytes' ? '' : 0) : {};
      while (entry.pos < entry.end) {
        const t = Number(entry.varint());
        if ((t >>> 3) === 1) key = scalar(mapKey, t & 7, entry);
        else if ((t >>> 3) === 2) value = decodeField(ftype, t & 7, entry);
        else entry.skip(t & 7);
      }
      ((out[name] ??= {}) as Record<string, unknown>)[String(key)] = value;
    } else if (repeated) {
      const list = (out[name] ??= []) as unknown[];
      if (wire === 2 && SCALARS.has(ftype) && ftype !== 'string' && ftype !== 'bytes') {
        // packed encoding: a length-delimited run of scalars
        const len = Number(r.varint());
        const end = r.pos + len;
        const packed = new Reader(r.buf, end);
        packed.pos = r.pos;
        const w = ftype === 'double' || ftype.endsWith('fixed64') ? 1 : ftype === 'float' || ftype.endsWith('fixed32') ? 5 : 0;
        while (packed.pos < end) list.push(scalar(ftype, w, packed));
        r.pos = end;
      } else {
        list.push(decodeField(ftype, wire, r));
      }
    } else if (isInlined(type, name)) {
      Object.assign(out, decodeField(ftype, wire, r));
    } else {
      out[name] = decodeField(ftype, wire, r);
    }
  }
  return special(type, out);
}

/** timestamp renders a protobuf Timestamp as metav1.Time or MicroTime JSON (null when unset, as Go's zero time). */
function timestamp(seconds: number, nanos = 0, micro = false): string | null {
  if (!seconds && !nanos) return null;
  const d = new Date(seconds * 1000);
  return micro ? rfc3339Micro(d, Math.floor(nanos / 1000)) : rfc3339(d);
}

/** Non-pointer int fields Go's JSON omits when zero (pointer fields such as replicas keep their 0). */
const ZERO_OMITTED = new Set(['generation', 'minReadySeconds', 'hostPort', 'nodePort']);

/** POINTER_BOOLS are *bool fields of the built-in kinds: Go sends them only when set, so a false is kept. */
const POINTER_BOOLS = new Set([
  'orphanDependents', 'allowPrivilegeEscalation', 'privileged', 'readOnlyRootFilesystem', 'runAsNonRoot', 'optional',
  'automountServiceAccountToken', 'enableServiceLinks', 'shareProcessNamespace', 'setHostnameAsFQDN', 'hostUsers', 'immutable',
  'suspend', 'allowVolumeExpansion', 'allocateLoadBalancerNodePorts',
]);

/** special maps wrapper messages to their JSON forms and drops Go's zero values that JSON omits. */
function special(type: string, o: Record<string, unknown>): unknown {
  // ExtraValue ([]string in Go) travels as a message holding `items`; JSON has the list itself.
  if (type.endsWith('.ExtraValue')) return o.items ?? [];
  switch (type) {
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity': return o.string ?? '0';
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString': return o.type === 1 ? (o.strVal ?? '') : (o.intVal ?? 0);
    case 'k8s.io.apimachinery.pkg.apis.meta.v1.Time': return timestamp(Number(o.seconds ?? 0));
    case 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': return timestamp(Number(o.seconds ?? 0), Number(o.nanos ?? 0), true);
    case 'k8s.io.apimachinery.pkg.apis.meta.v1.Duration': return `${Number(o.duration ?? 0) / 1e9}s`;
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
    case 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': {
      const raw = o.raw ?? o.Raw;
      if (typeof raw !== 'string' || raw === '') return {};
      try { return JSON.parse(Buffer.from(raw, 'base64').toString('utf8')); } catch { return {}; }
    }
  }
  for (const [k, v] of Object.entries(o)) {
    // Pointer bools (DeleteOptions.orphanDependents, a security context's allowPrivilegeEscalation …):
    // an explicit false is an answer, not a zero value.
    if (v === false && POINTER_BOOLS.has(k)) continue;
    if (v === '' || v === false || v === null) delete o[k];
    else if (v === 0 && ZERO_OMITTED.has(k)) delete o[k];
    else if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0 && !isMap(type, k)) delete o[k];
    else if (Array.isArray(v) && v.length === 0) delete o[k];
  }
  return o;
}

function isMap(type: string, field: string): boolean {
  const row = Object.values(wireTable()[type] ?? {}).find((r) => r[0] === field);
  return !!row?.[3];
}

/** decodeKubernetesProtobuf decodes a protobuf request body into apiVersion, kind and the JSON object. */
export function decodeKubernetesProtobuf(body: Buffer): { apiVersion: string; kind: string; object: Record<string, unknown> } {
  // The protobuf serializer's own words for a body without its envelope.
  if (body.length === 0) throw new StatusError(400, 'BadRequest', 'empty data');
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new StatusError(400, 'BadRequest', `provided data does not appear to be a protobuf message, expected prefix [${[...MAGIC].join(' ')}]`);
  const unknown = decodeMessage(UNKNOWN, body.subarray(4)) as { typeMeta?: { apiVersion?: string; kind?: string }; raw?: string };
  const apiVersion = unknown.typeMeta?.apiVersion ?? '';
  const kind = unknown.typeMeta?.kind ?? '';
  const msg = messageFor(apiVersion, kind);
  if (!msg) throw bad(`no protobuf schema for ${apiVersion}, Kind=${kind}`);
  const raw = Buffer.from(unknown.raw ?? '', 'base64');
  const object = decodeMessage(msg, raw) as Record<string, unknown>;
  return { apiVersion, kind, object: { apiVersion, kind, ...object } };
}
