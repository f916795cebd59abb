/**
 * paths builds the OpenAPI path items for one resource: collection, item, all-namespaces list,
 * and status/scale subresources, with Kubernetes' operation ids and x-kubernetes-action.
 */
import type { ResourceDefinition } from '../../api/resource.js';
import type { OpenAPIDialect } from './schemas.js';

type Obj = Record<string, unknown>;

/** groupOperationPrefix: '' → 'CoreV1', 'rbac.authorization.k8s.io' v1 → 'RbacAuthorizationV1'. */
export function groupOperationPrefix(group: string, version: string): string {
  const g = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '');
  const pascal = g.split('.').map((p) => p[0].toUpperCase() + p.slice(1)).join('');
  return pascal + version[0].toUpperCase() + version.slice(1);
}

interface OpSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  action: string;
  id: string;
  description: string;
  /** response/request definition names */
  response: string;
  request?: string;
  watch?: boolean;
}

/** resourcePaths returns the path items of one resource, keyed by path. */
export function resourcePaths(def: ResourceDefinition, defNames: { kind: string; list: string; scale?: string }, dialect: OpenAPIDialect): Record<string, Obj> {
  const prefix = def.group ? `/apis/${def.group}/${def.version}` : '/api/v1';
  const op = groupOperationPrefix(def.group, def.version);
  const ns = def.namespaced ? 'Namespaced' : '';
  const base = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.plural}` : `${prefix}/${def.plural}`;
  const gvk = { group: def.group, kind: def.kind, version: def.version };
  const status = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
  const tag = op.replace(/^(.)/, (c) => c.toLowerCase()).replace(/V(\d)/, '_v$1');
  const has = (v: string) => def.verbs.includes(v);
  const out: Record<string, Obj> = {};
  const nameParam = { name: 'name', in: 'path', description: `name of the ${def.kind}`, required: true, ...(dialect === 'v3' ? { schema: { type: 'string', uniqueItems: true } } : { type: 'string', uniqueItems: true }) };
  const nsParam = { name: 'namespace', in: 'path', description: 'object name and auth scope, such as for teams and projects', required: true, ...(dialect === 'v3' ? { schema: { type: 'string', uniqueItems: true } } : { type: 'string', uniqueItems: true }) };

  const ref = (name: string) => ({ $ref: dialect === 'v3' ? `#/components/schemas/${name}` : `#/definitions/${name}` });
  const query = (name: string, type: string, description: string): Obj =>
    ({ name, in: 'query', description, ...(dialect === 'v3' ? { schema: { type, uniqueItems: true } } : { type, uniqueItems: true }) });
  // kubectl looks for fieldValidation among a PATCH operation's query parameters to decide whether
  // the server validates fields itself (otherwise it validates client-side).
  const writeParams = [
    query('dryRun', 'string', 'When present, indicates that modifications should not be persisted.'),
    query('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
    query('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn (default), Strict.'),
  ];
  const listParams = [
    query('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
    query('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
    query('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
    query('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
    query('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
    query('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
    query('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
    query('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  ];
  const deleteParams = [
    query('dryRun', 'string', 'When present, indicates that modifications should not be persisted.'),
    query('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted.'),
    query('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
  ];
  const operation = (s: OpSpec): Obj => {
    const o: Obj = { tags: [tag], description: s.description, operationId: s.id };
    if (s.method === 'post' || s.method === 'put' || s.method === 'patch') o.parameters = [...writeParams];
    else if (s.method === 'delete') o.parameters = [...deleteParams];
    else if (s.action === 'list') o.parameters = [...listParams];
    const ok = dialect === 'v3'
      ? { description: 'OK', content: { 'application/json': { schema: ref(s.response) }, 'application/yaml': { schema: ref(s.response) } } }
      : { description: 'OK', schema: ref(s.response) };
    if (s.request) {
      if (dialect === 'v3') o.requestBody = { content: { '*/*': { schema: ref(s.request) } }, required: true };
      else o.parameters = [{ name: 'body', in: 'body', required: true, schema: ref(s.request) }, ...((o.parameters as Obj[] | undefined) ?? [])];
    }
    const responses: Obj = { '200': ok };
    if (s.method === 'post') responses['201'] = { ...ok, description: 'Created' };
    if (s.method === 'post' || s.method === 'delete') responses['202'] = { ...ok, description: 'Accepted' };
    responses['401'] = { description: 'Unauthorized' };
    o.responses = responses;
    if (dialect === 'v2') {
      o.consumes = ['*/*'];
      o.produces = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
      o.schemes = ['https'];
    }
    o['x-kubernetes-action'] = s.action;
    o['x-kubernetes-group-version-kind'] = s.response === defNames.scale ? { group: 'autoscaling', kind: 'Scale', version: 'v1' } : gvk;
    return o;
  };
  const item = (params: Obj[], ops: OpSpec[]): Obj => {
    const p: Obj = {};
    for (const s of ops) p[s.method] = operation(s);
    if (params.length) p.parameters = params;
    return p;
  };

  const collectionOps: OpSpec[] = [];
  if (has('list')) collectionOps.push({ method: 'get', action: 'list', id: `list${op}${ns}${def.kind}`, description: `list or watch objects of kind ${def.kind}`, response: defNames.list });
  if (has('create')) collectionOps.push({ method: 'post', action: 'post', id: `create${op}${ns}${def.kind}`, description: `create a ${def.kind}`, response: defNames.kind, request: defNames.kind });
  if (has('deletecollection')) collectionOps.push({ method: 'delete', action: 'deletecollection', id: `deleteCollection${op}${ns}${def.kind}`, description: `delete collection of ${def.kind}`, response: status });
  if (collectionOps.length) out[base] = item(def.namespaced ? [nsParam] : [], collectionOps);

  const itemOps: OpSpec[] = [];
  if (has('get')) itemOps.push({ method: 'get', action: 'get', id: `read${op}${ns}${def.kind}`, description: `read the specified ${def.kind}`, response: defNames.kind });
  if (has('update')) itemOps.push({ method: 'put', action: 'put', id: `replace${op}${ns}${def.kind}`, description: `replace the specified ${def.kind}`, response: defNames.kind, request: defNames.kind });
  if (has('delete')) itemOps.push({ method: 'delete', action: 'delete', id: `delete${op}${ns}${def.kind}`, description: `delete a ${def.kind}`, response: status });
  if (has('patch')) itemOps.push({ method: 'patch', action: 'patch', id: `patch${op}${ns}${def.kind}`, description: `partially update the specified ${def.kind}`, response: defNames.kind, request: 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch' });
  const itemParams = def.namespaced ? [nameParam, nsParam] : [nameParam];
  if (itemOps.length) out[`${base}/{name}`] = item(itemParams, itemOps);

  if (def.namespaced && has('list')) {
    out[`${prefix}/${def.plural}`] = item([], [{ method: 'get', action: 'list', id: `list${op}${def.kind}ForAllNamespaces`, description: `list or watch objects of kind ${def.kind}`, response: defNames.list }]);
  }
  for (const sub of def.subresources) {
    // pods/ephemeralcontainers reads and writes the Pod itself, as status does.
    const ownKind = sub === 'status' || sub === 'ephemeralcontainers';
    if (!ownKind && !(sub === 'scale' && defNames.scale)) continue;
    const target = ownKind ? defNames.kind : defNames.scale!;
    const Sub = sub[0].toUpperCase() + sub.slice(1);
    out[`${base}/{name}/${sub}`] = item(itemParams, [
      { method: 'get', action: 'get', id: `read${op}${ns}${def.kind}${Sub}`, description: `read ${sub} of the specified ${def.kind}`, response: target },
      { method: 'put', action: 'put', id: `replace${op}${ns}${def.kind}${Sub}`, description: `replace ${sub} of the specified ${def.kind}`, response: target, request: target },
      { method: 'patch', action: 'patch', id: `patch${op}${ns}${def.kind}${Sub}`, description: `partially update ${sub} of the specified ${def.kind}`, response: target, request: 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch' },
    ]);
  }
  return out;
}
