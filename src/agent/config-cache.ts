import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/resource.js';
import { ResourceInformer } from '../client/informer.js';
import { Resources, type Client, type ResourceRef } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import { log } from '../util/log.js';

const logger = log.child({ component: 'kubelet' });

/** SYNC_WAIT_MS bounds how long a read waits for a new watch's first list before it GETs the object instead. */
export const SYNC_WAIT_MS = 5_000;

/** ConfigKind names the two kinds a pod references by name: ConfigMaps and Secrets. */
export type ConfigKind = 'configmap' | 'secret';

/** PodConfigRefs are the ConfigMaps and Secrets a pod's volumes and environment name. */
export interface PodConfigRefs { configMaps: Set<string>; secrets: Set<string> }

/**
 * podConfigRefs lists the ConfigMaps and Secrets a pod reads (imagePullSecrets, volumes, projected
 * sources, env and envFrom of every container), as the kubelet's podutil.VisitPodConfigmapNames/SecretNames do.
 */
export function podConfigRefs(pod: Pod): PodConfigRefs {
  const spec: PodSpec = pod.spec ?? { containers: [] };
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const s of spec.imagePullSecrets ?? []) if (s?.name) secrets.add(s.name);
  for (const v of spec.volumes ?? []) {
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) configMaps.add(s.configMap.name);
      if (s.secret?.name) secrets.add(s.secret.name);
    }
  }
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef?.name) configMaps.add(f.configMapRef.name);
      if (f.secretRef?.name) secrets.add(f.secretRef.name);
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
    }
  }
  return { configMaps, secrets };
}

/** One watched object: its single-object informer and the pods (uids) that reference it. */
interface Watched {
  informer: ResourceInformer<KubeObject>;
  stop: AbortController;
  pods: Set<string>;
}

/**
 * ObjectWatcher keeps one watch per referenced object of one kind (the kubelet's watch-based
 * ConfigMap/Secret manager): a watch on `metadata.name=NAME` in the object's namespace — the only
 * kind of list/watch the Node authorizer lets a node make — shared by every pod that references the
 * object, and stopped when the last of them is gone.
 */
export class ObjectWatcher {
  private readonly watched = new Map<string, Watched>();
  private stopped = false;

  constructor(
    private readonly client: Client,
    private readonly res: ResourceRef,
    private readonly clock: Clock,
    /** called when a watched object changes after its first list, with the pods that reference it */
    private readonly onChange: (namespace: string, name: string, pods: ReadonlySet<string>) => void,
  ) {}

  /** watching is the number of objects watched (tests, metrics). */
  get watching(): number { return this.watched.size; }

  /** reference records that pod uid uses namespace/name, starting its watch if it is the first. */
  reference(namespace: string, name: string, uid: string): void {
    const key = `${namespace}/${name}`;
    let w = this.watched.get(key);
    if (!w) {
      const informer = new ResourceInformer<KubeObject>(this.client, this.res, { namespace, fieldSelector: `metadata.name=${name}` }, this.clock);
      w = { informer, stop: new AbortController(), pods: new Set() };
      const pods = w.pods;
      const changed = () => { if (informer.hasSynced()) this.onChange(namespace, name, pods); };
      informer.addEventHandler({ add: changed, update: changed, delete: changed });
      this.watched.set(key, w);
      if (this.stopped) w.stop.abort();
      else void informer.run(w.stop.signal);
    }
    w.pods.add(uid);
  }

  /** release drops pod uid's reference to namespace/name; the watch stops with the last one. */
  release(namespace: string, name: string, uid: string): void {
    const key = `${namespace}/${name}`;
    const w = this.watched.get(key);
    if (!w) return;
    w.pods.delete(uid);
    if (w.pods.size === 0) {
      w.stop.abort();
      this.watched.delete(key);
    }
  }

