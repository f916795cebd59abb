import type { ServerResponse } from 'node:http';
import YAML from 'yaml';
import { StatusError, internalError, type Status } from '../apimachinery/errors.js';
import { log } from '../util/log.js';
import type { OutputKind } from './negotiate.js';

const logger = log.child({ component: 'apiserver' });

/** writeObject sends an API object in the negotiated encoding. */
export function writeObject(res: ServerResponse, code: number, obj: unknown, output: OutputKind = 'json', warnings: string[] = []): void {
  for (const w of warnings) res.appendHeader('Warning', `299 - ${JSON.stringify(w)}`);
  if (output === 'yaml') {
    const body = YAML.stringify(obj);
    res.writeHead(code, { 'Content-Type': 'application/yaml', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const body = JSON.stringify(obj);
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
