/**
 * ResourceQuota is kube-apiserver's ResourceQuota admission plugin (plugin/pkg/admission/resourcequota):
 * the last validating step. It charges what a new (or changed) object uses against every quota of
 * its namespace that constrains it, refuses what would exceed one with Kubernetes' Forbidden
 * message, and records the new usage in the quota's status.used with a compare-and-swap write, so
 * two racing creates cannot both take the last unit.
 */
import type { KubeObject } from '../../api/resource.js';
import { forbidden, StatusError } from '../../apimachinery/errors.js';
import { log } from '../../util/log.js';
import type { Clock } from '../../util/clock.js';
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '../interfaces.js';
import { evaluatorFor, matches, type Evaluator } from '../quota/evaluators.js';
import {
  add, fromJSON, lessThanOrEqual, mask, prettyPrint, prettyPrintResourceNames, removeZeros, subtractWithNonNegativeResult, toJSON,
  type ResourceList,
} from '../quota/resources.js';

const logger = log.child({ component: 'resourcequota-admission' });

/** QuotaStore is what the plugin needs of the ResourceQuota registry store. */
export interface QuotaStore {
  list(namespace: string | undefined): Promise<{ items: KubeObject[] }>;
  update(namespace: string | undefined, name: string, obj: KubeObject, opts: { subresource?: 'status' }): Promise<KubeObject>;
}

/** ResourceQuotaDeps: the stores the plugin reads and writes, and the clock terminating pods are judged by. */
export interface ResourceQuotaDeps {
  storeFor(group: string, version: string, plural: string): unknown;
  clock: Clock;
}

/** how often a quota update that lost a race is evaluated again before giving up */
const MAX_ATTEMPTS = 5;

/** ResourceQuotaPlugin enforces the namespace's ResourceQuotas and keeps their status.used current. */
export class ResourceQuotaPlugin implements AdmissionPlugin {
  readonly name = 'ResourceQuota';
  /** per-namespace queue: this server's admissions of one namespace are evaluated one at a time */
  private readonly locks = new Map<string, Promise<void>>();

  constructor(private readonly deps: ResourceQuotaDeps) {}

  handles(op: Operation): boolean { return op === 'CREATE' || op === 'UPDATE'; }

  private quotas(): QuotaStore {
    return this.deps.storeFor('', 'v1', 'resourcequotas') as QuotaStore;
  }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    // Subresources (status, scale, binding …) and cluster-scoped objects are never charged.
    if (attrs.subresource !== '' || !attrs.namespace || !attrs.object) return;
    const ev = evaluatorFor({ group: attrs.def.group, resource: attrs.def.plural });
    if (!ev.handles(attrs.operation)) return;
    await this.withNamespaceLock(attrs.namespace, async () => {
      for (let attempt = 1; ; attempt++) {
        const { items } = await this.quotas().list(attrs.namespace);
        if (items.length === 0) return;
        const updated = this.checkQuotas(ev, attrs, items);
        if (!updated.length || attrs.dryRun) return;
        try {
          for (const q of updated) await this.quotas().update(attrs.namespace, q.metadata!.name!, q, { subresource: 'status' });
          return;
        } catch (e) {
          // Another writer (the quota controller, another API server) changed a quota: count again.
          if (e instanceof StatusError && e.code === 409 && attempt < MAX_ATTEMPTS) continue;
          if (e instanceof StatusError && e.code === 409) {
            throw forbidden(gr(attrs), objectName(attrs), `Operation cannot be fulfilled on resourcequotas: the object has been modified; please apply your changes to the latest version and try again`);
          }
          throw e;
        }
      }
    });
  }

  /**
   * checkQuotas is the quota evaluator's checkRequest: it returns the quotas whose status.used
   * grows (resourceVersion kept for the compare-and-swap), or throws the refusal.
   */
  checkQuotas(ev: Evaluator, attrs: AdmissionAttributes, quotas: KubeObject[]): KubeObject[] {
    const obj = attrs.object!;
    const interesting: KubeObject[] = [];
    for (const q of quotas) {
      if (!matches(ev, q, obj)) continue;
      const hard = Object.keys(statusList(q, 'hard'));
      const restricted = ev.matchingResources(hard);
      const why = ev.constraints(restricted, obj);
      if (why) throw forbidden(gr(attrs), objectName(attrs), `failed quota: ${q.metadata?.name}: ${why}`);
      const used = statusList(q, 'used');
      // A quota the controller has not counted yet cannot be charged against.
      const unknown = restricted.filter((r) => used[r] === undefined);
      if (unknown.length) {
        throw forbidden(gr(attrs), objectName(attrs), `status unknown for quota: ${q.metadata?.name}, resources: ${prettyPrintResourceNames(restricted)}`);
      }
      interesting.push(q);
    }
    if (interesting.length === 0) return [];
    const now = this.deps.clock.now();
    let delta = removeZeros(ev.usage(obj, now));
    if (delta.size === 0) return [];
    if (attrs.operation === 'UPDATE' && attrs.oldObject?.metadata?.resourceVersion) {
      delta = removeZeros(subtractWithNonNegativeResult(delta, ev.usage(attrs.oldObject, now)));
      if (delta.size === 0) return [];
    }
    const out: KubeObject[] = [];
    for (const q of interesting) {
      const hard = fromJSON(statusList(q, 'hard'));
      const used = fromJSON(statusList(q, 'used'));
      const requested = mask(delta, hard.keys());
      if (requested.size === 0) continue;
      const newUsage = add(used, requested);
      const { allowed, exceeded } = lessThanOrEqual(mask(newUsage, requested.keys()), hard);
      if (!allowed) {
        throw forbidden(gr(attrs), objectName(attrs),
          `exceeded quota: ${q.metadata?.name}, requested: ${prettyPrint(mask(requested, exceeded))}, used: ${prettyPrint(mask(used, exceeded))}, limited: ${prettyPrint(mask(hard, exceeded))}`);
      }
      out.push(withUsed(q, newUsage));
    }
    return out;
  }

  private async withNamespaceLock(ns: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.locks.get(ns) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    const tail = prev.then(() => mine);
    this.locks.set(ns, tail);
    await prev;
    try {
      await fn();
    } finally {
      release();
      if (this.locks.get(ns) === tail) this.locks.delete(ns);
    }
  }
}

function statusList(q: KubeObject, field: 'hard' | 'used'): Record<string, unknown> {
  const st = q.status as Record<string, unknown> | undefined;
  const v = st?.[field];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {};
}

function withUsed(q: KubeObject, used: ResourceList): KubeObject {
  const copy = structuredClone(q);
  copy.status = { ...(copy.status as Record<string, unknown> ?? {}), used: toJSON(used) };
  logger.v(4).info('charging quota', { namespace: q.metadata?.namespace, name: q.metadata?.name });
  return copy;
}

function gr(attrs: AdmissionAttributes): { group: string; resource: string } {
  return { group: attrs.def.group, resource: attrs.def.plural };
}

/** objectName is admission's extractResourceName: the name, else the generateName, else Unknown. */
function objectName(attrs: AdmissionAttributes): string {
  return attrs.object?.metadata?.name || attrs.object?.metadata?.generateName || attrs.name || 'Unknown';
}
