import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject, ResourceDefinition } from '../api/resource.js';
import { StatusError, badRequest, conflict, invalid } from '../apimachinery/errors.js';
import { formatLabelSelector } from '../apimachinery/labels.js';
import type { RegistryStore } from '../registry/store.js';
import { rfc3339 } from '../apimachinery/time.js';
import type { ResourceRequestInfo } from './request-info.js';
import { decodeBody, readBody } from './negotiate.js';
import { applyPatch } from './resource-handler.js';
import { fieldManagerOf } from './fieldmanager/handler.js';
import { checkFields } from '../api/schema/check-fields.js';
import { successStatus, writeObject } from './response.js';
import type { Clock } from '../util/clock.js';
import type { NodeProxy } from './node-proxy.js';
import { evictPod } from './eviction.js';
import { poddisruptionbudgets } from '../api/misc/cluster-kinds.js';
import { endpoints } from '../api/core/endpoints-events.js';
import { nodes } from '../api/core/namespaces.js';
import { services } from '../api/core/services.js';
import { serveProxy } from './proxy-subresource.js';
import { serveStrategySubresource } from './strategy-subresource.js';
import type { RequestUser } from '../apimachinery/options.js';

/** SubresourceDeps are what the subresource handlers need. */
export interface SubresourceDeps {
  clock: Clock;
  storeFor(def: ResourceDefinition): RegistryStore;
  podsStore(): RegistryStore;
  nodeProxy: NodeProxy;
  /** the requester, for admission of the writes subresources make (pods/ephemeralcontainers) */
  user?: RequestUser;
}

function getPath(obj: unknown, path: string[]): unknown {
  let cur = obj as Record<string, unknown> | undefined;
  for (const p of path) cur = cur?.[p] as Record<string, unknown> | undefined;
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const p of path.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
  cur[path[path.length - 1]] = value;
}

/** scaleOf renders the autoscaling/v1 Scale view of a scalable object. */
export function scaleOf(def: ResourceDefinition, obj: KubeObject): KubeObject {
  const sc = def.scale!;
  const selector = getPath(obj, ['spec', 'selector']);
  let selectorText = '';
  if (def.customResource && sc.labelSelectorPath) {
    // Custom resources name where their selector string lives (scale.labelSelectorPath); built-in
    // kinds keep a LabelSelector object in spec.selector, rendered below.
    const s = getPath(obj, sc.labelSelectorPath);
    selectorText = typeof s === 'string' ? s : '';
  } else if (selector && typeof selector === 'object') {
    const s = selector as { matchLabels?: unknown; matchExpressions?: unknown };
    selectorText = s.matchLabels !== undefined || s.matchExpressions !== undefined
      ? formatLabelSelector(selector as never)
      : Object.entries(selector as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
  }
  const m = obj.metadata!;
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: (getPath(obj, sc.specReplicasPath) as number | undefined) ?? 0 },
    status: { replicas: (getPath(obj, sc.statusReplicasPath) as number | undefined) ?? 0, selector: selectorText },
  };
}

/**
 * handleSubresource serves scale, binding, eviction, finalize and the node-proxied log; returns
 * false when the subresource isn't one of these (exec/attach arrive as upgrades elsewhere).
 */
