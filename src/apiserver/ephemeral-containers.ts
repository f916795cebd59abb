/**
 * pods/ephemeralcontainers (kube-apiserver's EphemeralContainersREST): GET returns the pod; PUT and
 * PATCH (strategic merge, as `kubectl debug` sends it) may only add ephemeral containers. Everything
 * else in the request is ignored, the pod's other fields stay as stored.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError, badRequest } from '../apimachinery/errors.js';
import type { RequestUser } from '../apimachinery/options.js';
import type { KubeObject, ResourceDefinition } from '../api/resource.js';
import type { RegistryStore } from '../registry/store.js';
import { decodeBody, readBody } from './negotiate.js';
import { applyPatch } from './resource-handler.js';
import { writeObject } from './response.js';
import { fieldManagerOf } from './fieldmanager/handler.js';

/** serveEphemeralContainers handles GET, PUT and PATCH on pods/NAME/ephemeralcontainers (the pods store with the subresource's strategy). */
export async function serveEphemeralContainers(def: ResourceDefinition, store: RegistryStore, ns: string | undefined, name: string, req: IncomingMessage, res: ServerResponse, url: URL, user?: RequestUser): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'GET') return writeObject(res, 200, await store.get(ns, name));
  if (method !== 'PUT' && method !== 'PATCH') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const body = await readBody(req);
  const dryRun = url.searchParams.getAll('dryRun');
  for (const d of dryRun) if (d !== 'All') throw badRequest(`Invalid dry run value: ${d}`);
  const warnings: string[] = [];
  const updated = await store.guaranteedUpdate(ns, name, (current) => {
    if (method === 'PATCH') return applyPatch(def, current, body, req.headers['content-type']);
    const requested = decodeBody(body, req.headers['content-type'], def.kind) as KubeObject;
    if (requested.kind !== undefined && requested.kind !== 'Pod') {
      throw badRequest(`Pod in version "v1" cannot be handled as a Pod: the kind in the data (${String(requested.kind)}) does not match the expected kind (Pod)`);
    }
    return requested;
  }, {
    subresource: 'ephemeralcontainers', dryRun: dryRun.length > 0, user, warnings,
    fieldManager: fieldManagerOf(req, url, method === 'PUT' ? 'UpdateOptions' : 'PatchOptions'),
  });
  writeObject(res, 200, updated, 'json', warnings);
}
