/**
 * The v1 ComponentStatus REST handler: kube-apiserver's componentstatus storage, which checks the
 * components on every get and list and stores nothing (no watch, no writes). Every answer carries
 * the deprecation warning.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError, methodNotSupported } from '../apimachinery/errors.js';
import { COMPONENT_STATUS_WARNING, componentStatuses, type ComponentHealth, type ComponentProbe } from '../api/core/componentstatus.js';
import type { ResourceDefinition } from '../api/resource.js';
import { negotiateOutput } from './negotiate.js';
import type { ResourceRequestInfo } from './request-info.js';
import { renderList } from './resource-handler.js';
import { writeObject } from './response.js';

/** ComponentStatusDeps: where the checks look (the in-process components' registry and the store). */
export interface ComponentStatusDeps { health: ComponentHealth; etcd: ComponentProbe; now: () => Date }

/** serveComponentStatus answers GET /api/v1/componentstatuses[/NAME]. */
export async function serveComponentStatus(def: ResourceDefinition, info: ResourceRequestInfo, req: IncomingMessage, res: ServerResponse, url: URL, deps: ComponentStatusDeps): Promise<void> {
  const gr = { group: '', resource: def.plural };
  if (info.subresource || info.rest.length > 0) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
  }
  if (['true', '1'].includes(url.searchParams.get('watch') ?? '')) throw methodNotSupported(gr, 'watch');
  const output = negotiateOutput(req.headers.accept);
  const items = await componentStatuses(deps.health, deps.etcd);
  const kind = output === 'yaml' ? 'yaml' : 'json';
  if (!info.name) {
    const list = output === 'json' || output === 'yaml' ? { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items } : renderList(def, items, {}, output, url, deps.now());
    return writeObject(res, 200, list, kind, [COMPONENT_STATUS_WARNING]);
  }
  const one = items.find((i) => i.metadata?.name === info.name);
  // Upstream's storage answers an unknown name with a plain error, which the API server renders as a 500.
  if (!one) throw new StatusError(500, '', `Component not found: ${info.name}`);
  const body = output === 'json' || output === 'yaml' ? one : renderList(def, [one], {}, output, url, deps.now(), true);
  return writeObject(res, 200, body, kind, [COMPONENT_STATUS_WARNING]);
}
