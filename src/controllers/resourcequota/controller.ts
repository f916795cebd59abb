/**
 * The resource quota controller (pkg/controller/resourcequota): it keeps every ResourceQuota's
 * status current — status.hard mirrors spec.hard, status.used is recomputed from the objects of
 * the namespace — when a quota is created or its spec changes, when an object it counts goes away
 * or stops counting (a pod that reaches Succeeded/Failed), and on a full resync (kube-controller-
 * manager's --resource-quota-sync-period, 5 min). Admission charges new objects; this controller
 * gives back what deletions free and repairs whatever admission over-counted.
 */
import type { KubeObject } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import { keyOf, splitKey, type Informer, type InformerFactory } from '../../client/informer-types.js';
import { Resources, type Client, type ResourceRef } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import { evaluatorFor, podCountsForQuota, usageOf, type Evaluator, type GroupResource } from '../../admission/quota/evaluators.js';
import { equals, fromJSON, mask, toJSON, type ResourceList } from '../../admission/quota/resources.js';
import type { ControllerContext } from '../common/context.js';
import { runWorkers, type Controller } from '../common/run-workers.js';

/** DEFAULT_RESOURCE_QUOTA_SYNC_PERIOD_MS is kube-controller-manager's --resource-quota-sync-period (5m). */
export const DEFAULT_RESOURCE_QUOTA_SYNC_PERIOD_MS = 5 * 60_000;

const QUOTAS: ResourceRef = { group: '', version: 'v1', plural: 'resourcequotas', namespaced: true };

/** the resources with their own evaluator (and legacy quota names), always watched */
const CORE_RESOURCES: ResourceRef[] = [
  Resources.pods, Resources.services, Resources.persistentvolumeclaims, Resources.configmaps, Resources.secrets,
  Resources.replicationcontrollers, QUOTAS,
];

/** the served version of built-in groups, for `count/<resource>.<group>` quotas */
const GROUP_VERSIONS: Record<string, string> = {
  apps: 'v1', batch: 'v1', autoscaling: 'v2', policy: 'v1', 'coordination.k8s.io': 'v1', 'discovery.k8s.io': 'v1',
  'storage.k8s.io': 'v1', 'scheduling.k8s.io': 'v1', 'node.k8s.io': 'v1', 'events.k8s.io': 'v1', 'apiextensions.k8s.io': 'v1',
};

const CRDS: ResourceRef = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** parseObjectCountName turns `count/deployments.apps` into its group/resource (undefined for other names). */
export function parseObjectCountName(name: string): GroupResource | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  const dot = rest.indexOf('.');
  return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

/** ResourceQuotaControllerOptions: the resync period (a flag upstream). */
export interface ResourceQuotaControllerOptions { resyncPeriodMs?: number }

/** ResourceQuotaController recomputes ResourceQuota status through the API. */
export class ResourceQuotaController implements Controller {
  readonly name = 'resourcequota';
  private readonly client: Client;
  private readonly informers: InformerFactory;
  private readonly clock: Clock;
  private readonly queue: WorkQueue<string>;
  private readonly quotas: Informer;
  private readonly crds: Informer;
  /** informers of the resources quotas count, by `group/resource` */
  private readonly monitors = new Map<string, { ref: ResourceRef; informer: Informer }>();
  private readonly logger = log.child({ component: 'resourcequota-controller' });
  /** resources being checked for being served before they are monitored */
  private readonly probing = new Set<string>();
  /** each quota's status as this controller last wrote it, until the informer has caught up with that write */
  private readonly written = new Map<string, KubeObject>();

  constructor(ctx: ControllerContext, opts: ResourceQuotaControllerOptions = {}) {
    this.client = ctx.client;
    this.informers = ctx.informers;
    this.clock = ctx.clock;
    this.queue = new WorkQueue<string>(ctx.clock, { name: 'resourcequota_primary' });
    const resync = opts.resyncPeriodMs ?? ctx.options.resourceQuotaSyncPeriodMs ?? DEFAULT_RESOURCE_QUOTA_SYNC_PERIOD_MS;
    this.quotas = ctx.informers.informerFor(QUOTAS);
    this.crds = ctx.informers.informerFor(CRDS);
    this.quotas.addEventHandler({
      add: (q) => { this.ensureMonitors(q); this.queue.add(keyOf(q)); },
      delete: (q) => this.written.delete(keyOf(q)),
      update: (old, q) => {
        // A resync hands the same object twice: recount everything then, else only on spec changes.
        if (old === q || !sameList(old.spec as Obj, q.spec as Obj, 'hard') || JSON.stringify(old.spec) !== JSON.stringify(q.spec)
          || !sameList(q.spec as Obj, q.status as Obj, 'hard', 'hard') || (q.status as Obj | undefined)?.used === undefined) {
          this.ensureMonitors(q);
          this.queue.add(keyOf(q));
        }
      },
    }, resync);
    for (const ref of CORE_RESOURCES) this.monitor(ref);
    // A deleted CRD's resource is no longer served: stop its monitor (its informer would retry forever).
    this.crds.addEventHandler({ delete: (crd) => this.forgetMonitor(crd as Obj) });
  }

