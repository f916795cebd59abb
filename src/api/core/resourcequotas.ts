/**
 * core/v1 ResourceQuota (short name quota) and LimitRange (short name limits): the objects the
 * ResourceQuota and LimitRanger admission plugins and the resource quota controller work from.
 * Validation follows Kubernetes' ValidateResourceQuota / ValidateLimitRange with its messages.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { canonicalizeQuantity, parseQuantityExact } from '../../apimachinery/quantity.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import { AGE, NAME, col, get } from '../printers/columns.js';
import { ageOf } from '../printers/duration.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../resource.js';
import { forbidden, invalidField, invalidText, notSupported, required } from '../validation/field.js';
import { isQualifiedName } from '../validation/names.js';

/** STANDARD_QUOTA_RESOURCES are the quota resource names without a `/` Kubernetes accepts. */
export const STANDARD_QUOTA_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage',
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas',
  'secrets', 'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers',
]);

/** INTEGER_RESOURCES are object counts: their quantities must be whole numbers. */
const INTEGER_RESOURCES = new Set([
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
]);

/** STANDARD_SCOPES are the ResourceQuotaScopes of core/v1. */
export const STANDARD_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];

const POD_COMPUTE_RESOURCES = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory']);

/** isQuotaHugePageResourceName: `hugepages-<size>` or `requests.hugepages-<size>`. */
export function isQuotaHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
}

/** isStandardQuotaResourceName is helper.IsStandardQuotaResourceName. */
export function isStandardQuotaResourceName(name: string): boolean {
  return STANDARD_QUOTA_RESOURCES.has(name) || isQuotaHugePageResourceName(name);
}

/** isScopeValidForResource is helper.IsResourceQuotaScopeValidForResource. */
export function isScopeValidForResource(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating': case 'NotTerminating': case 'NotBestEffort': case 'PriorityClass': case 'CrossNamespacePodAffinity':
      return resource === 'pods' || POD_COMPUTE_RESOURCES.has(resource);
    case 'BestEffort':
      return resource === 'pods';
    default:
      return true;
  }
}

/** quantityOf parses a quantity leniently (undefined when invalid). */
function nanosOf(v: unknown): bigint | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try { return parseQuantityExact(v).nanos; } catch { return undefined; }
}

/** validateQuantityValue is ValidateResourceQuantityValue: parseable, non-negative, whole for counts. */
function validateQuantityValue(resource: string, v: unknown, path: string): FieldError[] {
  const n = nanosOf(v);
  if (n === undefined) return [invalidField(path, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")];
  const errs: FieldError[] = [];
  if (n < 0n) errs.push(invalidField(path, String(v), 'must be greater than or equal to 0'));
  if ((INTEGER_RESOURCES.has(resource) || resource.startsWith('count/')) && n % 1_000_000_000n !== 0n) errs.push(invalidField(path, String(v), 'must be an integer'));
  return errs;
}

/** validateQuotaResourceName is validateResourceQuotaResourceName. */
function validateQuotaResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalidField(path, name, m));
  if (errs.length) return errs;
  if (!name.includes('/') && !isStandardQuotaResourceName(name)) return [invalidField(path, name, 'must be a standard resource for quota')];
  return [];
}

function validateResourceList(list: unknown, path: string): FieldError[] {
  if (!isObj(list)) return [];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(list)) {
    const p = `${path}[${k}]`;
    errs.push(...validateQuotaResourceName(k, p), ...validateQuantityValue(k, v, p));
  }
  return errs;
}

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

function validateScopes(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const hard = Object.keys(isObj(spec.hard) ? spec.hard : {}).sort();
  const scopes: string[] = Array.isArray(spec.scopes) ? spec.scopes.map(String) : [];
  const selectorScopes: string[] = [];
  const exprs = isObj(spec.scopeSelector) && Array.isArray(spec.scopeSelector.matchExpressions) ? spec.scopeSelector.matchExpressions as Obj[] : [];
  exprs.forEach((e, i) => {
    const p = `spec.scopeSelector.matchExpressions[${i}]`;
    const scope = String(e?.scopeName ?? '');
    if (!STANDARD_SCOPES.includes(scope)) errs.push(invalidField(`${p}.scopeName`, scope, 'unsupported scope'));
    if (!SELECTOR_OPERATORS.includes(String(e?.operator))) errs.push(invalidField(`${p}.operator`, e?.operator ?? '', 'not a valid selector operator'));
    const values = Array.isArray(e?.values) ? e.values : [];
    if (['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort'].includes(scope) && e?.operator !== 'Exists') {
      errs.push(invalidField(`${p}.operator`, e?.operator ?? '', 'must be \'Exist\' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity'));
    }
    if ((e?.operator === 'In' || e?.operator === 'NotIn') && values.length === 0) errs.push(required(`${p}.values`, 'must be at least one value when `operator` is \'In\' or \'NotIn\' for scope selector'));
    if ((e?.operator === 'Exists' || e?.operator === 'DoesNotExist') && values.length > 0) errs.push(invalidField(`${p}.values`, values, 'must be no value when `operator` is \'Exist\' or \'DoesNotExist\' for scope selector'));
    selectorScopes.push(scope);
  });
  // Go prints the offending value with %#v.
  const check = (list: string[], path: string, shown: string) => {
    for (const scope of list) {
      if (!STANDARD_SCOPES.includes(scope)) { if (path === 'spec.scopes') errs.push(invalidText(path, shown, 'unsupported scope')); }
      for (const k of hard) {
        if (isStandardQuotaResourceName(k) && !isScopeValidForResource(scope, k)) errs.push(invalidText(path, shown, 'unsupported scope applied to resource'));
      }
    }
    const set = new Set(list);
    if ((set.has('BestEffort') && set.has('NotBestEffort')) || (set.has('Terminating') && set.has('NotTerminating'))) errs.push(invalidText(path, shown, 'conflicting scopes'));
  };
  if (scopes.length) check(scopes, 'spec.scopes', `[]core.ResourceQuotaScope{${scopes.map((x) => JSON.stringify(x)).join(', ')}}`);
  if (selectorScopes.length) check(selectorScopes, 'spec.scopeSelector', JSON.stringify(spec.scopeSelector));
  return errs;
}

