import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject, ResourceDefinition } from '../api/resource.js';
import { StatusError, badRequest, invalid } from '../apimachinery/errors.js';
import { buildTable } from '../api/printers/table.js';
import { defaultPrinter } from '../api/printers/index.js';
import { checkFields } from '../api/schema/index.js';
import { findByKind } from '../api/registry.js';
import { queryBool, queryInt, queryOptionalBool, queryString } from '../apimachinery/query.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, patchSchemaFor } from '../apimachinery/patch/index.js';
import type { RegistryStore, DeleteOptions } from '../registry/store.js';
import { checkListOptions, type ListQuery } from '../registry/list-options.js';
import type { RequestUser } from '../apimachinery/options.js';
import type { ResourceRequestInfo } from './request-info.js';
import { decodeBody, negotiateOutput, readBody, type OutputKind } from './negotiate.js';
import { goJSONSyntaxError } from '../apimachinery/json-syntax.js';
import { decodeKubernetesProtobuf, isProtobufContentType } from '../apimachinery/protobuf/decode.js';
import { successStatus, wantsProtobuf, writeObject, writeError } from './response.js';
import { encodeWatchEventFrame, notAcceptable, protobufMessageFor } from '../apimachinery/protobuf/encode.js';
import type { Clock } from '../util/clock.js';
import { checkCustomResourceFields, CUSTOM_RESOURCE_PATCH_TYPES } from './crd/decode.js';
import { checkApplyPatch, isApplyPatch } from './apply.js';
import { serveApply, fieldManagerOf, checkForceParam } from './fieldmanager/handler.js';
import { goPlusV, unstructuredConvertError } from './smp-errors.js';

