/**
 * A subresource that writes the main object through its own strategy
 * (ResourceDefinition.subresourceStrategies), such as certificatesigningrequests/approval: GET returns
 * the object, PUT replaces it and PATCH patches it, and the subresource's strategy decides what of
 * the request is kept (the CSR approval strategy: only the Approved and Denied conditions).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError, badRequest, conflict } from '../apimachinery/errors.js';
import type { RequestUser } from '../apimachinery/options.js';
import type { KubeObject, ResourceDefinition } from '../api/resource.js';
import type { RegistryStore } from '../registry/store.js';
import { decodeBody, readBody } from './negotiate.js';
import { applyPatch } from './resource-handler.js';
import { writeObject } from './response.js';
import { fieldManagerOf } from './fieldmanager/handler.js';

/** serveStrategySubresource handles GET, PUT and PATCH on RESOURCE/NAME/SUBRESOURCE for a subresource with its own strategy. */
export async function serveStrategySubresource(
  def: ResourceDefinition, store: RegistryStore, ns: string | undefined, name: string, subresource: string,
  req: IncomingMessage, res: ServerResponse, url: URL, user?: RequestUser,
): Promise<void> {
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
    if (requested.kind !== undefined && requested.kind !== def.kind) {
      throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: the kind in the data (${String(requested.kind)}) does not match the expected kind (${def.kind})`);
    }
    // A PUT names the version it read: a stale one is a conflict, as on the main resource.
    const rv = requested.metadata?.resourceVersion;
    if (rv && rv !== current.metadata?.resourceVersion) {
      throw conflict({ group: def.group, resource: def.plural }, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return requested;
  }, {
    subresource, dryRun: dryRun.length > 0, user, warnings,
    fieldManager: fieldManagerOf(req, url, method === 'PUT' ? 'UpdateOptions' : 'PatchOptions'),
  });
  writeObject(res, 200, updated, 'json', warnings);
}