function canonicalizeList(list: unknown): void {
  if (!isObj(list)) return;
  for (const [k, v] of Object.entries(list)) {
    try { list[k] = canonicalizeQuantity(v as string); } catch { /* left for validation */ }
  }
}

/** validateResourceQuota is ValidateResourceQuota (spec and status). */
export function validateResourceQuota(rq: KubeObject): FieldError[] {
  const spec: Obj = isObj(rq.spec) ? rq.spec : {};
  const status: Obj = isObj(rq.status) ? rq.status : {};
  return [
    ...validateResourceList(spec.hard, 'spec.hard'),
    ...validateScopes(spec),
    ...validateResourceList(status.hard, 'status.hard'),
    ...validateResourceList(status.used, 'status.used'),
  ];
}

/** sortableResourceNames orders resource names as Kubernetes' SortableResourceNames (plain string order). */
function resourceCells(rq: KubeObject): [string, string] {
  const hard: Obj = get(rq, 'status', 'hard') ?? {};
  const used: Obj = get(rq, 'status', 'used') ?? {};
  const req: string[] = [];
  const lim: string[] = [];
  for (const r of Object.keys(hard).sort()) {
    const cell = `${r}: ${used[r] ?? '0'}/${hard[r]}`;
    const pieces = r.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? lim : req).push(cell);
  }
  return [req.join(', '), lim.join(', ')];
}

/** resourceQuotaPrinter: NAME AGE REQUEST LIMIT (status.used/status.hard per resource). */
export const resourceQuotaPrinter: TablePrinter = {
  columns: [
    NAME, AGE,
    col('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  cells: (o, now) => [get(o, 'metadata', 'name'), ageOf(get(o, 'metadata', 'creationTimestamp'), now), ...resourceCells(o)],
};

/** resourcequotas is the core/v1 ResourceQuota resource (status written by admission and the quota controller). */
export const resourcequotas: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true,
  shortNames: ['quota'], subresources: ['status'], table: resourceQuotaPrinter,
  strategy: specStatusStrategy({
    default(rq) {
      if (isObj(rq.spec)) canonicalizeList(rq.spec.hard);
    },
    validate: validateResourceQuota,
    validateUpdate: (rq) => validateResourceQuota(rq),
  }),
  statusStrategy: {
    ...statusStrategy({ validateUpdate: (rq) => validateResourceQuota(rq) }),
    default(rq) {
      if (isObj(rq.status)) { canonicalizeList(rq.status.hard); canonicalizeList(rq.status.used); }
    },
  },
});

// ---- LimitRange ---------------------------------------------------------------------------------

const LIMIT_FIELDS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;

/** defaultLimitRangeItem is SetDefaults_LimitRangeItem: Container defaults fall back to max, default and min. */
export function defaultLimitRangeItem(item: Obj): void {
  for (const f of LIMIT_FIELDS) canonicalizeList(item[f]);
  if (item.type !== 'Container') return;
  const def: Obj = isObj(item.default) ? item.default : {};
  const defReq: Obj = isObj(item.defaultRequest) ? item.defaultRequest : {};
  for (const [k, v] of Object.entries(isObj(item.max) ? item.max : {})) if (!(k in def)) def[k] = v;
  for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
  for (const [k, v] of Object.entries(isObj(item.min) ? item.min : {})) if (!(k in defReq)) defReq[k] = v;
  if (Object.keys(def).length) item.default = def;
  if (Object.keys(defReq).length) item.defaultRequest = defReq;
}

/** Go's %f: six decimals. */
function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  return n.toFixed(6);
}