/** ResourceContext is what resource handlers need from the server. */
export interface ResourceContext {
  clock: Clock;
  /** the authenticated requester, handed to admission */
  user?: RequestUser;
  findResource(group: string, version: string, plural: string): ResourceDefinition | undefined;
  storeFor(def: ResourceDefinition): RegistryStore;
  /** subresources served elsewhere (scale, binding, log, exec...) */
  subresource(def: ResourceDefinition, info: ResourceRequestInfo, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

function fieldValidation(url: URL): FieldValidation {
  const v = url.searchParams.get('fieldValidation');
  if (!v) return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation invalid value: ${v}`);
}

function isDryRun(url: URL): boolean {
  const v = url.searchParams.getAll('dryRun');
  for (const d of v) if (d !== 'All') throw badRequest(`Invalid dry run value: ${d}`);
  return v.length > 0;
}

const notFoundResource = () => new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});

/**
 * handleResource serves every verb on /api and /apis resource paths: get, list, watch, create,
 * update, patch, delete and deletecollection, plus status and delegated subresources.
 */
export async function handleResource(req: IncomingMessage, res: ServerResponse, url: URL, info: ResourceRequestInfo, ctx: ResourceContext): Promise<void> {
  const def = ctx.findResource(info.group, info.version, info.resource);
  if (!def) throw notFoundResource();
  if (!def.namespaced && info.namespace) throw notFoundResource();
  const ns = def.namespaced ? info.namespace : undefined;
  const store = ctx.storeFor(def);
  const method = req.method ?? 'GET';

  // Path segments past a subresource name a route only under proxy (pods/x/proxy/a/b).
  if (info.rest.length > 0 && info.subresource !== 'proxy') throw notFoundResource();
  if (info.subresource && info.subresource !== 'status') {
    if (!def.subresources.includes(info.subresource) && !(def.plural === 'namespaces' && info.subresource === 'finalize')) throw notFoundResource();
    if (await ctx.subresource(def, info, req, res, url)) return;
    throw notFoundResource();
  }
  if (info.subresource === 'status' && !def.subresources.includes('status')) throw notFoundResource();
  // status has GET, PUT and PATCH routes only (a DELETE of .../status deleted the object itself)
  if (info.subresource === 'status' && method !== 'GET' && method !== 'PUT' && method !== 'PATCH') throw methodNotAllowed();
  const output = method === 'GET' || method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE' ? negotiateOutput(req.headers.accept) : 'json';

  if (output === 'table') checkTableOptions(url);
  switch (method) {
    case 'GET': {
      if (!info.name) {
        const listQuery = checkListOptions({
          watch: isWatch(url),
          resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
          resourceVersionMatch: url.searchParams.get('resourceVersionMatch') ?? undefined,
          sendInitialEvents: queryOptionalBool(url.searchParams, 'sendInitialEvents'),
          allowWatchBookmarks: queryBool(url.searchParams, 'allowWatchBookmarks'),
          continue: url.searchParams.get('continue') ?? undefined,
        });
        if (listQuery.watch) return serveWatch(req, res, url, def, store, ns, output, ctx.clock, listQuery);
        const list = await store.list(ns, {
          labelSelector: url.searchParams.get('labelSelector') ?? undefined,
          fieldSelector: url.searchParams.get('fieldSelector') ?? undefined,
          limit: numberParam(url, 'limit'),
          continue: listQuery.continue,
          resourceVersion: listQuery.resourceVersion,
          resourceVersionMatch: listQuery.resourceVersionMatch as 'NotOlderThan' | 'Exact' | undefined,
        });
        return writeObject(res, 200, renderList(def, list.items, list.metadata, output, url, ctx.clock.now()), output === 'yaml' ? 'yaml' : 'json');
      }
      const obj = await store.get(ns, info.name);
      return writeObject(res, 200, renderOne(def, obj, output, url, ctx.clock.now()), output === 'yaml' ? 'yaml' : 'json');
    }
    case 'POST': {
      if (info.name) throw methodNotAllowed();
      requireVerb(def, 'create');
      const { obj, warnings } = await readObject(req, url, def);
      const created = await store.create(ns, obj, { dryRun: isDryRun(url), user: ctx.user, warnings, fieldManager: fieldManagerOf(req, url, 'CreateOptions') });
      return writeObject(res, 201, renderOne(def, created, output, url, ctx.clock.now()), output === 'yaml' ? 'yaml' : 'json', warnings);
    }
    case 'PUT': {
      if (!info.name) throw methodNotAllowed();
      requireVerb(def, 'update');
      const { obj, warnings } = await readObject(req, url, def);
      if (!obj.metadata?.name) throw undeterminableName(info.name);
      const updated = await store.update(ns, info.name, obj, { dryRun: isDryRun(url), subresource: info.subresource === 'status' ? 'status' : undefined, user: ctx.user, warnings, fieldManager: fieldManagerOf(req, url, 'UpdateOptions') });
      return writeObject(res, 200, renderOne(def, updated, output, url, ctx.clock.now()), output === 'yaml' ? 'yaml' : 'json', warnings);
    }
    case 'PATCH': {
      if (!info.name) throw methodNotAllowed();
      requireVerb(def, 'patch');
      const body = await readBody(req);
      checkPatchContentType(def, req.headers['content-type'], body);
      const warnings: string[] = [];
      const validation = fieldValidation(url);
      if (isApplyPatch(req.headers['content-type'])) {
        // server-side apply: the request's checks (apply.ts), then the field manager's merge (fieldmanager/)
        const applied = checkApplyPatch(def, body, url, ns, info.name, validation);
        const subresource = info.subresource === 'status' ? 'status' : undefined;
        const r = await serveApply({
          def, store, ns, name: info.name, subresource, config: applied.obj, url, now: ctx.clock.now(),
          opts: { dryRun: isDryRun(url), subresource, user: ctx.user, warnings: applied.warnings },
          coerce: (obj) => checkObjectFields(def, obj, 'Ignore', applied.warnings),
        });
        return writeObject(res, r.created ? 201 : 200, renderOne(def, r.object, output, url, ctx.clock.now()), output === 'yaml' ? 'yaml' : 'json', applied.warnings);
      }
      checkForceParam(url);
      // applyPatch leaves current as it is (mutateLeavesCurrent): redone, it gives the patched object again.
      const patched = await store.guaranteedUpdate(ns, info.name, (current) => {
        const next = applyPatch(def, current, body, req.headers['content-type']);
        checkPatchedObject(def, info.name!, next, validation, warnings, () => applyPatch(def, current, body, req.headers['content-type']), strategicPatchOf(req.headers['content-type'], body));
        return next;
      }, { dryRun: isDryRun(url), subresource: info.subresource === 'status' ? 'status' : undefined, user: ctx.user, warnings, fieldManager: fieldManagerOf(req, url, 'PatchOptions'), mutateLeavesCurrent: true });
      return writeObject(res, 200, renderOne(def, patched, output, url, ctx.clock.now()), output === 'yaml' ? 'yaml' : 'json', warnings);
    }
    case 'DELETE': {
      requireVerb(def, info.name ? 'delete' : 'deletecollection');
      const warnings: string[] = [];
      const opts: DeleteOptions = { ...await readDeleteOptions(req, url), user: ctx.user, warnings };
      if (!info.name) {
        const deleted = await store.deleteCollection(ns, {
          labelSelector: url.searchParams.get('labelSelector') ?? undefined,
          fieldSelector: url.searchParams.get('fieldSelector') ?? undefined,
        }, opts);
        return writeObject(res, 200, renderList(def, deleted, { resourceVersion: '' }, 'json', url, ctx.clock.now()), 'json', warnings);
      }
      const result = await store.delete(ns, info.name, opts);
      if (def.plural === 'namespaces' && def.group === '' && !result.deleted) {
        return writeObject(res, 200, result.object, output === 'yaml' ? 'yaml' : 'json', warnings);
      }
      if (!returnsObjectOnDelete(def)) {
        return writeObject(res, 200, successStatus({ name: info.name, group: def.group || undefined, kind: def.plural, uid: result.object.metadata?.uid }), 'json', warnings);
      }
      return writeObject(res, result.deleted ? 200 : 202, result.object, output === 'yaml' ? 'yaml' : 'json', warnings);
    }
    default:
      throw methodNotAllowed();
  }
}

async function objectExists(store: RegistryStore, ns: string | undefined, name: string): Promise<boolean> {
  try {
    await store.get(ns, name);
    return true;
  } catch (e) {
    if (e instanceof StatusError && e.code === 404) return false;
    throw e;
  }
}

/** Kubernetes answers deletes with the deleted object, except for a few kinds that return a Status. */
function returnsObjectOnDelete(def: ResourceDefinition): boolean {
  return !(def.group === '' && (def.plural === 'events' || def.plural === 'endpoints'));
}

/**
 * methodNotAllowed is kube-apiserver's answer when no route serves the method on the path (PUT on a
 * collection, POST on an object, a verb the resource lacks): go-restful's 405 as its service error
 * handler renders it, the generic message and empty details.
 */
function methodNotAllowed(): StatusError {
  return new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

function requireVerb(def: ResourceDefinition, verb: string): void {
  if (!def.verbs.includes(verb)) throw methodNotAllowed();
}

function isWatch(url: URL): boolean {
  return queryBool(url.searchParams, 'watch');
}

function numberParam(url: URL, name: string): number | undefined {
  return queryInt(url.searchParams, name);
}

/** readObject decodes a create/update body and checks it against the schema and the URL's kind. */
async function readObject(req: IncomingMessage, url: URL, def: ResourceDefinition): Promise<{ obj: KubeObject; warnings: string[] }> {
  const bodyBytes = await readBody(req);
  const raw = decodeBody(bodyBytes, req.headers['content-type'], def.kind);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal ${Array.isArray(raw) ? 'array' : typeof raw} into Go value of type struct`);
  }
  const obj = raw as KubeObject;
  // kube-apiserver first reads apiVersion and kind into strings; anything else is its decode error
  // (rendering an array here recursed through it: a 500 for a deeply nested one).
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if ((key === 'apiVersion' || key === 'kind') && v !== null && typeof v !== 'string') {
      const type = Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v;
      throw badRequest(`couldn't get version/kind; json parse error: json: cannot unmarshal ${type} into Go struct field .${key} of type string`);
    }
  }
  const wantAV = def.group ? `${def.group}/${def.version}` : def.version;
  if (obj.kind !== undefined && obj.kind !== def.kind) {
    throw badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: the kind in the data (${String(obj.kind)}) does not match the expected kind (${def.kind})`);
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== null && obj.apiVersion !== '' && obj.apiVersion !== wantAV) {
    // A version the kind does not exist in fails in the decoder (its scheme has no such type); a
    // version it does exist in decodes, then the handler refuses the other group version.
    const av = String(obj.apiVersion);
    const [g, v] = av.includes('/') ? [av.slice(0, av.indexOf('/')), av.slice(av.indexOf('/') + 1)] : ['', av];
    if (!def.customResource && !findByKind(g, v, def.kind)) {
      throw badRequest(`${def.kind} in version "${v}" cannot be handled as a ${def.kind}: no kind "${def.kind}" is registered for version "${av}" in scheme "pkg/api/legacyscheme/scheme.go:30"`);
    }
    throw badRequest(`the API version in the data (${av}) does not match the expected API version (${wantAV})`);
  }
  const warnings: string[] = [];
  const isJson = /^application\/json\b/.test(req.headers['content-type'] ?? 'application/json');
  checkObjectFields(def, obj, fieldValidation(url), warnings, isJson ? bodyBytes.toString('utf8') : undefined);
  return { obj, warnings };
}

function checkObjectFields(def: ResourceDefinition, obj: KubeObject, mode: FieldValidation, warnings: string[], rawJson?: string): void {
  const r = def.customResource ? checkCustomResourceFields(def, obj, mode, rawJson) : checkFields(def.group, def.version, def.kind, obj, mode, rawJson);
  warnings.push(...r.warnings);
  if (r.error) {
    // transformDecodeError names the kind of every decode error once the body's kind is known
    // (a bad quantity or time too), only not one found before it (the body's depth).
    const msg = !r.error.startsWith("couldn't get version/kind")
      ? `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${r.error}`
      : r.error;
    throw badRequest(msg);
  }
}

/**
 * checkPatchedObject decodes a patch's result as kube-apiserver's patcher does: whatever its decoder
 * refuses there (a wrong type, an unknown field under Strict, a kind or apiVersion the patch changed)
 * is 422 Invalid on the field `patch`, the patched object quoted, not the 400 of a create's body.
 */
function checkPatchedObject(def: ResourceDefinition, name: string, obj: KubeObject, mode: FieldValidation, warnings: string[], again: () => KubeObject, strategicPatch?: () => unknown): void {
  // The message quotes the patched object as the patch made it. It is encoded only for an error:
  // after the field check (which drops unknown fields from obj) from the patch redone.
  let checked = false;
  const patchInvalid = (err: string) => {
    const repr = JSON.stringify(checked ? again() : obj);
    const message = `Invalid value: ${JSON.stringify(repr)}: ${err}`;
    return new StatusError(422, 'Invalid', ` "" is invalid: patch: ${message}`, { causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }] });
  };
  if (!obj.metadata?.name) throw undeterminableName(name);
  const wantAV = def.group ? `${def.group}/${def.version}` : def.version;
  if (obj.apiVersion !== undefined && obj.apiVersion !== wantAV) {
    const av = String(obj.apiVersion);
    // a custom resource's converter knows only its CRD's versions
    if (def.customResource) throw patchInvalid(`request to convert CR from an invalid group/version: ${av}`);
    throw patchInvalid(`no kind ${JSON.stringify(String(obj.kind ?? def.kind))} is registered for version ${JSON.stringify(av)} in scheme "pkg/api/legacyscheme/scheme.go:30"`);
  }
  if (obj.kind !== undefined && obj.kind !== def.kind) {
    if (def.customResource) throw patchInvalid(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${def.kind})`);
    throw patchInvalid(`converting (${def.version}.${String(obj.kind)}) to (${def.group ? def.group.split('.')[0] : 'core'}.${def.kind}): unknown conversion`);
  }
  checked = true;
  const r = def.customResource ? checkCustomResourceFields(def, obj, mode) : checkFields(def.group, def.version, def.kind, obj, mode);
  warnings.push(...r.warnings);
  if (r.error && strategicPatch) {
    // A strategic merge patch's result is converted from a map, not decoded: the patch is quoted
    // (as %+v prints it) with the unstructured converter's words (applyPatchToObject).
    const message = `Invalid value: ${JSON.stringify(goPlusV(strategicPatch()))}: ${unstructuredConvertError(r.error)}`;
    throw new StatusError(422, 'Invalid', ` "" is invalid: patch: ${message}`, { causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }] });
  }
  if (r.error) throw patchInvalid(r.error);
}

