/**
 * Strategy building blocks shared by the resource kinds: generation tracking, status handling and
 * the status-subresource strategy (Kubernetes' ResetObjectMetaForStatus).
 */
import type { KubeObject, ResourceStrategy, StrategyContext } from '../resource.js';
import { clone, type Obj } from './obj.js';
import { deepEqual } from '../../apimachinery/deep.js';

/** setInitialGeneration: a new object with a spec starts at generation 1. */
export function setInitialGeneration(obj: KubeObject): void {
  (obj.metadata ??= {}).generation = 1;
}

/** bumpGenerationOnSpecChange increments metadata.generation when the spec differs from old. */
export function bumpGenerationOnSpecChange(obj: KubeObject, old: KubeObject): void {
  const meta = (obj.metadata ??= {});
  const oldGen = old.metadata?.generation ?? 0;
  meta.generation = deepEqual(obj.spec, old.spec) ? oldGen : oldGen + 1;
}

/** keepOldStatus: updates through the main resource never change status. */
export function keepOldStatus(obj: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = clone(old.status);
}

/** resetObjectMetaForStatus keeps metadata a status update may not change (labels, annotations, finalizers, owners). */
export function resetObjectMetaForStatus(obj: KubeObject, old: KubeObject): void {
  const meta = (obj.metadata ??= {}) as Obj;
  const oldMeta = (old.metadata ?? {}) as Obj;
  for (const f of ['labels', 'annotations', 'finalizers', 'ownerReferences', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    if (oldMeta[f] === undefined) delete meta[f];
    else meta[f] = clone(oldMeta[f]);
  }
}

/** Options for statusStrategy. */
export interface StatusStrategyOptions {
  /** keep only spec (and owners) from old, letting labels/annotations change (pods, nodes) */
  lightMetadata?: boolean;
  /** only these metadata fields come from old (upstream's deployment status strategy keeps just labels); default: all of ResetObjectMetaForStatus */
  resetMetadata?: string[];
  /** extra fields outside spec/status the status update must not change */
  keepFields?: string[];
  validateUpdate?: ResourceStrategy['validateUpdate'];
  /** normalize puts the written status in its canonical form (fields Go always serializes) */
  normalize?(obj: KubeObject): void;
}

/** statusStrategy builds the strategy of a `/status` subresource: spec from old, status from new. */
export function statusStrategy(opts: StatusStrategyOptions = {}): ResourceStrategy {
  return {
    prepareForUpdate(obj: KubeObject, old: KubeObject, _ctx: StrategyContext): void {
      if (old.spec === undefined) delete obj.spec;
      else obj.spec = clone(old.spec);
      for (const f of opts.keepFields ?? []) {
        if (old[f] === undefined) delete obj[f];
        else obj[f] = clone(old[f]);
      }
      if (opts.lightMetadata) {
        const meta = (obj.metadata ??= {});
        if (old.metadata?.ownerReferences) meta.ownerReferences = clone(old.metadata.ownerReferences);
        else delete meta.ownerReferences;
      } else if (opts.resetMetadata) {
        const meta = (obj.metadata ??= {}) as Obj;
        const oldMeta = (old.metadata ?? {}) as Obj;
        for (const f of [...opts.resetMetadata, 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
          if (oldMeta[f] === undefined) delete meta[f];
          else meta[f] = clone(oldMeta[f]);
        }
      } else {
        resetObjectMetaForStatus(obj, old);
      }
      opts.normalize?.(obj);
    },
    validateUpdate: opts.validateUpdate,
  };
}

/** Hooks of a spec/status kind, composed by specStatusStrategy. */
export interface KindHooks {
  default?(obj: Obj): void;
  /** extra create preparation after status reset and generation */
  prepareForCreate?(obj: Obj, ctx: StrategyContext): void;
  /** extra update preparation after status keep and generation bump */
  prepareForUpdate?(obj: Obj, old: Obj, ctx: StrategyContext): void;
  validate?: ResourceStrategy['validate'];
  validateUpdate?: ResourceStrategy['validateUpdate'];
  /** status on create (Kubernetes clears what the user sent); default {} */
  initialStatus?(obj: Obj): unknown;
  /** track metadata.generation (workloads) */
  generation?: boolean;
  /** leave status as sent on create and update (kinds without a status subresource) */
  statusIsUserData?: boolean;
}

/** specStatusStrategy builds the main strategy of a kind with spec and status. */
export function specStatusStrategy(h: KindHooks): ResourceStrategy {
  return {
    default: h.default ? (obj) => h.default!(obj as Obj) : undefined,
    prepareForCreate(obj, ctx) {
      if (!h.statusIsUserData) {
        const st = h.initialStatus ? h.initialStatus(obj as Obj) : {};
        if (st === undefined) delete obj.status;
        else obj.status = st;
      }
      if (h.generation) setInitialGeneration(obj);
      h.prepareForCreate?.(obj as Obj, ctx);
    },
    prepareForUpdate(obj, old, ctx) {
      if (!h.statusIsUserData) keepOldStatus(obj, old);
      if (h.generation) bumpGenerationOnSpecChange(obj, old);
      h.prepareForUpdate?.(obj as Obj, old as Obj, ctx);
    },
    validate: h.validate,
    validateUpdate: h.validateUpdate,
  };
}
