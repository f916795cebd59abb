import type { KubeObject } from '../api/resource.js';
import { StatusError, badRequest, forbidden, type Status } from '../apimachinery/errors.js';
import { labelSelectorFromSpec, matchesLabels } from '../apimachinery/labels.js';
import type { DeleteOptions } from '../apimachinery/options.js';
import { rfc3339 } from '../apimachinery/time.js';
import { updateDisruptionAllowedCondition, type PodDisruptionBudget } from '../controllers/disruption/pdb-status.js';
import type { RegistryStore } from '../registry/store.js';
import type { Clock } from '../util/clock.js';

/** MAX_DISRUPTED_POD_SIZE: evictions are refused while this many approved ones wait for the PDB controller (upstream's 2000). */
export const MAX_DISRUPTED_POD_SIZE = 2000;
/** EVICTIONS_RETRY is how often a PDB write is retried on conflicts (upstream's EvictionsRetry steps). */
const EVICTIONS_RETRY = 20;

/** Eviction is policy/v1 Eviction. */
export interface Eviction extends KubeObject { deleteOptions?: Omit<DeleteOptions, 'dryRun'> & { dryRun?: string[] } | null }

/** EvictionDeps are the stores the eviction subresource reads and writes. */
export interface EvictionDeps {
  pods: RegistryStore;
  pdbs: RegistryStore;
  clock: Clock;
}

interface PodLike extends KubeObject {
  status?: { phase?: string; conditions?: { type: string; status: string; [k: string]: unknown }[] };
}

const isReady = (pod: PodLike) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** canIgnorePDB: a pod that is finished, pending or already being deleted is evicted without asking its budget. */
function canIgnorePDB(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata?.deletionTimestamp;
}

/** shouldEnforceResourceVersion: a pod still running must not become ready between our check and the delete. */
function shouldEnforceResourceVersion(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp);
}

/** tooManyRequests is the 429 an eviction that would break a budget gets, with a DisruptionBudget cause. */
function tooManyRequests(causeMessage: string, retryAfterSeconds: number): StatusError {
  return new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
    ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
    causes: [{ reason: 'DisruptionBudget', message: causeMessage }],
  });
}

/**
 * evictPod is the pods/eviction subresource (upstream's EvictionREST.Create): a pod covered by a
 * PodDisruptionBudget is deleted only when the budget allows a disruption, which is then
 * decremented and the pod recorded in disruptedPods until the disruption controller sees it gone;
 * otherwise 429 TooManyRequests. Pods that are not running (or already being deleted) skip the
 * check; a not-ready pod is evicted without spending the budget while the budget is met. The pod
 * gets a DisruptionTarget condition (EvictionByEvictionAPI) before it is deleted.
 */
export async function evictPod(deps: EvictionDeps, namespace: string, name: string, body: unknown, dryRun: boolean): Promise<Status> {
  const eviction = decodeEviction(body);
  if ((eviction.metadata?.name ?? '') !== name) throw badRequest('name in URL does not match name in Eviction object');
  const requested = { ...(eviction.deleteOptions ?? {}) };
  const isDry = dryRun || (requested.dryRun ?? []).length > 0;
  const options: DeleteOptions = {
    gracePeriodSeconds: requested.gracePeriodSeconds ?? undefined, propagationPolicy: requested.propagationPolicy ?? undefined,
    orphanDependents: requested.orphanDependents ?? undefined, preconditions: requested.preconditions ?? undefined, dryRun: isDry,
  };
  const rvUnset = !options.preconditions?.resourceVersion;
  const success: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

  const pod = await deps.pods.get(namespace, name) as PodLike;
  if (canIgnorePDB(pod)) {
    const opts = shouldEnforceResourceVersion(pod) && rvUnset
      ? { ...options, preconditions: { ...options.preconditions, resourceVersion: pod.metadata?.resourceVersion } }
      : options;
    await addConditionAndDeletePod(deps, namespace, name, opts);
    return success;
  }

  const pdbs = await podDisruptionBudgetsFor(deps, pod);
  if (pdbs.length > 1) {
    throw new StatusError(500, '', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  }
  let enforceRV = false;
  const pdb = pdbs[0];
  if (pdb) {
    const st = pdb.status;
    const unhealthyAllowed = !isReady(pod) && (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' ||
      ((st?.currentHealthy ?? 0) >= (st?.desiredHealthy ?? 0) && (st?.desiredHealthy ?? 0) > 0));
    // An unhealthy pod does not count towards the budget; it is deleted only if it is still unhealthy.
    if (unhealthyAllowed) enforceRV = true;
    else await checkAndDecrement(deps, namespace, name, pdb, isDry);
  }

  const opts = enforceRV ? { ...options, preconditions: { ...options.preconditions, resourceVersion: pod.metadata?.resourceVersion } } : options;
  try {
    await addConditionAndDeletePod(deps, namespace, name, opts);
  } catch (e) {
    if (e instanceof StatusError && e.code === 409 && enforceRV && rvUnset) {
      throw tooManyRequests(`The disruption budget ${pdb!.metadata?.name} is still being processed by the server.`, 10);
    }
    throw e;
  }
  return success;
}

const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);

/**
 * decodeEviction checks the body has policy/v1 Eviction's shape, answering 400 with the decoder's
 * wording ("... cannot be handled as a Eviction: json: cannot unmarshal ...") when it does not.
 */
