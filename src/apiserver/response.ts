import type { IncomingMessage, ServerResponse } from 'node:http';
import YAML from 'yaml';
import { StatusError, internalError, type Status } from '../apimachinery/errors.js';
import { log } from '../util/log.js';
import { protobufPreference, type OutputKind } from './negotiate.js';
import { encodeKubernetesProtobuf } from '../apimachinery/protobuf/encode.js';

const logger = log.child({ component: 'apiserver' });

const prettyResponses = new WeakSet<ServerResponse>();

/**
 * notePrettyPrint remembers whether a response is to be indented, as kube-apiserver decides it:
 * `?pretty=` parsed as Go's strconv.ParseBool (an unparsable value is false), and otherwise by
 * user agent (curl, Wget and browsers get indented JSON).
 */
export function notePrettyPrint(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const p = url.searchParams.get('pretty');
  let pretty: boolean;
  if (p !== null && p !== '') pretty = ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(p);
  else pretty = /^(curl|Wget|Mozilla\/5\.0)/.test(req.headers['user-agent'] ?? '');
  if (pretty) prettyResponses.add(res);
}

const protobufResponses = new WeakMap<ServerResponse, { jsonFallback: boolean }>();

/** noteProtobufAccept remembers that a client prefers protobuf responses (see protobufPreference). */
export function noteProtobufAccept(req: IncomingMessage, res: ServerResponse): void {
  const p = protobufPreference(req.headers.accept);
  if (p) protobufResponses.set(res, p);
}

/** wantsProtobuf tells how a response's client asked for protobuf, if it did. */
export function wantsProtobuf(res: ServerResponse): { jsonFallback: boolean } | undefined {
  return protobufResponses.get(res);
}

/**
 * encodeProtobufResponse encodes obj for a client that prefers protobuf. undefined means JSON
 * instead: the kind has no protobuf form (custom resources) and the client takes JSON too.
 */
function encodeProtobufResponse(res: ServerResponse, obj: unknown): Buffer | undefined {
  const want = protobufResponses.get(res);
  if (!want || typeof obj !== 'object' || obj === null) return undefined;
  try {
    return encodeKubernetesProtobuf(obj as { apiVersion?: string; kind?: string });
  } catch (e) {
    if (want.jsonFallback) {
      if (!(e instanceof StatusError && e.code === 406)) logger.v(2).info('Serving JSON: protobuf encoding failed', { err: String(e) });
      return undefined;
    }
    throw e;
  }
}

/** writeObject sends an API object in the negotiated encoding. */
export function writeObject(res: ServerResponse, code: number, obj: unknown, output: OutputKind = 'json', warnings: string[] = []): void {
  // Go writes a warning's UTF-8 bytes as they are. Node only takes Latin-1 header strings (an unknown
  // field named "ключ" was a 500), so it gets those bytes one per character, and the body goes as a
  // Buffer: with a string body Node would re-encode the headers as UTF-8 along with it.
  for (const w of warnings) res.appendHeader('Warning', Buffer.from(`299 - ${JSON.stringify(w)}`, 'utf8').toString('latin1'));
  if (output === 'yaml') {
    const body = Buffer.from(YAML.stringify(obj));
    res.writeHead(code, { 'Content-Type': 'application/yaml', 'Cache-Control': 'no-cache, private', 'Content-Length': body.length });
    res.end(body);
    return;
  }
  let pb: Buffer | undefined;
  try {
    pb = encodeProtobufResponse(res, obj);
  } catch (e) {
    // Only protobuf is acceptable and this kind has none: Kubernetes' 406, in JSON.
    protobufResponses.delete(res);
    writeObject(res, (e as StatusError).code ?? 500, toStatusError(e).toStatus());
    return;
  }
  if (pb) {
    res.writeHead(code, { 'Content-Type': 'application/vnd.kubernetes.protobuf', 'Cache-Control': 'no-cache, private', 'Content-Length': pb.length });
    res.end(pb);
    return;
  }
  const json = prettyResponses.has(res) ? JSON.stringify(obj, null, 2) : JSON.stringify(obj);
  // Without warnings the headers are ASCII: a string body goes out in one write with them (one
  // TLS record; a Buffer is a second write), ~25 µs less per response.
  const body = warnings.length || res.hasHeader('warning') ? Buffer.from(json) : json;
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** toStatusError maps anything thrown to a StatusError (500 for the unexpected, logged). */
export function toStatusError(e: unknown): StatusError {
  if (e instanceof StatusError) return e;
  logger.error(e, 'Internal error handling request');
  return internalError(e);
}

/** writeError sends a Status for any error. */
export function writeError(res: ServerResponse, e: unknown): void {
  const se = toStatusError(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeObject(res, se.code, se.toStatus());
}

/** successStatus is the Status Kubernetes returns for deletes of some kinds. */
export function successStatus(details: Status['details']): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}
