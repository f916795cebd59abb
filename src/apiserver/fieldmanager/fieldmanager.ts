/**
 * The field manager (apiserver's fieldmanager + structured-merge-diff's merge.Updater): keeps
 * metadata.managedFields on every write and performs server-side apply.
 *
 * - Update (create, update, patch): fields the write added or changed move to its manager,
 *   removed fields leave every manager.
 * - Apply: the applied configuration is merged into the live object; the manager's applied set
 *   becomes exactly the configuration's fields, fields it applied before and applies no more are
 *   removed unless someone else owns them, and changing a field another manager owns is a
 *   conflict (409) unless forced, which takes the field over.
 */
import type { KubeObject, ResourceDefinition } from '../../api/resource.js';
import { StatusError, badRequest } from '../../apimachinery/errors.js';
import { rfc3339 } from '../../apimachinery/time.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { decodeManagedFields, encodeManagedFields, managerKey, type ManagedFieldsEntry, type Managers, type ManagerSet } from './managed.js';
import { FieldSet } from './set.js';
import { deepClone } from '../../apimachinery/deep.js';
import { resourceType, type TypeNode } from './schema.js';
import { compare, isSame, merge, removeItems, toFieldSet, TypedErrors, type Comparison } from './typed.js';
import { pathString } from './path.js';

/** LAST_APPLIED is client-side apply's annotation. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** FieldManagerContext says which resource and subresource is written, and when. */
export interface FieldManagerContext {
  def: ResourceDefinition;
  subresource?: string;
  now: Date;
}

/** Metadata fields no manager owns (the stripMeta manager's set). */
const STRIPPED = FieldSet.fromPaths([
  ['f:apiVersion'], ['f:kind'], ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']
    .map((f) => ['f:metadata', `f:${f}`]),
]);

const STATUS = FieldSet.fromPaths([['f:status']]);
const SPEC = FieldSet.fromPaths([['f:spec']]);

function apiVersionOf(def: ResourceDefinition): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** ignoreFields drops what a manager cannot own: server metadata, and status or spec by subresource (reset fields). */
function ignoreFields(ctx: FieldManagerContext, s: FieldSet): FieldSet {
  const stripped = s.difference(STRIPPED);
  // status writes may carry metadata (the deployment controller's revision annotation), never spec
  if (ctx.subresource === 'status') return stripped.recursiveDifference(SPEC);
  if (ctx.def.subresources.includes('status')) return stripped.recursiveDifference(STATUS);
  return stripped;
}

function filterComparison(ctx: FieldManagerContext, c: Comparison): Comparison {
  return { added: ignoreFields(ctx, c.added), removed: ignoreFields(ctx, c.removed), modified: ignoreFields(ctx, c.modified) };
}

/** withoutManagedFields copies an object without metadata.managedFields (they are not part of its fields). */
function withoutManagedFields(obj: KubeObject | undefined): KubeObject {
  if (!obj) return {} as KubeObject;
  const copy = { ...obj, metadata: { ...(obj.metadata ?? {}) } };
  delete copy.metadata.managedFields;
  return copy;
}

/** trackedPart is the object without what ignoreFields would drop anyway (walking it is wasted work on every write). */
function trackedPart(ctx: FieldManagerContext, obj: KubeObject | undefined): KubeObject {
  const copy = withoutManagedFields(obj) as Record<string, unknown>;
  if (ctx.subresource === 'status') delete copy.spec;
  else if (ctx.def.subresources.includes('status')) delete copy.status;
  return copy as KubeObject;
}

function decodeOrEmpty(entries: unknown): Managers {
  try {
    return decodeManagedFields(entries);
  } catch {
    return new Map();
  }
}

/** managerFromUserAgent is Kubernetes' default manager name: the User-Agent up to its first '/'. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  return (userAgent ?? '').split('/')[0];
}

/**
 * updateManagedFields computes managedFields for a create, update or patch by `manager` that
 * turns `live` (undefined on create) into `next`. managedFields the client sent on a main-resource
 * write are honoured as Kubernetes honours them (kubectl's client-side to server-side apply
 * migration rewrites them with a JSON patch); otherwise the live object's are the base.
 */