/** strategicPatchOf parses a strategic merge patch's body when asked (undefined for other patch types: only an error needs it). */
function strategicPatchOf(contentType: string | undefined, body: Buffer): (() => unknown) | undefined {
  if ((contentType ?? '').split(';')[0].trim().toLowerCase() !== 'application/strategic-merge-patch+json') return undefined;
  return () => JSON.parse(body.toString('utf8')) as unknown; // applyPatch has parsed it once already
}

/** checkTableOptions refuses an includeObject a Table cannot carry, before any work is done (optionsForTransform). */
function checkTableOptions(url: URL): void {
  const include = url.searchParams.get('includeObject');
  if (include && !['Metadata', 'Object', 'None'].includes(include)) {
    throw badRequest(`Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(include)}: must be 'Metadata', 'Object', 'None', or empty`);
  }
}

/** PATCH_TYPES are the patch media types a built-in resource's PATCH route consumes. */
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

/**
 * checkPatchContentType refuses a patch type a built-in resource's route does not consume, as
 * kube-apiserver does: go-restful matches a body's Content-Type against the route first (its bare
 * "415: Unsupported Media Type"); only a bodiless request reaches the patch handler, which lists the
 * types. Custom resources have no go-restful route: applyPatch answers for them.
 */
function checkPatchContentType(def: ResourceDefinition, contentType: string | undefined, body: Buffer): void {
  if (def.customResource) return;
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (PATCH_TYPES.includes(ct)) return;
  if (body.length > 0) throw new StatusError(415, 'UnsupportedMediaType', '415: Unsupported Media Type', {});
  throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`);
}

/** undeterminableName is checkName's answer for a body (or patch result) without metadata.name. */
function undeterminableName(name: string): StatusError {
  return badRequest(`the name of the object (${name} based on URL) was undeterminable: name must be provided`);
}

/** applyPatch applies a JSON, merge or strategic merge patch to the current object. */
export function applyPatch(def: ResourceDefinition, current: KubeObject, body: Buffer, contentType: string | undefined): KubeObject {
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  let patch: unknown;
  try {
    patch = JSON.parse(body.toString('utf8'));
  } catch (e) {
    if (ct === 'application/apply-patch+yaml') throw new StatusError(415, 'UnsupportedMediaType', 'server-side apply is not supported by tskube yet; use client-side kubectl apply');
    throw badRequest(`error decoding patch: ${goJSONSyntaxError(body) ?? (e as Error).message}`);
  }
  // Custom resources have no patch strategy: Kubernetes refuses strategic merge for them.
  if (def.customResource && !CUSTOM_RESOURCE_PATCH_TYPES.includes(ct)) {
    throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${CUSTOM_RESOURCE_PATCH_TYPES.join(', ')}`);
  }
  switch (ct) {
    case 'application/json-patch+json':
      return applyJsonPatch(current, patch) as KubeObject;
    case 'application/merge-patch+json':
      return applyMergePatch(current, patch) as KubeObject;
    case 'application/strategic-merge-patch+json':
      return applyStrategicMergePatch(current, patch, patchSchemaFor(def.group, def.kind)) as KubeObject;
    case 'application/apply-patch+yaml':
      throw new StatusError(415, 'UnsupportedMediaType', 'server-side apply is not supported by tskube yet; use client-side kubectl apply');
    default:
      throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
  }
}

