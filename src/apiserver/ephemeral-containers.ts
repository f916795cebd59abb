/**
 * pods/ephemeralcontainers (kube-apiserver's EphemeralContainersREST): GET returns the pod; PUT and
 * PATCH (strategic merge, as `kubectl debug` sends it) may only add ephemeral containers. Everything
 * else in the request is ignored, the pod's other fields stay as stored.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError, badRequest, invalid } from '../apimachinery/errors.js';
import type { KubeObject, ResourceDefinition } from '../api/resource.js';
import { prepareEphemeralContainersUpdate, validateEphemeralContainersUpdate } from '../api/core/ephemeral-containers.js';
import type { RegistryStore } from '../registry/store.js';
import { decodeBody, readBody } from './negotiate.js';
import { applyPatch } from './resource-handler.js';
import { writeObject } from './response.js';

/** serveEphemeralContainers handles GET, PUT and PATCH on pods/NAME/ephemeralcontainers. */
export async function serveEphemeralContainers(def: ResourceDefinition, store: RegistryStore, ns: string | undefined, name: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'GET') return writeObject(res, 200, await store.get(ns, name));
  if (method !== 'PUT' && method !== 'PATCH') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const body = await readBody(req);
  const dryRun = url.searchParams.getAll('dryRun');
  for (const d of dryRun) if (d !== 'All') throw badRequest(`Invalid dry run value: ${d}`);
  const updated = await store.guaranteedUpdate(ns, name, (current) => {
    const requested = method === 'PUT'
      ? decodeBody(body, req.headers['content-type'], def.kind) as KubeObject
      : applyPatch(def, current, body, req.headers['content-type']);
    if (method === 'PUT' && requested.kind !== undefined && requested.kind !== 'Pod') {
      throw badRequest(`Pod in version "v1" cannot be handled as a Pod: the kind in the data (${String(requested.kind)}) does not match the expected kind (Pod)`);
    }
    const next = prepareEphemeralContainersUpdate(requested, current);
    const errs = validateEphemeralContainersUpdate(next, current);
    if (errs.length) throw invalid('Pod', '', name, errs);
    return next;
  }, { bypassStrategy: true, dryRun: dryRun.length > 0 });
  writeObject(res, 200, updated);
}