export function updateManagedFields(ctx: FieldManagerContext, live: KubeObject | undefined, next: KubeObject, manager: string): ManagedFieldsEntry[] {
  const type = resourceType(ctx.def);
  const sent = next.metadata?.managedFields;
  // `managedFields: []` or `[{}]` is how a client clears them (isResetManagedFields)
  if (!ctx.subresource && Array.isArray(sent) && (sent.length === 0 || (sent.length === 1 && isEmptyEntry(sent[0])))) return [];
  let managers: Managers | undefined;
  if (!ctx.subresource && Array.isArray(sent) && sent.length > 0) {
    try { managers = decodeManagedFields(sent); } catch { managers = undefined; }
  }
  managers ??= decodeOrEmpty(live?.metadata?.managedFields);
  const cmp = filterComparison(ctx, compare(trackedPart(ctx, live), trackedPart(ctx, next), type));
  if (isSame(cmp)) return encodeManagedFields(managers);
  const changed = cmp.modified.union(cmp.added);
  for (const [k, m] of managers) {
    m.set = m.set.difference(changed).difference(cmp.removed);
    if (m.set.empty()) managers.delete(k);
  }
  const self: ManagerSet = { manager, operation: 'Update', apiVersion: apiVersionOf(ctx.def), subresource: ctx.subresource, set: changed };
  const key = managerKey(self);
  const prev = managers.get(key);
  if (prev) self.set = prev.set.union(changed);
  if (!self.set.empty()) {
    self.time = rfc3339(ctx.now);
    managers.set(key, self);
  }
  capUpdateManagers(managers);
  return encodeManagedFields(managers);
}

/** MAX_UPDATE_MANAGERS is DefaultMaxUpdateManagers: more Update entries than this are bucketed. */
export const MAX_UPDATE_MANAGERS = 10;

/**
 * capUpdateManagers folds the oldest Update entries into one "ancient-changes" entry per
 * apiVersion until at most MAX_UPDATE_MANAGERS remain (the capManagersManager), so an object
 * written by many clients does not grow without bound.
 */
export function capUpdateManagers(managers: Managers): void {
  const seconds = (m: ManagerSet) => (m.time ? Math.floor(Date.parse(m.time) / 1000) : 0);
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([ka, a], [kb, b]) => (seconds(a) - seconds(b)) || (ka < kb ? -1 : ka > kb ? 1 : 0));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const [key, m] = updaters[i];
    const bucket: ManagerSet = { manager: 'ancient-changes', operation: 'Update', apiVersion: m.apiVersion, set: new FieldSet() };
    const bucketKey = managerKey(bucket);
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) { firstOfVersion.set(m.apiVersion, key); continue; }
    if (!managers.has(bucketKey)) {
      // the first entry of this version becomes the bucket
      const f = managers.get(first)!;
      managers.delete(first);
      managers.set(bucketKey, { ...bucket, time: f.time, set: f.set });
    }
    const b = managers.get(bucketKey)!;
    b.set = m.set.union(b.set);
    b.time = m.time;
    managers.delete(key);
    length--;
  }
}

function isEmptyEntry(e: unknown): boolean {
  return e !== null && typeof e === 'object' && !Array.isArray(e) && Object.values(e).every((v) => v === undefined);
}

/** Conflict is one field another manager owns with a different value. */
export interface Conflict { manager: ManagerSet; path: string[] }

/** printManager names a manager in a conflict as Kubernetes does. */
function printManager(m: ManagerSet): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  return m.operation === 'Update' ? `${s} using ${m.apiVersion}` : s;
}