function validateLimitRangeItem(item: Obj, i: number): FieldError[] {
  const p = `spec.limits[${i}]`;
  const errs: FieldError[] = [];
  const type = String(item.type ?? '');
  if (!type) errs.push(required(`${p}.type`));
  else errs.push(...isQualifiedName(type).map((m) => invalidField(`${p}.type`, type, m)));
  const lists: Record<string, Record<string, bigint>> = {};
  const raw: Record<string, Obj> = {};
  const keys = new Set<string>();
  for (const f of LIMIT_FIELDS) {
    lists[f] = {};
    raw[f] = isObj(item[f]) ? item[f] : {};
    for (const [k, v] of Object.entries(raw[f])) {
      const kp = `${p}.${f}[${k}]`;
      errs.push(...isQualifiedName(k).map((m) => invalidField(kp, k, m)));
      if (type === 'PersistentVolumeClaim' && k !== 'storage') errs.push(notSupported(kp, k, ['storage']));
      const n = nanosOf(v);
      if (n === undefined) { errs.push(invalidField(kp, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")); continue; }
      if (n < 0n) errs.push(invalidField(kp, String(v), 'must be greater than or equal to 0'));
      lists[f][k] = n;
      keys.add(k);
    }
  }
  if (type === 'Pod') {
    if (Object.keys(raw.default).length) errs.push(forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
    if (Object.keys(raw.defaultRequest).length) errs.push(forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
  }
  if (type === 'PersistentVolumeClaim' && lists.min.storage === undefined && lists.max.storage === undefined) {
    errs.push(required(`${p}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
  }
  const s = (f: string, k: string) => canonical(raw[f][k]);
  for (const k of keys) {
    const min = lists.min[k]; const max = lists.max[k]; const def = lists.default[k]; const defReq = lists.defaultRequest[k];
    const ratio = lists.maxLimitRequestRatio[k];
    if (min !== undefined && max !== undefined && min > max) errs.push(invalidField(`${p}.min[${k}]`, s('min', k), `min value ${s('min', k)} is greater than max value ${s('max', k)}`));
    if (defReq !== undefined && min !== undefined && min > defReq) errs.push(invalidField(`${p}.defaultRequest[${k}]`, s('defaultRequest', k), `min value ${s('min', k)} is greater than default request value ${s('defaultRequest', k)}`));
    if (defReq !== undefined && max !== undefined && defReq > max) errs.push(invalidField(`${p}.defaultRequest[${k}]`, s('defaultRequest', k), `default request value ${s('defaultRequest', k)} is greater than max value ${s('max', k)}`));
    if (defReq !== undefined && def !== undefined && defReq > def) errs.push(invalidField(`${p}.defaultRequest[${k}]`, s('defaultRequest', k), `default request value ${s('defaultRequest', k)} is greater than default limit value ${s('default', k)}`));
    if (def !== undefined && min !== undefined && min > def) errs.push(invalidField(`${p}.default[${k}]`, s('min', k), `min value ${s('min', k)} is greater than default value ${s('default', k)}`));
    if (def !== undefined && max !== undefined && def > max) errs.push(invalidField(`${p}.default[${k}]`, s('max', k), `default value ${s('default', k)} is greater than max value ${s('max', k)}`));
    if (ratio !== undefined && ratio < 1_000_000_000n) errs.push(invalidField(`${p}.maxLimitRequestRatio[${k}]`, s('maxLimitRequestRatio', k), `ratio ${s('maxLimitRequestRatio', k)} is less than 1`));
    if (ratio !== undefined && min !== undefined && max !== undefined) {
      const limit = Number(max) / Number(min);
      if (Number(ratio) / 1e9 > limit) errs.push(invalidField(`${p}.maxLimitRequestRatio[${k}]`, s('maxLimitRequestRatio', k), `ratio ${s('maxLimitRequestRatio', k)} is greater than max/min = ${goFloat(limit)}`));
    }
  }
  return errs;
}

function canonical(v: unknown): string {
  try { return canonicalizeQuantity(v as string); } catch { return String(v); }
}

/** validateLimitRange is ValidateLimitRange. */
export function validateLimitRange(lr: KubeObject): FieldError[] {
  const spec: Obj = isObj(lr.spec) ? lr.spec : {};
  const limits = Array.isArray(spec.limits) ? spec.limits : [];
  const errs: FieldError[] = [];
  limits.forEach((item: unknown, i: number) => {
    if (!isObj(item)) return;
    errs.push(...validateLimitRangeItem(item, i));
  });
  return errs;
}

/** limitRangePrinter: NAME CREATED AT. */
export const limitRangePrinter: TablePrinter = {
  columns: [NAME, { ...AGE, name: 'Created At', type: 'date' }],
  cells: (o) => [get(o, 'metadata', 'name'), get(o, 'metadata', 'creationTimestamp') ?? null],
};

/** limitranges is the core/v1 LimitRange resource. */
export const limitranges: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true,
  shortNames: ['limits'], table: limitRangePrinter,
  strategy: {
    default(lr) {
      const spec = lr.spec;
      if (isObj(spec) && Array.isArray(spec.limits)) for (const item of spec.limits) if (isObj(item)) defaultLimitRangeItem(item);
    },
    validate: validateLimitRange,
    validateUpdate: (lr) => validateLimitRange(lr),
  },
});