async function readDeleteOptions(req: IncomingMessage, url: URL): Promise<DeleteOptions> {
  const body = await readBody(req);
  let opts: DeleteOptions & { kind?: string; apiVersion?: string } = {};
  if (isProtobufContentType(req.headers['content-type']) && body.length) {
    // client-go's typed clients (the e2e framework, controllers, kubelet) send DeleteOptions as protobuf.
    const decoded = decodeKubernetesProtobuf(body);
    if (decoded.kind !== 'DeleteOptions') throw badRequest(`error decoding DeleteOptions: the body is a ${decoded.apiVersion}, Kind=${decoded.kind}`);
    const { apiVersion: _v, kind: _k, ...rest } = decoded.object;
    opts = rest as DeleteOptions;
  } else if (body.length && body.toString('utf8').trim()) {
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw badRequest(`error decoding DeleteOptions: ${goJSONSyntaxError(body) ?? (e as Error).message}`);
    }
    opts = checkDeleteOptions(raw);
  }
  const grace = queryInt(url.searchParams, 'gracePeriodSeconds');
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const pp = queryString(url.searchParams, 'propagationPolicy');
  if (pp) opts.propagationPolicy = pp as DeleteOptions['propagationPolicy'];
  const orphan = queryOptionalBool(url.searchParams, 'orphanDependents');
  if (orphan !== undefined) opts.orphanDependents = orphan;
  if (opts.orphanDependents !== undefined && opts.orphanDependents !== null && opts.propagationPolicy) {
    throw invalid('DeleteOptions', 'meta.k8s.io', '', [{ type: 'FieldValueInvalid', field: 'propagationPolicy', value: opts.propagationPolicy, detail: 'orphanDependents and deletionPropagation cannot be both set' }]);
  }
  if (opts.propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(opts.propagationPolicy)) {
    throw invalid('DeleteOptions', 'meta.k8s.io', '', [{ type: 'FieldValueNotSupported', field: 'propagationPolicy', value: String(opts.propagationPolicy), supported: ['Foreground', 'Background', 'Orphan'] }]);
  }
  if (isDryRun(url)) opts.dryRun = true;
  return opts;
}