/** conflictError is the 409 an apply with conflicts gets (errors.NewApplyConflict). */
export function conflictError(conflicts: Conflict[]): StatusError {
  const causes = conflicts.map((c) => ({ type: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathString(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, { m: ManagerSet; paths: string[][] }>();
    for (const c of conflicts) {
      const k = managerKey(c.manager);
      if (!byManager.has(k)) byManager.set(k, { m: c.manager, paths: [] });
      byManager.get(k)!.paths.push(c.path);
    }
    const lines: string[] = [];
    for (const k of [...byManager.keys()].sort()) {
      const { m, paths } = byManager.get(k)!;
      lines.push(`conflicts with ${printManager(m)}:`);
      for (const p of paths) lines.push(`- ${pathString(p)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}

/** ApplyOptions: who applies and whether conflicts are forced. */
export interface ApplyOptions { manager: string; force: boolean }

function gvkString(obj: Record<string, unknown>): string {
  const av = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const i = av.indexOf('/');
  const gv = i < 0 ? (av ? `/${av}` : '/') : av;
  return `${gv}, Kind=${typeof obj.kind === 'string' ? obj.kind : ''}`;
}

/**
 * checkAppliedConfig refuses configurations server-side apply cannot take, in Kubernetes' words:
 * another kind or version, managedFields set, fields of the wrong type or not in the schema.
 * It returns the configuration's field set.
 */
export function checkAppliedConfig(ctx: FieldManagerContext, config: Record<string, unknown>, name: string, namespace?: string): FieldSet {
  const want = { apiVersion: apiVersionOf(ctx.def), kind: ctx.def.kind };
  if (config.apiVersion !== want.apiVersion || config.kind !== want.kind) {
    if (config.kind === want.kind && typeof config.apiVersion === 'string' && config.apiVersion.split('/')[0] === want.apiVersion.split('/')[0] && want.apiVersion.includes('/')) {
      throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${config.apiVersion}, expected: ${want.apiVersion}`);
    }
    throw badRequest(`invalid object type: ${gvkString(config)}`);
  }
  const meta = config.metadata as Record<string, unknown> | undefined;
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta))) {
    throw badRequest(`failed to create typed patch object (${namespace ? `${namespace}/` : ''}${name}; ${gvkString(config)}): .metadata: expected map, got ${Array.isArray(meta) ? 'list' : typeof meta}`);
  }
  if (meta?.managedFields !== undefined && meta.managedFields !== null) throw badRequest('metadata.managedFields must be nil');
  try {
    return ignoreFields(ctx, toFieldSet(config, resourceType(ctx.def), true).set);
  } catch (e) {
    if (!(e instanceof TypedErrors)) throw e;
    throw badRequest(`failed to create typed patch object (${namespace ? `${namespace}/` : ''}${name}; ${gvkString(config)}): ${e.message}`);
  }
}

/** Protected paths apply never prunes: the object's identity. */
const NEVER_PRUNED = FieldSet.fromPaths([['f:apiVersion'], ['f:kind'], ['f:metadata'], ['f:metadata', 'f:name'], ['f:metadata', 'f:namespace']]);

/**
 * applyObject performs a server-side apply of `config` onto `live` (undefined: the object is
 * created) and returns the new object with its managedFields. Conflicts throw the 409 unless
 * forced. An apply that changes nothing returns the live object untouched.
 */
