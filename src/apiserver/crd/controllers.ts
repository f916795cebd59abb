/**
 * The controllers kube-apiextensions-server runs inside the API server, over the CRD cache of
 * CustomResources and writing through the CRD store's status subresource:
 * - naming (NamingConditionController): accepts the requested names unless another CRD of the
 *   group already uses them (PluralConflict, SingularConflict, ShortNamesConflict, KindConflict,
 *   ListKindConflict: `"x" is already in use`), sets NamesAccepted and Established=False/Installing;
 * - establishing (EstablishingController): Established=True/InitialNamesAccepted once names are
 *   accepted;
 * - finalizer (CRDFinalizer): on deletion, Terminating=True, deletes every object of the CRD, then
 *   Terminating=False/InstanceDeletionCompleted and removes the customresourcecleanup finalizer.
 * One work queue of CRD names, level-triggered: each sync looks at the cached CRD and does the
 * next step; a write's own watch event brings the CRD back for the following one.
 */
import {
  CUSTOM_RESOURCE_CLEANUP_FINALIZER, findCondition, isConditionEquivalent, isConditionTrue, setCondition,
  type CustomResourceDefinition, type CustomResourceDefinitionCondition, type CustomResourceDefinitionNames,
} from '../../api/apiextensions/types.js';
import { StatusError } from '../../apimachinery/errors.js';
import { rfc3339 } from '../../apimachinery/time.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { RegistryStore } from '../../registry/store.js';
import type { Clock } from '../../util/clock.js';
import { realClock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import type { CustomResources } from './custom-resources.js';

const logger = log.child({ component: 'apiextensions-controllers' });

/** NamesResult is what the naming controller computes for one CRD. */
export interface NamesResult {
  names: CustomResourceDefinitionNames;
  namesAccepted: CustomResourceDefinitionCondition;
  established: CustomResourceDefinitionCondition;
}

function usedNames(crds: CustomResourceDefinition[], group: string, except: string): { resources: Set<string>; kinds: Set<string> } {
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const c of crds) {
    if (c.spec.group !== group || c.metadata?.name === except) continue;
    const a = c.status?.acceptedNames;
    if (!a) continue;
    for (const n of [a.plural, a.singular ?? '', ...(a.shortNames ?? [])]) resources.add(n);
    kinds.add(a.kind);
    kinds.add(a.listKind ?? '');
  }
  return { resources, kinds };
}

function equalToAcceptedOrFresh(requested: string, accepted: string, used: Set<string>): string | undefined {
  if (requested === accepted || !used.has(requested)) return undefined;
  return `"${requested}" is already in use`;
}