  /**
   * get returns the object from its watch (undefined: it does not exist). A watch that has not
   * listed yet is waited for a while; an object no pod references (or whose watch cannot list) is
   * read with a GET, as before.
   */
  async get(namespace: string, name: string): Promise<Readonly<KubeObject> | undefined> {
    const w = this.watched.get(`${namespace}/${name}`);
    if (w && !w.informer.hasSynced() && !this.stopped) {
      const done = new AbortController();
      await Promise.race([
        w.informer.waitForSync(AbortSignal.any([done.signal, w.stop.signal])).catch(() => undefined),
        this.clock.sleep(SYNC_WAIT_MS, done.signal).catch(() => undefined),
      ]);
      done.abort();
    }
    if (w?.informer.hasSynced()) return w.informer.lister.get(namespace, name);
    try {
      return await this.client.get(this.res, namespace, name);
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  }

  /** stop ends every watch (agent shutdown). */
  stop(): void {
    this.stopped = true;
    for (const w of this.watched.values()) w.stop.abort();
  }
}

/**
 * ConfigCache is the agent's ConfigMap and Secret manager: pods are registered when the agent sees
 * them and unregistered when they are gone; volume syncs and environment resolution read from the
 * watches, and a change of a watched object is reported (onChange) with the pods that use it, so
 * their volumes are rewritten at once rather than at the next periodic sync.
 */
export class ConfigCache {
  private readonly configMaps: ObjectWatcher;
  private readonly secrets: ObjectWatcher;
  /** what each registered pod references: uid → namespace and names */
  private readonly pods = new Map<string, { namespace: string; refs: PodConfigRefs }>();

  constructor(client: Client, clock: Clock, onChange: (kind: ConfigKind, namespace: string, name: string, pods: ReadonlySet<string>) => void) {
    this.configMaps = new ObjectWatcher(client, Resources.configmaps, clock, (ns, n, p) => onChange('configmap', ns, n, p));
    this.secrets = new ObjectWatcher(client, Resources.secrets, clock, (ns, n, p) => onChange('secret', ns, n, p));
  }

  /** watching counts the watched ConfigMaps and Secrets. */
  get watching(): { configMaps: number; secrets: number } {
    return { configMaps: this.configMaps.watching, secrets: this.secrets.watching };
  }

  /** registerPod (re)computes what a pod references: new references start watches, dropped ones release theirs. */
  registerPod(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const namespace = pod.metadata?.namespace ?? 'default';
    const refs = podConfigRefs(pod);
    const prev = this.pods.get(uid);
    // A pod's references hardly ever change (only ephemeral containers can be added): skip the work.
    if (prev && sameSet(prev.refs.configMaps, refs.configMaps) && sameSet(prev.refs.secrets, refs.secrets)) return;
    for (const n of refs.configMaps) this.configMaps.reference(namespace, n, uid);
    for (const n of refs.secrets) this.secrets.reference(namespace, n, uid);
    if (prev) this.release(uid, prev.namespace, { configMaps: minus(prev.refs.configMaps, refs.configMaps), secrets: minus(prev.refs.secrets, refs.secrets) });
    this.pods.set(uid, { namespace, refs });
  }

  /** unregisterPod releases everything a pod referenced. */
  unregisterPod(uid: string): void {
    const prev = this.pods.get(uid);
    if (!prev) return;
    this.pods.delete(uid);
    this.release(uid, prev.namespace, prev.refs);
  }

  /** configMap reads a ConfigMap's data (undefined: not found). */
  async configMap(namespace: string, name: string): Promise<{ data?: Record<string, string>; binaryData?: Record<string, string> } | undefined> {
    const cm = await this.configMaps.get(namespace, name);
    return cm ? { data: cm.data as Record<string, string> | undefined, binaryData: cm.binaryData as Record<string, string> | undefined } : undefined;
  }

  /** secret reads a Secret's data, decoded (undefined: not found). */
  async secret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    const s = await this.secrets.get(namespace, name);
    return s ? decodeSecret(s) : undefined;
  }

  /** stop ends every watch. */
  stop(): void {
    this.configMaps.stop();
    this.secrets.stop();
    logger.v(4).info('Stopped ConfigMap and Secret watches');
  }

  private release(uid: string, namespace: string, refs: PodConfigRefs): void {
    for (const n of refs.configMaps) this.configMaps.release(namespace, n, uid);
    for (const n of refs.secrets) this.secrets.release(namespace, n, uid);
  }
}

/** decodeSecret turns a Secret's base64 data (and any stringData) into strings. */
export function decodeSecret(s: Readonly<KubeObject>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((s.data as Record<string, string>) ?? {})) out[k] = Buffer.from(v, 'base64').toString();
  for (const [k, v] of Object.entries((s.stringData as Record<string, string>) ?? {})) out[k] = v;
  return out;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function minus(a: Set<string>, b: Set<string>): Set<string> {
  return new Set([...a].filter((x) => !b.has(x)));
}
