/**
 * ObjectCache keeps every object of one resource in memory, kept fresh by a watch — what
 * kube-apiserver's admission plugins get from shared informers (webhook configurations,
 * policies, bindings): reading them on each request costs no list. After a watch error or an
 * expired resourceVersion it lists again.
 */
import type { KubeObject } from '../api/resource.js';
import type { RegistryStore } from '../registry/store.js';
import { StatusError } from '../apimachinery/errors.js';
import { log } from '../util/log.js';
import { realClock, type Clock } from '../util/clock.js';

const logger = log.child({ component: 'admission-cache' });

/** RELIST_DELAY_MS is how long the cache waits before listing again after a failure. */
export const RELIST_DELAY_MS = 1000;

/** ObjectCache is one resource's objects by name (cluster-scoped) or namespace/name. */
export class ObjectCache {
  private readonly objects = new Map<string, KubeObject>();
  private started = false;
  private synced!: Promise<void>;
  private markSynced!: () => void;
  /** revision counts changes: derived state (compiled configurations) is rebuilt when it moves */
  revision = 0;

  constructor(
    private readonly store: () => RegistryStore,
    private readonly signal: AbortSignal,
    private readonly clock: Clock = realClock,
    /** onChange runs after the first list and after every change (status writers, recompilation) */
    private readonly onChange?: () => void,
  ) {
    this.synced = new Promise((resolve) => { this.markSynced = resolve; });
  }

  /** list returns the current objects (frozen: copy before changing), after the first list. */
  async list(): Promise<readonly KubeObject[]> {
    this.start();
    await this.synced;
    return [...this.objects.values()];
  }

  /** get returns one object by key (name, or namespace/name). */
  async get(key: string): Promise<KubeObject | undefined> {
    this.start();
    await this.synced;
    return this.objects.get(key);
  }

  /** start begins listing and watching (reads start it on first use). */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run();
  }

  private key(o: KubeObject): string {
    const ns = o.metadata?.namespace;
    return ns ? `${ns}/${o.metadata?.name}` : o.metadata?.name ?? '';
  }

  private async run(): Promise<void> {
    while (!this.signal.aborted) {
      try {
        const store = this.store();
        const res = await store.list(undefined);
        this.objects.clear();
        for (const o of res.items) this.objects.set(this.key(o), Object.freeze(o));
        this.revision++;
        this.markSynced();
        this.onChange?.();
        for await (const ev of store.watch(undefined, { resourceVersion: res.metadata.resourceVersion, signal: this.signal })) {
          if (ev.type === 'ERROR') break;
          if (ev.type === 'DELETED') this.objects.delete(this.key(ev.object));
          else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.objects.set(this.key(ev.object), Object.freeze(structuredClone(ev.object)));
          else continue;
          this.revision++;
          this.onChange?.();
        }
      } catch (e) {
        if (this.signal.aborted) return;
        if (e instanceof StatusError && e.code === 404) {
          // The resource is not served by this API server (a test server with a few kinds): nothing to watch.
          this.markSynced();
          return;
        }
        logger.error(e, 'admission cache: list/watch failed; listing again');
        // A first list that cannot succeed (resource not served) must not hold requests forever.
        this.markSynced();
      }
      if (this.signal.aborted) return;
      try {
        await this.clock.sleep(RELIST_DELAY_MS, this.signal);
      } catch {
        return;
      }
    }
  }
}