export function applyObject(ctx: FieldManagerContext, live: KubeObject | undefined, config: Record<string, unknown>, opts: ApplyOptions): KubeObject {
  const type: TypeNode = resourceType(ctx.def);
  const name = String((config.metadata as { name?: unknown } | undefined)?.name ?? live?.metadata?.name ?? '');
  const configSet = checkAppliedConfig(ctx, config, name, live?.metadata?.namespace);
  // merge shares untouched subtrees with its input and pruning edits in place: work on a copy
  const liveObj = deepClone(withoutManagedFields(live));
  let managers: Managers;
  try {
    managers = decodeManagedFields(live?.metadata?.managedFields);
  } catch (e) {
    throw badRequest(`failed to decode managed fields: ${(e as Error).message}`);
  }
  const apiVersion = apiVersionOf(ctx.def);
  if (live && managers.size === 0) {
    // An object written before fields were tracked: someone owns all of it.
    const before: ManagerSet = { manager: 'before-first-apply', operation: 'Update', apiVersion, set: ignoreFields(ctx, toFieldSet(liveObj, type, false).set) };
    if (!before.set.empty()) managers.set(managerKey(before), before);
  }
  const self: ManagerSet = { manager: opts.manager, operation: 'Apply', apiVersion, subresource: ctx.subresource, set: configSet };
  const key = managerKey(self);
  const previous = managers.get(key);
  const cfg = deepClone(config);
  if (cfg.metadata) delete (cfg.metadata as Record<string, unknown>).managedFields;
  // the live resourceVersion must not pin the write (a race retries); one the configuration sets does
  if (liveObj.metadata) delete liveObj.metadata.resourceVersion;
  let merged = merge(liveObj, cfg, type) as KubeObject;
  managers.set(key, self);

  // Prune what this manager applied last time, applies no more, and nobody else owns.
  if (previous && !previous.set.empty()) {
    let owned = new FieldSet();
    for (const m of managers.values()) owned = owned.union(m.set);
    const prune = previous.set.withParentFields().difference(owned.withParentFields()).difference(NEVER_PRUNED);
    merged = removeItems(merged, prune, type) as KubeObject;
  }

  const cmp = filterComparison(ctx, compare(liveObj, merged, type));
  const changed = cmp.modified.union(cmp.added);
  const conflicts: Conflict[] = [];
  for (const [k, m] of managers) {
    if (k === key) continue;
    const c = m.set.intersection(changed);
    if (!c.empty()) for (const p of c.paths()) conflicts.push({ manager: m, path: p });
  }
  if (conflicts.length && !opts.force) {
    const allowed = opts.manager === 'kubectl' ? allowedConflictsFromLastApplied(live, type) : undefined;
    const remaining = allowed ? conflicts.filter((c) => !allowed.has(c.path)) : conflicts;
    if (remaining.length) throw conflictError(remaining);
  }
  for (const [k, m] of managers) {
    if (k === key) continue;
    m.set = m.set.difference(changed).difference(cmp.removed);
    if (m.set.empty()) managers.delete(k);
  }
  if (self.set.empty()) managers.delete(key);

  const objectChanged = !deepEqual(merged, liveObj);
  self.time = objectChanged || !previous ? rfc3339(ctx.now) : previous.time;
  syncLastApplied(live, merged, cfg, opts.manager);
  if (!live && (merged.metadata as Record<string, unknown> | undefined) === undefined) merged.metadata = {};
  const managedFields = encodeManagedFields(managers);
  merged.metadata = { ...(merged.metadata ?? {}), managedFields } as KubeObject['metadata'];
  return merged;
}

/**
 * allowedConflictsFromLastApplied is the lastAppliedManager's allowance for kubectl's first
 * server-side apply of an object managed by client-side apply: conflicts on fields of the
 * last-applied annotation whose live value is still the last-applied one are taken over, since
 * kubectl applied them before.
 */
function allowedConflictsFromLastApplied(live: KubeObject | undefined, type: TypeNode): FieldSet | undefined {
  const text = (live?.metadata?.annotations as Record<string, string> | undefined)?.[LAST_APPLIED];
  if (!text) return undefined;
  try {
    const lastApplied = JSON.parse(text) as unknown;
    if (lastApplied === null || typeof lastApplied !== 'object' || Array.isArray(lastApplied)) return undefined;
    const cmp = compare(lastApplied, withoutManagedFields(live), type);
    return toFieldSet(lastApplied, type, false).set.difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
  } catch {
    return undefined;
  }
}

/**
 * syncLastApplied keeps client-side apply's annotation in step when kubectl applies server-side
 * (the lastAppliedUpdater): an object that still carries it gets the new configuration.
 */
function syncLastApplied(live: KubeObject | undefined, merged: KubeObject, config: Record<string, unknown>, manager: string): void {
  if (manager !== 'kubectl' || !live) return;
  const annotations = merged.metadata?.annotations as Record<string, string> | undefined;
  if (!annotations || annotations[LAST_APPLIED] === undefined) return;
  const copy = deepClone(config) as { metadata?: { annotations?: Record<string, string> } };
  if (copy.metadata?.annotations) {
    delete copy.metadata.annotations[LAST_APPLIED];
    if (Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  }
  annotations[LAST_APPLIED] = JSON.stringify(sortKeys(copy)) + '\n';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])]));
  }
  return v;
}
