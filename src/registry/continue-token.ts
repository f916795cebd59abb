import { StatusError } from '../apimachinery/errors.js';

/** ContinueToken is what a paged list hands back: read the rest at `rv`, after key `start`. */
export interface ContinueToken { rv: number; start: string }

/** encodeContinue renders a token as Kubernetes does: opaque base64 JSON. */
export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

/** decodeContinue parses a token; a malformed one is a 400 as in Kubernetes. */
export function decodeContinue(s: string): ContinueToken {
  try {
    const o = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (o.v !== 'meta.k8s.io/v1' || typeof o.rv !== 'number' || typeof o.start !== 'string') throw new Error('bad');
    return { rv: o.rv, start: o.start };
  } catch {
    throw new StatusError(400, 'BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}
