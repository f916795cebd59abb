import type { IncomingMessage } from 'node:http';
import YAML from 'yaml';
import { StatusError, badRequest } from '../apimachinery/errors.js';
import { decodeKubernetesProtobuf, isProtobufContentType } from '../apimachinery/protobuf/decode.js';
import { goJSONSyntaxError } from '../apimachinery/json-syntax.js';

/** Output is how a response body is rendered, chosen from the Accept header. */
export type OutputKind = 'json' | 'yaml' | 'table' | 'metadata';

/** MediaType is one entry of an Accept header. */
interface MediaType { type: string; params: Record<string, string> }

function parseAccept(accept: string | undefined): MediaType[] {
  if (!accept) return [{ type: '*/*', params: {} }];
  return accept.split(',').map((part) => {
    const [type, ...params] = part.trim().split(';');
    const p: Record<string, string> = {};
    for (const kv of params) {
      const [k, v] = kv.split('=');
      if (k) p[k.trim()] = (v ?? '').trim();
    }
    return { type: type.trim().toLowerCase(), params: p };
  });
}

/**
 * negotiateOutput picks the first representation we can produce: Table and
 * PartialObjectMetadata(List) transformations (meta.k8s.io v1/v1beta1), JSON, YAML. Protobuf is
 * skipped, so clients that offer JSON as a fallback (kubectl does) get JSON. An endpoint with no
 * table convertor (`table: false`: access reviews and other endpoints that store nothing) does not
 * offer the Table form, as kube-apiserver's AllowsMediaTypeTransform refuses it: a client asking
 * only for a Table gets 406.
 */
export function negotiateOutput(accept: string | undefined, o: { table?: boolean } = {}): OutputKind {
  for (const m of parseAccept(accept)) {
    const isJson = m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*';
    if (m.params.as) {
      if (!isJson || (m.params.g && m.params.g !== 'meta.k8s.io')) continue;
      if (m.params.as === 'Table' && (m.params.v === 'v1' || m.params.v === 'v1beta1')) {
        if (o.table === false) continue;
        return 'table';
      }
      if ((m.params.as === 'PartialObjectMetadataList' || m.params.as === 'PartialObjectMetadata') && (m.params.v === 'v1' || m.params.v === 'v1beta1')) return 'metadata';
      continue;
    }
    if (isJson) return 'json';
    if (m.type === 'application/yaml') return 'yaml';
    // The object's protobuf form is chosen when it is written (writeObject), from the same JSON value.
    if (m.type === PROTOBUF) return 'json';
  }
  throw new StatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/**
 * protobufPreference tells whether a client asks for protobuf before anything else (client-go's
 * typed clients send `application/vnd.kubernetes.protobuf, application/json`), and whether JSON
 * may stand in for kinds without a protobuf form (custom resources, aggregated discovery).
 * Transformations (`;as=Table`) are never protobuf here.
 */
export function protobufPreference(accept: string | undefined): { jsonFallback: boolean } | undefined {
  const types = parseAccept(accept).filter((m) => !m.params.as);
  if (types[0]?.type !== PROTOBUF) return undefined;
  return { jsonFallback: types.some((m) => m.type === 'application/json' || m.type === '*/*' || m.type === 'application/*') };
}

/** wantsAggregatedDiscovery tells whether the Accept header asks for APIGroupDiscoveryList, and which version. */
export function aggregatedDiscoveryVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const m of parseAccept(accept)) {
    if (m.params.as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io' && (m.params.v === 'v2' || m.params.v === 'v2beta1')) return m.params.v;
    if (m.type === 'application/json' && !m.params.as) return undefined;
  }
  return undefined;
}

/** MAX_BODY is Kubernetes' 3 MiB request limit. */
const MAX_BODY = 3 * 1024 * 1024;

/** readBody buffers the request body (413 past the limit). */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new StatusError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** decodeBody parses JSON or YAML by Content-Type into a plain value. */
export function decodeBody(body: Buffer, contentType: string | undefined, into?: string): unknown {
  const ct = (contentType || 'application/json').split(';')[0].trim().toLowerCase();
  if (isProtobufContentType(ct)) {
    try {
      return decodeKubernetesProtobuf(body).object;
    } catch (e) {
      // as the create/update handlers wrap a decode error before the body's kind is known
      if (into && e instanceof StatusError && e.code === 400) throw badRequest(`the object provided is unrecognized (must be of type ${into}): ${e.message} (${summarizeData(body, 30)})`);
      throw e;
    }
  }
  if (!['application/json', 'application/yaml', 'application/apply-patch+yaml'].includes(ct)) {
    throw new StatusError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf');
  }
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('Object \'Kind\' is missing in \'\'');
  if (ct === 'application/yaml' || ct === 'application/apply-patch+yaml') {
    try {
      return requireObject(YAML.parse(text), text, body, into);
    } catch (e) {
      if (e instanceof StatusError) throw e;
      throw badRequest(`error converting YAML to JSON: ${(e as Error).message}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // Go's decoder words, and as the create/update handlers wrap a body whose kind is unknown.
    const err = `couldn't get version/kind; json parse error: ${goJSONSyntaxError(body) ?? (e as Error).message}`;
    if (into) throw badRequest(`the object provided is unrecognized (must be of type ${into}): ${err} (${summarizeData(body, 30)})`);
    throw badRequest(err);
  }
  return requireObject(value, text, body, into);
}

/**
 * requireObject refuses a body that is not a JSON object, in the words of Kubernetes' decoder (never
 * a 500 later). An endpoint that knows its kind (`into`) decodes `null` as an empty object, as the
 * decoder's default kind makes it, and wraps type errors as the create/update handlers do.
 */
function requireObject(value: unknown, text: string, body: Buffer, into?: string): unknown {
  if (value === null) {
    if (into) return {};
    throw badRequest(`Object 'Kind' is missing in '${text.trim()}'`);
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
    const err = `couldn't get version/kind; json parse error: json: cannot unmarshal ${what} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`;
    if (into) throw badRequest(`the object provided is unrecognized (must be of type ${into}): ${err} (${summarizeData(body, 30)})`);
    throw badRequest(err);
  }
  return value;
}

/** summarizeData is how kube-apiserver quotes an unrecognized body: JSON objects as text, anything else in hex, cut at max bytes. */
function summarizeData(data: Buffer, max: number): string {
  if (data.length === 0) return '<empty>';
  const cut = data.subarray(0, max);
  const more = data.length > max ? ' ...' : '';
  return data[0] === 0x7b ? cut.toString('utf8') + more : cut.toString('hex') + more;
}