/** calculateNamesAndConditions is the naming controller's decision (same group, accepted names only). */
export function calculateNamesAndConditions(crd: CustomResourceDefinition, all: CustomResourceDefinition[]): NamesResult {
  // A CRD's own accepted names are in the set in Kubernetes too; they never conflict with themselves
  // because equalToAcceptedOrFresh accepts what is already accepted.
  const { resources, kinds } = usedNames(all, crd.spec.group, '');
  const requested = crd.spec.names;
  const accepted = crd.status?.acceptedNames ?? { plural: '', kind: '' };
  const names: CustomResourceDefinitionNames = { ...accepted };
  const cond: CustomResourceDefinitionCondition = { type: 'NamesAccepted', status: 'Unknown' };
  const conflict = (reason: string, message: string) => { cond.status = 'False'; cond.reason = reason; cond.message = message; };
  let e = equalToAcceptedOrFresh(requested.plural, accepted.plural, resources);
  if (e) conflict('PluralConflict', e); else names.plural = requested.plural;
  e = equalToAcceptedOrFresh(requested.singular ?? '', accepted.singular ?? '', resources);
  if (e) conflict('SingularConflict', e); else names.singular = requested.singular;
  if (JSON.stringify(requested.shortNames ?? []) !== JSON.stringify(accepted.shortNames ?? [])) {
    const existing = new Set(accepted.shortNames ?? []);
    const errs: string[] = [];
    for (const s of requested.shortNames ?? []) {
      if (existing.has(s)) continue;
      const err = equalToAcceptedOrFresh(s, '', resources);
      if (err) errs.push(err);
    }
    if (errs.length) conflict('ShortNamesConflict', errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
    else names.shortNames = requested.shortNames;
  }
  e = equalToAcceptedOrFresh(requested.kind, accepted.kind, kinds);
  if (e) conflict('KindConflict', e); else names.kind = requested.kind;
  e = equalToAcceptedOrFresh(requested.listKind ?? '', accepted.listKind ?? '', kinds);
  if (e) conflict('ListKindConflict', e); else names.listKind = requested.listKind;
  names.categories = requested.categories;
  for (const k of Object.keys(names) as (keyof CustomResourceDefinitionNames)[]) if (names[k] === undefined) delete names[k];
  if (cond.status === 'Unknown') { cond.status = 'True'; cond.reason = 'NoConflicts'; cond.message = 'no conflicts found'; }
  let established: CustomResourceDefinitionCondition = findCondition(crd, 'Established')
    ?? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
  if (established.status !== 'True' && cond.status === 'True') {
    established = { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' };
  }
  return { names, namesAccepted: cond, established };
}

function namesEqual(a: CustomResourceDefinitionNames | undefined, b: CustomResourceDefinitionNames | undefined): boolean {
  const norm = (n: CustomResourceDefinitionNames | undefined) => JSON.stringify({
    plural: n?.plural ?? '', singular: n?.singular ?? '', shortNames: n?.shortNames ?? [], kind: n?.kind ?? '', listKind: n?.listKind ?? '', categories: n?.categories ?? [],
  });
  return norm(a) === norm(b);
}

/** CRDControllers runs naming, establishing and the finalizer over the CRD cache. */
export class CRDControllers {
  private readonly queue = new WorkQueue<string>(realClock);

  constructor(private readonly crs: CustomResources, private readonly crdStore: () => RegistryStore, private readonly clock: Clock = realClock) {}

  /** run processes CRD names until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.crs.onChange((name) => {
      if (name === undefined) {
        for (const c of this.crs.list()) this.queue.add(c.metadata!.name!);
        return;
      }
      this.queue.add(name);
      const crd = this.crs.get(name);
      // A deleted CRD frees its names: the other CRDs of its group may take them now.
      if (!crd) for (const c of this.crs.list()) this.queue.add(c.metadata!.name!);
    });
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await this.crs.waitForSync();
    for (const c of this.crs.list()) this.queue.add(c.metadata!.name!);
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const requeueAfter = await this.sync(key);
        this.queue.forget(key);
        if (requeueAfter !== undefined) this.queue.addAfter(key, requeueAfter);
      } catch (e) {
        if (!(e instanceof StatusError && (e.code === 409 || e.code === 404))) logger.error(e, 'syncing CustomResourceDefinition failed', { name: key });
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** sync takes one CRD one step further; it may ask to be called again after some milliseconds. */
  async sync(name: string): Promise<number | undefined> {
    const cached = this.crs.get(name);
    if (!cached) return undefined;
    if (cached.metadata?.deletionTimestamp) return this.finalize(cached);
    if (!namesEqual(cached.spec.names, cached.status?.acceptedNames)) {
      const r = calculateNamesAndConditions(cached, this.crs.list());
      if (namesEqual(r.names, cached.status?.acceptedNames) && isConditionEquivalent(r.namesAccepted, findCondition(cached, 'NamesAccepted'))) return undefined;
      const crd = structuredClone(cached);
      crd.status = { ...(crd.status ?? { storedVersions: [] }), acceptedNames: r.names } as CustomResourceDefinition['status'];
      const now = rfc3339(this.clock.now());
      setCondition(crd, r.namesAccepted, now);
      setCondition(crd, r.established, now);
      await this.updateStatus(crd);
      return undefined;
    }
    if (isConditionTrue(cached, 'NamesAccepted') && !isConditionTrue(cached, 'Established')) {
      const crd = structuredClone(cached);
      setCondition(crd, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, rfc3339(this.clock.now()));
      await this.updateStatus(crd);
    }
    return undefined;
  }

  private async updateStatus(crd: CustomResourceDefinition): Promise<void> {
    await this.crdStore().update(undefined, crd.metadata!.name!, crd, { subresource: 'status' });
  }

  /** finalize deletes every object of a deleted CRD, then lets the CRD go. */
  private async finalize(cached: CustomResourceDefinition): Promise<number | undefined> {
    if (!cached.metadata?.finalizers?.includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) return undefined;
    const now = () => rfc3339(this.clock.now());
    let crd = structuredClone(cached);
    const progress: CustomResourceDefinitionCondition = { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' };
    if (!isConditionEquivalent(findCondition(crd, 'Terminating'), progress)) {
      setCondition(crd, progress, now());
      crd = (await this.crdStore().update(undefined, crd.metadata!.name!, crd, { subresource: 'status' })) as CustomResourceDefinition;
    }
    if (isConditionTrue(crd, 'Established')) {
      const def = this.crs.storageDefinition(crd.metadata!.name!);
      if (def) {
        const store = this.crs.storeFor(def);
        const { items } = await store.list(undefined);
        if (items.length) {
          const namespaces = [...new Set(items.map((i) => i.metadata?.namespace))];
          for (const ns of namespaces) {
            try {
              await store.deleteCollection(def.namespaced ? ns : undefined, {}, {});
            } catch (e) {
              setCondition(crd, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionFailed', message: `could not issue all deletes: ${(e as Error).message}` }, now());
              await this.crdStore().update(undefined, crd.metadata!.name!, crd, { subresource: 'status' });
              throw e;
            }
          }
          // Objects held by finalizers go when their controllers let them go: look again soon.
          if ((await store.list(undefined)).items.length) return 1000;
        }
      }
      setCondition(crd, { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' }, now());
    } else {
      setCondition(crd, { type: 'Terminating', status: 'False', reason: 'NeverEstablished', message: 'resource was never established' }, now());
    }
    crd.metadata!.finalizers = crd.metadata!.finalizers!.filter((f) => f !== CUSTOM_RESOURCE_CLEANUP_FINALIZER);
    await this.crdStore().update(undefined, crd.metadata!.name!, crd, { subresource: 'status' });
    return undefined;
  }
}