  /** forgetMonitor stops counting a custom resource whose CustomResourceDefinition is gone. */
  private forgetMonitor(crd: Obj): void {
    const id = `${crd.spec?.group}/${crd.spec?.names?.plural}`;
    const have = this.monitors.get(id);
    if (!have) return;
    this.monitors.delete(id);
    this.informers.stopInformer?.(have.ref);
  }

  /** run works the queue until the signal aborts. */
  run(signal: AbortSignal, workers = 5): Promise<void> {
    this.logger.info('Starting resource quota controller');
    return runWorkers({
      queue: this.queue, workers, signal, log: this.logger,
      waitForSync: (s) => this.informers.waitForCacheSync(s),
      sync: (key) => this.syncResourceQuotaFromKey(key),
    });
  }

  /** monitor watches one resource so its deletions (and counting changes) give quota back. */
  private monitor(ref: ResourceRef): Informer {
    const id = `${ref.group}/${ref.plural}`;
    const have = this.monitors.get(id);
    if (have) return have.informer;
    const informer = this.informers.informerFor(ref);
    const gr = { group: ref.group, resource: ref.plural };
    informer.addEventHandler({
      add: (o) => this.replenish(gr, o),
      update: (old, o) => { if (old !== o && usageChanged(gr, old, o, this.clock.now())) this.replenish(gr, o); },
      delete: (o) => this.replenish(gr, o),
    });
    this.monitors.set(id, { ref, informer });
    return informer;
  }

  /** ensureMonitors starts watching every resource a quota counts as `count/<resource>.<group>`. */
  private ensureMonitors(q: Readonly<KubeObject>): void {
    for (const name of Object.keys((q.spec as Obj | undefined)?.hard ?? {})) {
      const gr = parseObjectCountName(name);
      if (!gr || this.monitors.has(`${gr.group}/${gr.resource}`)) continue;
      const ref = this.refFor(gr);
      if (!ref || this.probing.has(`${gr.group}/${gr.resource}`)) continue;
      // Only a served resource gets an informer: one that can never sync would hold up every cache sync.
      this.probing.add(`${gr.group}/${gr.resource}`);
      this.client.list(ref, undefined, { limit: 1 }).then(
        () => { this.monitor(ref); this.queue.add(keyOf(q)); },
        (e) => this.logger.v(4).info('not monitoring a quota resource', { resource: name, error: String(e) }),
      ).finally(() => this.probing.delete(`${gr.group}/${gr.resource}`));
    }
  }

  /** refFor finds the served version of a resource (built-in groups, else its CustomResourceDefinition). */
  private refFor(gr: GroupResource): ResourceRef | undefined {
    if (gr.group === '') return { group: '', version: 'v1', plural: gr.resource, namespaced: true };
    const v = GROUP_VERSIONS[gr.group];
    if (v) return { group: gr.group, version: v, plural: gr.resource, namespaced: true };
    const crd = this.crds.lister.get(undefined, `${gr.resource}.${gr.group}`) as Obj | undefined;
    if (!crd) return undefined;
    const versions: Obj[] = Array.isArray(crd.spec?.versions) ? crd.spec.versions : [];
    const version = versions.find((x) => x.storage)?.name ?? versions.find((x) => x.served)?.name;
    if (!version) return undefined;
    return { group: gr.group, version, plural: gr.resource, namespaced: crd.spec?.scope !== 'Cluster' };
  }

  /** replenish requeues the namespace's quotas that count this resource. */
  private replenish(gr: GroupResource, obj: Readonly<KubeObject>): void {
    const ns = obj.metadata?.namespace;
    if (!ns) return;
    const ev = evaluatorFor(gr);
    for (const q of this.quotas.lister.list(ns)) {
      const hard = Object.keys((q.status as Obj | undefined)?.hard ?? (q.spec as Obj | undefined)?.hard ?? {});
      if (ev.matchingResources(hard).length) this.queue.add(keyOf(q));
    }
  }

  /** informerUsed reads a quota's status.used[name] as the cache has it (tests wait for the cache with it). */
  informerUsed(namespace: string, name: string, resource = 'configmaps'): string | undefined {
    return ((this.quotas.lister.get(namespace, name)?.status as Obj | undefined)?.used as Obj | undefined)?.[resource];
  }

  private async syncResourceQuotaFromKey(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const q = this.quotas.lister.get(namespace, name);
    if (!q) return;
    await this.syncResourceQuota(structuredClone(q) as KubeObject);
  }