export async function handleSubresource(def: ResourceDefinition, info: ResourceRequestInfo, req: IncomingMessage, res: ServerResponse, url: URL, deps: SubresourceDeps): Promise<boolean> {
  const store = deps.storeFor(def);
  const ns = def.namespaced ? info.namespace : undefined;
  const name = info.name;
  if (!name) return false;
  const method = req.method ?? 'GET';
  switch (info.subresource) {
    case 'scale': return serveScale(def, store, ns, name, req, res, method, url);
    case 'binding': {
      if (method !== 'POST') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const binding = decodeBody(await readBody(req), req.headers['content-type'], 'Binding') as { target?: { kind?: string; name?: string } };
      const nodeName = binding?.target?.name;
      if (!nodeName) throw invalid('Binding', '', name, [{ type: 'FieldValueRequired', field: 'target.name' }]);
      await store.guaranteedUpdate(ns, name, (pod) => {
        const spec = (pod.spec ??= {}) as { nodeName?: string };
        if (pod.metadata?.deletionTimestamp) throw conflict({ group: '', resource: 'pods/binding' }, name, `pod ${name} is being deleted, cannot be assigned to a host`);
        if (spec.nodeName) throw conflict({ group: '', resource: 'pods/binding' }, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
        spec.nodeName = nodeName;
        const status = (pod.status ??= {}) as { conditions?: { type: string; status: string; lastTransitionTime?: string; lastProbeTime?: null; reason?: string; message?: string }[] };
        const conds = (status.conditions ??= []).filter((c) => c.type !== 'PodScheduled');
        conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(deps.clock.now()) });
        status.conditions = conds;
        return pod;
      }, { bypassStrategy: true });
      writeObject(res, 201, successStatus(undefined));
      return true;
    }
    case 'eviction': {
      if (method !== 'POST') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const ev = decodeBody(await readBody(req), req.headers['content-type'], 'Eviction');
      try {
        writeObject(res, 201, await evictPod({ pods: store, pdbs: deps.storeFor(poddisruptionbudgets), clock: deps.clock }, ns ?? '', name, ev, url.searchParams.getAll('dryRun').includes('All')));
      } catch (e) {
        // A budget that blocks the eviction says when to ask again, as kube-apiserver does.
        if (e instanceof StatusError && e.details?.retryAfterSeconds) res.setHeader('Retry-After', String(e.details.retryAfterSeconds));
        throw e;
      }
      return true;
    }
    case 'finalize': {
      if (method !== 'PUT') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const body = decodeBody(await readBody(req), req.headers['content-type'], 'Namespace') as KubeObject;
      const finalizers = ((body?.spec as { finalizers?: string[] } | undefined)?.finalizers) ?? [];
      const out = await store.guaranteedUpdate(ns, name, (cur) => {
        cur.spec = { ...(cur.spec as object), finalizers };
        return cur;
      }, { bypassStrategy: true });
      writeObject(res, 200, out);
      return true;
    }
    case 'log': {
      if (method !== 'GET') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const pod = await store.get(ns, name);
      await deps.nodeProxy.proxyLog(pod, url, req, res);
      return true;
    }
    case 'proxy': {
      if (def.group !== '' || !['services', 'pods', 'nodes'].includes(def.plural)) return false;
      await serveProxy(def.plural as 'services' | 'pods' | 'nodes', {
        services: () => deps.storeFor(services), endpoints: () => deps.storeFor(endpoints), pods: () => deps.podsStore(),
        nodes: () => deps.storeFor(nodes), agentToken: deps.nodeProxy.agentToken,
      }, ns, name, url, req, res);
      return true;
    }
    case 'ephemeralcontainers':
      if (def.group !== '' || def.plural !== 'pods') return false;
      await serveStrategySubresource(def, store, ns, name, 'ephemeralcontainers', req, res, url, deps.user);
      return true;
    case 'approval':
      if (!def.subresourceStrategies?.approval) return false;
      await serveStrategySubresource(def, store, ns, name, 'approval', req, res, url, deps.user);
      return true;
    case 'exec': case 'attach': case 'portforward':
      throw badRequest('Upgrade request required');
    default:
      return false;
  }
}

async function serveScale(def: ResourceDefinition, store: RegistryStore, ns: string | undefined, name: string, req: IncomingMessage, res: ServerResponse, method: string, url: URL): Promise<boolean> {
  if (!def.scale) return false;
  const sc = def.scale;
  if (method === 'GET') {
    writeObject(res, 200, scaleOf(def, await store.get(ns, name)));
    return true;
  }
  if (method !== 'PUT' && method !== 'PATCH') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const body = await readBody(req);
  // The writer owns spec.replicas in managedFields (kubectl scale, an HPA), so a later apply that changes it conflicts.
  const fieldManager = fieldManagerOf(req, url, method === 'PUT' ? 'UpdateOptions' : 'PatchOptions');
  const dryRun = url.searchParams.getAll('dryRun').includes('All');
  const updated = await store.guaranteedUpdate(ns, name, (cur) => {
    const currentScale = scaleOf(def, cur);
    const scale = method === 'PUT'
      ? decodeBody(body, req.headers['content-type'], 'Scale') as KubeObject
      : applyPatch({ ...def, group: 'autoscaling', kind: 'Scale' }, currentScale, body, req.headers['content-type']);
    // The body decodes as a Scale first: a wrong type anywhere is Go's decode error (400), not a 422.
    const typed = checkFields('autoscaling', 'v1', 'Scale', scale, 'Ignore');
    if (typed.error) throw badRequest(`Scale in version "v1" cannot be handled as a Scale: ${typed.error}`);
    // As for any update, the body names the object of the URL (a Scale for another object scaled this one).
    const bodyName = scale.metadata?.name;
    if (bodyName && bodyName !== name) throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    const bodyNs = scale.metadata?.namespace;
    if (bodyNs && ns && bodyNs !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid('Scale', 'autoscaling', name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas, detail: 'must be greater than or equal to 0' }]);
    }
    const rv = scale.metadata?.resourceVersion;
    if (rv && rv !== cur.metadata?.resourceVersion) throw conflict({ group: def.group, resource: def.plural }, name, 'the object has been modified; please apply your changes to the latest version and try again');
    setPath(cur as Record<string, unknown>, sc.specReplicasPath, replicas);
    return cur;
  }, { fieldManager, dryRun, subresource: 'scale' });
  writeObject(res, 200, scaleOf(def, updated));
  return true;
}