/** DELETE_OPTION_TYPES are DeleteOptions' fields and their JSON types (meta/v1 DeleteOptions). */
const DELETE_OPTION_TYPES: Record<string, { json: 'string' | 'number' | 'boolean' | 'object' | 'array'; go: string }> = {
  kind: { json: 'string', go: 'string' }, apiVersion: { json: 'string', go: 'string' },
  gracePeriodSeconds: { json: 'number', go: 'int64' }, preconditions: { json: 'object', go: 'v1.Preconditions' },
  orphanDependents: { json: 'boolean', go: 'bool' }, propagationPolicy: { json: 'string', go: 'v1.DeletionPropagation' },
  dryRun: { json: 'array', go: '[]string' }, ignoreStoreReadErrorWithClusterBreakingPotential: { json: 'boolean', go: 'bool' },
};

/**
 * checkDeleteOptions decodes a DELETE body as DeleteOptions: an object of kind DeleteOptions (any
 * group version carries one), each field of its type. kube-apiserver answers a body it cannot decode
 * with its decoder's error; a JSON `null` is no options. Never a half-typed options object (a null
 * body crashed on it, a wrong-typed one was taken as options).
 */
function checkDeleteOptions(raw: unknown): DeleteOptions {
  if (raw === null) return {};
  const jsonType = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'boolean' ? 'bool' : typeof v);
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw badRequest(`error decoding DeleteOptions: json: cannot unmarshal ${jsonType(raw)} into Go value of type v1.DeleteOptions`);
  }
  const o = raw as Record<string, unknown>;
  if (o.kind !== undefined && o.kind !== null && o.kind !== '' && o.kind !== 'DeleteOptions') {
    throw badRequest(`error decoding DeleteOptions: no kind "${String(o.kind)}" is registered for version "${String(o.apiVersion ?? '')}"`);
  }
  for (const [k, v] of Object.entries(o)) {
    const t = DELETE_OPTION_TYPES[k];
    if (!t || v === null) continue;
    const actual = Array.isArray(v) ? 'array' : typeof v;
    const ok = actual === t.json && (k !== 'gracePeriodSeconds' || Number.isInteger(v))
      && (k !== 'dryRun' || (v as unknown[]).every((d) => typeof d === 'string'))
      && (k !== 'preconditions' || Object.values(v as object).every((p) => p === null || typeof p === 'string'));
    if (!ok) throw badRequest(`error decoding DeleteOptions: json: cannot unmarshal ${jsonType(v)} into Go struct field DeleteOptions.${k} of type ${t.go}`);
  }
  const dryRun = o.dryRun as string[] | undefined | null;
  if (dryRun?.some((d) => d !== 'All')) {
    throw new StatusError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{${dryRun.map((d) => JSON.stringify(d)).join(', ')}}: supported values: "All"`, {
      group: 'meta.k8s.io', kind: 'DeleteOptions', causes: [{ reason: 'FieldValueNotSupported', message: `Unsupported value: []string{${dryRun.map((d) => JSON.stringify(d)).join(', ')}}: supported values: "All"`, field: 'dryRun' }],
    });
  }
  const { dryRun: _d, kind: _k, apiVersion: _a, ...rest } = o;
  // null is Go's zero value: the field is unset
  const opts = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null)) as DeleteOptions;
  if (dryRun?.length) opts.dryRun = true;
  return opts;
}

function renderOne(def: ResourceDefinition, obj: KubeObject, output: OutputKind, url: URL, now: Date): unknown {
  if (output === 'table') return renderList(def, [obj], { resourceVersion: obj.metadata?.resourceVersion }, output, url, now, true);
  if (output === 'metadata') return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  return obj;
}

/** renderList renders a list as the negotiated kind: <Kind>List, Table, or PartialObjectMetadataList. */
export function renderList(def: ResourceDefinition, items: KubeObject[], listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number }, output: OutputKind, url: URL, now: Date, single = false): unknown {
  if (output === 'table') {
    const include = (url.searchParams.get('includeObject') ?? 'Metadata') as 'None' | 'Metadata' | 'Object';
    const table = buildTable(def.table ?? defaultPrinter, items, { now, includeObject: include, listMeta }) as Record<string, unknown>;
    if (single) delete (table.metadata as Record<string, unknown>)?.continue;
    return table;
  }
  if (output === 'metadata') {
    return {
      kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta,
      items: items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata })),
    };
  }
  return {
    kind: `${def.kind}List`,
    apiVersion: def.group ? `${def.group}/${def.version}` : def.version,
    metadata: listMeta,
    items,
  };
}

/**
 * encodedJson holds each watch event's JSON line per event type, keyed by the object: the watch
 * cache hands the same decoded object to every watcher, so it is serialized once, not per watcher.
 * A line is wanted while its event fans out: lines are dropped one to two seconds after they were
 * made (a watcher lagging further behind encodes again). Kept for the object's whole life in the
 * watch cache, they cost ~4 KB per pod, 50 MB at 10,000 pods.
 */
const encodedJson = new WeakMap<KubeObject, Map<string, string>>();
/** the objects whose lines were made in this period and in the one before */
let encodedRecent: KubeObject[] = [];
let encodedOlder: KubeObject[] = [];
let encodedSweep: NodeJS.Timeout | undefined;
const ENCODED_JSON_PERIOD_MS = 1000;

function sweepEncodedJson(): void {
  for (const o of encodedOlder) encodedJson.delete(o);
  encodedOlder = encodedRecent;
  encodedRecent = [];
  if (encodedOlder.length === 0) {
    clearInterval(encodedSweep);
    encodedSweep = undefined;
  }
}

function encodedEvent(type: string, object: KubeObject): string {
  let byType = encodedJson.get(object);
  if (!byType) {
    encodedJson.set(object, (byType = new Map()));
    encodedRecent.push(object);
    // Not on the injected clock: this is memory housekeeping, not behaviour.
    encodedSweep ??= setInterval(sweepEncodedJson, ENCODED_JSON_PERIOD_MS).unref();
  }
  let line = byType.get(type);
  if (line === undefined) byType.set(type, (line = JSON.stringify({ type, object }) + '\n'));
  return line;
}

function groupVersion(def: ResourceDefinition): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/**
 * watchAsProtobuf decides a watch stream's encoding up front: protobuf frames when the client
 * prefers protobuf and the kind has a message; JSON when it has none and JSON is acceptable
 * (custom resources); otherwise Kubernetes' 406.
 */
function watchAsProtobuf(res: ServerResponse, def: ResourceDefinition, output: OutputKind): boolean {
  const want = wantsProtobuf(res);
  if (!want || output !== 'json') return false;
  if (protobufMessageFor(groupVersion(def), def.kind)) return true;
  if (want.jsonFallback) return false;
  throw notAcceptable(groupVersion(def), def.kind);
}

/** serveWatch streams watch events as newline-delimited JSON until the client goes or the timeout ends. */
async function serveWatch(req: IncomingMessage, res: ServerResponse, url: URL, def: ResourceDefinition, store: RegistryStore, ns: string | undefined, output: OutputKind, clock: Clock, q: ListQuery): Promise<void> {
  const ac = new AbortController();
  const timeoutSeconds = numberParam(url, 'timeoutSeconds') ?? (1800 + Math.floor(Math.random() * 1800));
  const timer = setTimeout(() => ac.abort(), timeoutSeconds * 1000);
  const onClose = () => ac.abort();
  res.on('close', onClose);
  req.on('aborted', onClose);
  let iter: AsyncGenerator<{ type: string; object: KubeObject }> | undefined;
  try {
    iter = store.watch(ns, {
      labelSelector: url.searchParams.get('labelSelector') ?? undefined,
      fieldSelector: url.searchParams.get('fieldSelector') ?? undefined,
      resourceVersion: q.resourceVersion,
      sendInitialEvents: q.sendInitialEvents,
      allowWatchBookmarks: q.allowWatchBookmarks,
      signal: ac.signal,
    });
    // Pull the first event lazily so selector errors still become a plain HTTP error.
    const first = iter.next();
    const firstOrWait = await Promise.race([first, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 0))]);
    const protobuf = watchAsProtobuf(res, def, output);
    res.writeHead(200, { 'Content-Type': protobuf ? 'application/vnd.kubernetes.protobuf;stream=watch' : 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    // Events that arrive together (a burst drained in one turn) leave in one TLS record and syscall.
    let corked = false;
    const writeEvent = (ev: { type: string; object: KubeObject }) => {
      if (!corked) {
        corked = true;
        res.cork();
        setImmediate(() => { corked = false; res.uncork(); });
      }
      if (protobuf) {
        // Length-prefixed metav1.WatchEvent frames, each object in its own protobuf envelope.
        res.write(encodeWatchEventFrame(ev.type, ev.type === 'ERROR' ? ev.object : { apiVersion: groupVersion(def), kind: def.kind, ...ev.object }));
        return;
      }
      let object: unknown = ev.object;
      // A bookmark has no columns: an empty Table carrying its resourceVersion.
      if (ev.type === 'BOOKMARK' && output === 'table') object = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: ev.object.metadata, columnDefinitions: [], rows: [] };
      else if (ev.type !== 'ERROR' && output === 'table') object = renderList(def, [ev.object], { resourceVersion: ev.object.metadata?.resourceVersion }, 'table', url, clock.now(), true);
      else if (ev.type !== 'ERROR' && output === 'metadata') object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: ev.object.metadata };
      res.write(output === 'json' && ev.type !== 'ERROR' ? encodedEvent(ev.type, ev.object) : JSON.stringify({ type: ev.type, object }) + '\n');
    };
    const firstResult = firstOrWait === 'pending' ? await first : firstOrWait;
    if (!firstResult.done) {
      writeEvent(firstResult.value);
      for (;;) {
        const n = await iter.next();
        if (n.done) break;
        writeEvent(n.value);
      }
    }
    res.end();
  } catch (e) {
    if (!res.headersSent) writeError(res, e);
    else res.end();
  } finally {
    clearTimeout(timer);
    ac.abort();
    res.off('close', onClose);
    await iter?.return(undefined).catch(() => undefined);
  }
}