  /**
   * newestKnown is the quota to recount from: the informer's copy, unless this controller has since
   * written a newer status the informer has not delivered yet. Judged by the stale copy alone, a
   * count that the controller itself had just overwritten (from services or pods its informers had
   * not seen yet) would look unchanged, and nothing would ever correct the stored one: the quota's
   * status-only update does not requeue it.
   */
  private newestKnown(q: KubeObject): KubeObject {
    const key = keyOf(q);
    const mine = this.written.get(key);
    if (!mine) return q;
    if (olderThan(q.metadata?.resourceVersion, mine.metadata?.resourceVersion)) return structuredClone(mine);
    this.written.delete(key);
    return q;
  }

  /** syncResourceQuota recomputes one quota's usage and writes its status when it changed. */
  async syncResourceQuota(cached: KubeObject): Promise<void> {
    const q = this.newestKnown(cached);
    const spec: Obj = (q.spec as Obj | undefined) ?? {};
    const status: Obj = (q.status as Obj | undefined) ?? {};
    const hard = fromJSON(spec.hard);
    const names = [...hard.keys()];
    let used: ResourceList = fromJSON(status.used);
    let dirty = !equals(hard, fromJSON(status.hard)) || status.hard === undefined || status.used === undefined;
    const usage = await this.calculateUsage(q, names);
    used = mask(new Map([...used, ...usage]), names);
    dirty = dirty || !equals(used, fromJSON(status.used));
    if (!dirty) return;
    const next: KubeObject = { ...q, apiVersion: 'v1', kind: 'ResourceQuota', status: { hard: toJSON(hard), used: toJSON(used) } };
    try {
      this.written.set(keyOf(q), await this.client.updateStatus(QUOTAS, q.metadata?.namespace, next));
    } catch (e) {
      // A conflict means a newer quota is on its way through the informer: it will be counted then.
      if (e instanceof StatusError && (e.code === 404 || e.code === 409)) {
        if (e.code === 409) this.queue.addRateLimited(keyOf(q));
        return;
      }
      throw e;
    }
  }

  /** calculateUsage is quota.CalculateUsage: every evaluator that counts a name of the quota, over the namespace. */
  private async calculateUsage(q: KubeObject, names: string[]): Promise<ResourceList> {
    const ns = q.metadata?.namespace ?? '';
    const now = this.clock.now();
    const evaluators = new Map<string, Evaluator>();
    for (const ref of CORE_RESOURCES) evaluators.set(`${ref.group}/${ref.plural}`, evaluatorFor({ group: ref.group, resource: ref.plural }));
    for (const n of names) {
      const gr = parseObjectCountName(n);
      if (gr && !evaluators.has(`${gr.group}/${gr.resource}`)) evaluators.set(`${gr.group}/${gr.resource}`, evaluatorFor(gr));
    }
    let out: ResourceList = new Map();
    for (const [id, ev] of evaluators) {
      if (ev.matchingResources(names).length === 0) continue;
      const items = await this.itemsOf(id, ev.groupResource, ns);
      if (items === undefined) continue;
      out = new Map([...out, ...usageOf(ev, q as Obj, items, names, now)]);
    }
    return out;
  }

  /** itemsOf lists a namespace's objects of a resource from its informer (undefined: not served). */
  private async itemsOf(id: string, gr: GroupResource, ns: string): Promise<Obj[] | undefined> {
    const m = this.monitors.get(id);
    if (m?.informer.hasSynced()) return m.informer.lister.list(ns) as Obj[];
    // Not monitored (yet): count from a live list this time.
    const ref = m?.ref ?? this.refFor(gr);
    if (!ref) return undefined;
    try {
      return (await this.client.list(ref, ns)).items as Obj[];
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return undefined;
      throw e;
    }
  }
}

/** olderThan compares two resourceVersions (tskube's are revision numbers); unknown ones are never older. */
function olderThan(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return a.length !== b.length ? a.length < b.length : a < b;
}

function sameList(a: Obj | undefined, b: Obj | undefined, fa: string, fb = fa): boolean {
  return equals(fromJSON(a?.[fa]), fromJSON(b?.[fb]));
}

/** usageChanged tells an update that changes what an object uses (a pod turning terminal, a Service's type, a claim's size). */
function usageChanged(gr: GroupResource, old: Readonly<KubeObject>, cur: Readonly<KubeObject>, now: Date): boolean {
  if (gr.group === '' && gr.resource === 'pods') return podCountsForQuota(old as Obj, now) !== podCountsForQuota(cur as Obj, now);
  if (gr.group === '' && (gr.resource === 'services' || gr.resource === 'persistentvolumeclaims')) {
    const ev = evaluatorFor(gr);
    return !equals(ev.usage(old as Obj, now), ev.usage(cur as Obj, now));
  }
  return false;
}