function decodeEviction(body: unknown): Eviction {
  const fail = (what: string) => badRequest(`Eviction in version "v1" cannot be handled as a Eviction: json: cannot unmarshal ${what}`);
  if (jsonType(body) !== 'object') throw fail(`${jsonType(body)} into Go value of type v1.Eviction`);
  const ev = body as Eviction;
  const field = (v: unknown, want: string, path: string, goType: string) => {
    if (v !== undefined && v !== null && jsonType(v) !== want) throw fail(`${jsonType(v)} into Go struct field ${path} of type ${goType}`);
  };
  field(ev.metadata, 'object', 'Eviction.metadata', 'v1.ObjectMeta');
  field(ev.metadata?.name, 'string', 'ObjectMeta.metadata.name', 'string');
  field(ev.deleteOptions, 'object', 'Eviction.deleteOptions', 'v1.DeleteOptions');
  const o = (ev.deleteOptions ?? {}) as Record<string, unknown>;
  field(o.gracePeriodSeconds, 'number', 'DeleteOptions.deleteOptions.gracePeriodSeconds', 'int64');
  field(o.propagationPolicy, 'string', 'DeleteOptions.deleteOptions.propagationPolicy', 'v1.DeletionPropagation');
  field(o.orphanDependents, 'boolean', 'DeleteOptions.deleteOptions.orphanDependents', 'bool');
  field(o.preconditions, 'object', 'DeleteOptions.deleteOptions.preconditions', 'v1.Preconditions');
  field(o.dryRun, 'array', 'DeleteOptions.deleteOptions.dryRun', '[]string');
  return ev;
}

/** podDisruptionBudgetsFor lists the pod's namespace's PDBs whose selector matches it (null selects nothing, {} everything). */
async function podDisruptionBudgetsFor(deps: EvictionDeps, pod: PodLike): Promise<PodDisruptionBudget[]> {
  const { items } = await deps.pdbs.list(pod.metadata?.namespace);
  return (items as PodDisruptionBudget[]).filter((pdb) => {
    const sel = pdb.spec?.selector;
    if (!sel) return false;
    try {
      return matchesLabels(labelSelectorFromSpec(sel), pod.metadata?.labels ?? {});
    } catch {
      // An invalid selector matches nothing.
      return false;
    }
  });
}

/**
 * checkAndDecrement spends one disruption of the budget and records the pod in disruptedPods,
 * re-reading the PDB on write conflicts. Throws 429 when the budget allows none (or its status is
 * older than its spec) and 403 when the status is not trustworthy.
 */
async function checkAndDecrement(deps: EvictionDeps, namespace: string, podName: string, initial: PodDisruptionBudget, dryRun: boolean): Promise<void> {
  let pdb = initial;
  for (let attempt = 0; ; attempt++) {
    const name = pdb.metadata!.name!;
    const st = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    if ((st.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) {
      throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`, 10);
    }
    if (st.disruptionsAllowed < 0) throw forbidden({ group: 'policy', resource: 'poddisruptionbudget' }, name, 'pdb disruptions allowed is negative');
    if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
      throw forbidden({ group: 'policy', resource: 'poddisruptionbudget' }, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    }
    if (st.disruptionsAllowed === 0) {
      throw tooManyRequests(`The disruption budget ${name} needs ${st.desiredHealthy} healthy pods and has ${st.currentHealthy} currently`, 0);
    }
    const next = structuredClone(pdb);
    const status = next.status!;
    status.disruptionsAllowed--;
    if (status.disruptionsAllowed === 0) updateDisruptionAllowedCondition(status, deps.clock.now());
    if (dryRun) return;
    status.disruptedPods = { ...(status.disruptedPods ?? {}), [podName]: rfc3339(deps.clock.now()) };
    try {
      await deps.pdbs.update(namespace, name, next, { subresource: 'status' });
      return;
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409) || attempt >= EVICTIONS_RETRY) {
        if (e instanceof StatusError && e.code === 409) throw new StatusError(504, 'Timeout', `couldn't update PodDisruptionBudget "${name}" due to conflicts`, { retryAfterSeconds: 10 });
        throw e;
      }
      pdb = await deps.pdbs.get(namespace, name) as PodDisruptionBudget;
    }
  }
}

/**
 * addConditionAndDeletePod marks the pod DisruptionTarget=True (EvictionByEvictionAPI) and deletes
 * it. A resourceVersion precondition is checked against the pod before the condition is written
 * and then moved to the version that write produced.
 */
async function addConditionAndDeletePod(deps: EvictionDeps, namespace: string, name: string, options: DeleteOptions): Promise<void> {
  let opts = options;
  if (!opts.dryRun) {
    const wantRV = opts.preconditions?.resourceVersion;
    const now = rfc3339(deps.clock.now());
    const updated = await deps.pods.guaranteedUpdate(namespace, name, (cur) => {
      if (wantRV && cur.metadata?.resourceVersion !== wantRV) {
        throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on pods "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, kind: 'pods' });
      }
      const status = ((cur.status ??= {}) as { conditions?: Record<string, unknown>[] });
      const conditions = (status.conditions ??= []);
      const old = conditions.find((c) => c.type === 'DisruptionTarget');
      const cond = {
        type: 'DisruptionTarget', status: 'True', lastProbeTime: null,
        lastTransitionTime: old?.status === 'True' ? old.lastTransitionTime : now,
        reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting',
      };
      if (old) Object.assign(old, cond);
      else conditions.push(cond);
      cur.metadata!.resourceVersion = undefined;
      return cur;
    }, { subresource: 'status' });
    if (wantRV) opts = { ...opts, preconditions: { ...opts.preconditions, resourceVersion: updated.metadata?.resourceVersion } };
  }
  await deps.pods.delete(namespace, name, opts);
}
