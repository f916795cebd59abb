import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import { TokenManager } from './service-account-token.js';
import path from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/resource.js';
import { rfc3339 } from '../apimachinery/time.js';
import type { Informer, InformerFactory } from '../client/informer-types.js';
import { SharedInformerFactory } from '../client/informer.js';
import { Resources, type Client } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import type { Runtime } from '../runtime/types.js';
import { Backoff } from '../util/backoff.js';
import { log, type Logger } from '../util/log.js';
import type { NodeAllocatable } from './container-env.js';
import { KubeletEventRecorder, WarningsOnlyRecorder, type AgentRecorder } from './events.js';
import { ConfigCache } from './config-cache.js';
import { ServiceEnvSource } from './service-env.js';
import { LEASE_RENEW_MS, renewLease } from './lease.js';
import { NODE_STATUS_REPORT_MS, NODE_STATUS_UPDATE_MS, hostCapacity, nodeConditions, nodeConditionsChanged, nodeImages, nodeObject, resourceLists, type NodeCapacity } from './node-status.js';
import { ImagePuller, type CredentialsLookup } from './image-puller.js';
import { ImageGCManager, type ImageGCPolicy } from './image-gc.js';
import { PressureTracker, observeHost, type PressureCondition } from './eviction.js';
import { PodWorker } from './pod-worker.js';
import { StartGate } from './start-gate.js';
import { traceStartup } from './startup-trace.js';
import { PodStartupLatencyTracker, podStartDuration, registerRuntimeMetrics } from './metrics.js';
import { parseQuantity } from './quantity.js';
import { GenericPLEG, type PodLifecycleEvent } from './pleg.js';
import { DEFAULT_CLUSTER_DNS, DEFAULT_CLUSTER_DOMAIN, type DNSSettings } from './pod-dns.js';
import { nodeNetworkPorts } from './pod-sandbox.js';
import { parseResolvConf } from '../runtime/sandbox/resolv-conf.js';
import { AgentServer } from './server/server.js';
import { kubeletApi } from './server/kubelet-api.js';
import type { KubeletMetrics } from './server/kubelet-metrics.js';
import { LOCAL_PATH_DIR_ANNOTATION, localPathDir, type VolumeSource } from './volumes.js';
import { untilAborted } from '../util/abort.js';

/** POD_CIDR_RETRY_MS is how often a pod CIDR the runtime failed to take is handed to it again. */
const POD_CIDR_RETRY_MS = 5_000;

/**
 * DEFAULT_START_SEEN_AFTER_MS: how long a started container runs before the status shows it
 * running (PodWorkerDeps.startSeenAfterMs). The kubelet's PLEG relists every second, so it sees a
 * start 0-1 s late; a quarter of a second hides a container that dies at once (a shell's exit, a
 * program printing its usage) and keeps starts fast.
 */
export const DEFAULT_START_SEEN_AFTER_MS = 250;

/**
 * DEFAULT_PARALLEL_POD_STARTS: the node's start steps are mostly waits on short host commands
 * (namespaces, CNI, mounts, the container's set-up), so a few per core keep the cores busy; more
 * at once only make every pod of a burst finish late together.
 */
export const DEFAULT_PARALLEL_POD_STARTS = Math.max(2, os.availableParallelism());

/** NodeAgentOptions configures one node agent. */
export interface NodeAgentOptions {
  client: Client;
  /** see DEFAULT_START_SEEN_AFTER_MS (0: a start shows at once) */
  startSeenAfterMs?: number;
  /** how many costly pod-start steps run at once (see StartGate; default DEFAULT_PARALLEL_POD_STARTS) */
  parallelPodStarts?: number;
  /** shared informers (all-in-one); without them the agent lists and watches its pods itself */
  informers?: InformerFactory;
  nodeName: string;
  /** state directory: pods/UID/{volumes,containers}, runtime state */
  rootDir: string;
  runtime: Runtime;
  clock: Clock;
  recorder?: AgentRecorder;
  /** InternalIP of the node (and pods' IP: host network); default 127.0.0.1 */
  address?: string;
  /** port of the agent's server (0 = pick one) */
  serverPort?: number;
  /** TLS for the agent's server; without it the server is plain HTTP (node annotated tskube.io/agent-scheme=http) */
  serverTls?: { key: string; cert: string };
  /** bearer token the API server must present to the agent's server */
  serverToken?: string;
  capacity?: Partial<NodeCapacity>;
  labels?: Record<string, string>;
  /** lease renew period (default 10 s) */
  leaseRenewMs?: number;
  /** how often node status is computed and posted when it changed (kubelet's nodeStatusUpdateFrequency, 10 s) */
  statusUpdateMs?: number;
  /** how often it is posted even when unchanged (kubelet's nodeStatusReportFrequency, 5 min) */
  statusReportMs?: number;
  /** PLEG relist period (default 1 s) */
  relistPeriodMs?: number;
  /** --cluster-dns (default 10.96.0.10) and --cluster-domain (default cluster.local) */
  clusterDNS?: string[];
  clusterDomain?: string;
  /** the node's resolver configuration, for dnsPolicy Default (default /etc/resolv.conf) */
  resolvConf?: string;
  /** finds the credentials for an image among the pod's imagePullSecrets (runtimes with an image store) */
  imageCredentials?: CredentialsLookup;
  /** image garbage collection (--image-gc-high-threshold, --image-gc-low-threshold, --image-minimum-gc-age); runtimes with an image store */
  imageGC?: Partial<ImageGCPolicy>;
}

/**
 * NodeAgent is tskube's kubelet: it registers its Node, renews its Lease, runs the pods bound to it
 * (one PodWorker each), writes their status and serves logs/exec/attach for the API server.
 */
export class NodeAgent {
  private readonly workers = new Map<string, PodWorker>();
  /** when node status was last posted (ms since the epoch, on the agent's clock) */
  private lastStatusReport = 0;
  private readonly byName = new Map<string, string>();
  private readonly recorder: AgentRecorder;
  private readonly imagePuller?: ImagePuller;
  private readonly imageGC?: ImageGCManager;
  private readonly backoff: Backoff;
  private readonly capacity: NodeCapacity;
  private readonly address: string;
  private server?: AgentServer;
  private nodeUid?: string;
  private port = 0;
  private readonly configSource: VolumeSource;
  private readonly logger: Logger;
  private readonly pleg: GenericPLEG;
  private readonly dns: DNSSettings;
  private podCIDR?: string;
  private readonly pressure: PressureTracker;
  /** the informers the agent reads Services and its Node from (the shared ones when given, else its own) */
  private readonly informers: InformerFactory;
  private readonly ownInformers: boolean;
  /** ConfigMaps and Secrets of the node's pods, one watch per referenced object */
  private readonly configCache: ConfigCache;
  private readonly serviceEnv: ServiceEnvSource;
  private nodeInformer?: Informer<KubeObject>;
  private podCIDRSyncing = false;
  /** bounds the costly start steps of real pods (none for simulated ones: theirs cost nothing) */
  private readonly startGate?: StartGate;
  /** pods seen so far: a new pod's place in the start gate's queue */
  private podsSeen = 0;

  constructor(private readonly o: NodeAgentOptions) {
    this.logger = log.child({ component: 'kubelet', node: o.nodeName });
    // Simulated nodes send no per-pod Normal events (Pulled, Created, Started), as KWOK sends none:
    // at a thousand pods they were a third of the API requests. Warnings still tell what failed.
    const kubeletRecorder = o.recorder ?? new KubeletEventRecorder(o.client, o.nodeName, o.clock);
    this.recorder = o.runtime.isolation === 'simulated' && !o.recorder ? new WarningsOnlyRecorder(kubeletRecorder) : kubeletRecorder;
    this.ownInformers = !o.informers;
    this.informers = o.informers ?? new SharedInformerFactory(o.client, { clock: o.clock });
    this.configCache = new ConfigCache(o.client, o.clock, (_kind, _ns, _name, pods) => {
      // A watched ConfigMap or Secret changed: the pods using it rewrite their volumes now.
      for (const uid of pods) this.workers.get(uid)?.refreshVolumes();
    });
    this.serviceEnv = new ServiceEnvSource(this.informers, o.clock);
    this.backoff = new Backoff(o.clock);
    this.imagePuller = o.runtime.images ? new ImagePuller({ images: o.runtime.images, recorder: this.recorder, clock: o.clock, credentials: o.imageCredentials ?? (() => []) }) : undefined;
    this.imageGC = o.runtime.images ? new ImageGCManager({
      images: o.runtime.images, listContainers: () => o.runtime.listContainers(), recorder: kubeletRecorder, nodeName: o.nodeName, clock: o.clock, policy: o.imageGC,
    }) : undefined;
    this.pressure = new PressureTracker(o.clock);
    if (o.runtime.isolation !== 'simulated') this.startGate = new StartGate(o.parallelPodStarts ?? DEFAULT_PARALLEL_POD_STARTS, o.clock);
    this.capacity = { ...hostCapacity(), ...(o.capacity ?? {}) };
    this.address = o.address ?? '127.0.0.1';
    this.configSource = cachedConfigSource(o.client, this.configCache, this.serviceEnv);
    this.pleg = new GenericPLEG({ runtime: o.runtime, clock: o.clock, relistPeriodMs: o.relistPeriodMs, onEvent: (e) => this.onPlegEvent(e) });
    let host = { servers: [] as string[], searches: [] as string[], options: [] as string[] };
    try { host = parseResolvConf(fs.readFileSync(o.resolvConf ?? '/etc/resolv.conf', 'utf8')); } catch { /* no resolver: Default pods get none */ }
    this.dns = { clusterDNS: o.clusterDNS ?? [DEFAULT_CLUSTER_DNS], clusterDomain: o.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN, host };
  }

  /** the agent's own /metrics registry (made in run()) */
  private kubeletMetrics?: KubeletMetrics;

  /** kubelet_pod_start_duration_seconds, once per pod: on the process registry and the agent's own */
  private readonly startupLatency = new PodStartupLatencyTracker({
    observe: (v: number) => { podStartDuration.observe(v); this.kubeletMetrics?.podStartDuration.observe(v); },
  });

  /** serverPort is the port the agent's server listens on (after run() started it). */
  get serverPort(): number { return this.port; }

  /** run registers the node and runs pods until signal aborts (then stops bookkeeping; containers are left to the runtime). */
  async run(shared: AbortSignal): Promise<void> {
    // The agent's loops sleep on a signal of its own, linked once to the shared one: every sleep adds
    // and removes an abort listener, and on one signal shared by a thousand simulated agents each of
    // those walked every other agent's listeners (27 % of the control plane's CPU at 1,000 nodes).
    const own = new AbortController();
    const stop = () => own.abort(shared.reason);
    if (shared.aborted) stop();
    else shared.addEventListener('abort', stop, { once: true });
    const signal = own.signal;
    setMaxListeners(0, signal);
    fs.mkdirSync(path.join(this.o.rootDir, 'pods'), { recursive: true });
    const api = kubeletApi({
      nodeName: this.o.nodeName, rootDir: this.o.rootDir, runtime: this.o.runtime, address: this.address, port: () => this.port,
      maxPods: Number(this.capacity.pods), clusterDNS: this.dns.clusterDNS, clusterDomain: this.dns.clusterDomain,
      statusUpdateMs: this.o.statusUpdateMs, statusReportMs: this.o.statusReportMs, imageGC: this.o.imageGC, resolvConf: this.o.resolvConf,
      pods: () => [...this.workers.values()].map((w) => w.kubeletCopy),
      now: () => this.o.clock.now(),
    });
    this.kubeletMetrics = api.metrics;
    signal.addEventListener('abort', () => api.metrics.close(), { once: true });
    this.server = new AgentServer({
      host: this.address, port: this.o.serverPort ?? 0, tls: this.o.serverTls, token: this.o.serverToken,
      runtime: this.o.runtime, findPod: (ns, name) => this.findPod(ns, name), now: () => this.o.clock.now(), ...api.options,
    });
    this.port = await this.server.listen();
    signal.addEventListener('abort', registerRuntimeMetrics(this.o.runtime), { once: true });
    try {
      await this.retry(signal, 'Unable to register node with API server', () => this.register());
      this.watchNode();
      if (this.ownInformers) this.informers.start(signal);
      const loops = [
        this.every(signal, this.o.leaseRenewMs ?? LEASE_RENEW_MS, 'Failed to update lease', () => renewLease(this.o.client, this.o.clock, this.o.nodeName, this.nodeUid)),
        this.every(signal, this.o.statusUpdateMs ?? NODE_STATUS_UPDATE_MS, 'Error updating node status', () => this.heartbeat(), true),
        this.o.informers ? this.runInformer(signal) : this.watchPods(signal),
        this.pleg.run(signal),
        ...(this.imageGC ? [this.imageGC.run(signal)] : []),
      ];
      await Promise.all(loops);
    } finally {
      for (const w of this.workers.values()) w.stop();
      this.configCache.stop();
      await this.server.close();
      shared.removeEventListener('abort', stop);
    }
  }

  /** findPod finds a pod's worker by namespace/name. */
  findPod(namespace: string, name: string): PodWorker | undefined {
    const uid = this.byName.get(`${namespace}/${name}`);
    return uid ? this.workers.get(uid) : undefined;
  }

  /** podCount is the number of pods the agent is running. */
  get podCount(): number { return this.workers.size; }

  // ---------------------------------------------------------------- node

  private nodeObj(previous?: KubeObject): KubeObject {
    const prevConds = ((previous?.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)?.conditions) ?? [];
    return nodeObject({
      name: this.o.nodeName, address: this.address, port: this.port, capacity: this.capacity, labels: this.o.labels,
      runtimeVersion: this.o.runtime.version, scheme: this.o.serverTls ? 'https' : 'http',
      now: rfc3339(this.o.clock.now()), ready: true, previousConditions: prevConds, pressure: this.observePressure(),
    });
  }

  /** observePressure reads the host's eviction signals (simulated nodes have no resources of their own: none). */
  private observePressure(): Set<PressureCondition> {
    return this.o.runtime.isolation === 'simulated' ? new Set() : this.pressure.observe(observeHost(this.o.rootDir));
  }

  private async register(): Promise<void> {
    const want = this.nodeObj();
    // Where this node keeps local-path volumes, for the local-path provisioner.
    want.metadata = { ...want.metadata, annotations: { ...(want.metadata?.annotations ?? {}), [LOCAL_PATH_DIR_ANNOTATION]: localPathDir(this.o.rootDir) } };
    let node: KubeObject;
    try {
      node = await this.o.client.create(Resources.nodes, undefined, want);
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
      const existing = await this.o.client.get(Resources.nodes, undefined, this.o.nodeName);
      const merged: KubeObject = {
        ...existing,
        metadata: {
          ...existing.metadata,
          labels: { ...(existing.metadata?.labels ?? {}), ...(want.metadata?.labels ?? {}) },
          annotations: { ...(existing.metadata?.annotations ?? {}), ...(want.metadata?.annotations ?? {}) },
        },
      };
      node = await this.o.client.update(Resources.nodes, undefined, merged);
    }
    this.nodeUid = node.metadata?.uid;
    const status = this.nodeObj(node).status;
    await this.o.client.patch(Resources.nodes, undefined, this.o.nodeName, { status }, 'merge', 'status');
  }

  /**
   * heartbeat is the kubelet's node status sync: computed every update period, posted when it
   * differs from the stored status (so a node controller's Unknown is corrected within a period)
   * or when the report period has passed; the Lease is what says the node is alive in between.
   */
  private async heartbeat(): Promise<void> {
    const node = this.cachedNode() ?? await this.o.client.get(Resources.nodes, undefined, this.o.nodeName);
    const stored = ((node.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] }).conditions) ?? [];
    const now = this.o.clock.now();
    const conds = nodeConditions(rfc3339(now), true, stored, this.observePressure());
    const due = now.getTime() - this.lastStatusReport >= (this.o.statusReportMs ?? NODE_STATUS_REPORT_MS);
    // Runtimes with an image store report their images (the kubelet's images setter).
    const images = this.o.runtime.images ? nodeImages(await this.o.runtime.images.listImages()) : undefined;
    const imagesChanged = images !== undefined && JSON.stringify(images) !== JSON.stringify((node.status as { images?: unknown }).images ?? []);
    // Extended resources advertised in capacity become allocatable, as the kubelet's MachineInfo setter does.
    const storedLists = node.status as { capacity?: Record<string, string>; allocatable?: Record<string, string> };
    const lists = resourceLists(this.capacity, storedLists);
    const listsChanged = !sameResources(lists.capacity, storedLists.capacity) || !sameResources(lists.allocatable, storedLists.allocatable);
    if (!due && !imagesChanged && !listsChanged && !nodeConditionsChanged(stored, conds)) return;
    // a key allocatable loses is named as null (a merge patch keeps what it does not name)
    const resources = listsChanged ? { capacity: lists.capacity, allocatable: withRemovals(lists.allocatable, storedLists.allocatable) } : {};
    await this.o.client.patch(Resources.nodes, undefined, this.o.nodeName, { status: { conditions: conds, ...resources, ...(images ? { images } : {}) } }, 'merge', 'status');
    this.lastStatusReport = now.getTime();
  }

  // ---------------------------------------------------------------- pods

  private podChanged(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid || pod.spec?.nodeName !== this.o.nodeName) return;
    if (!this.workers.has(uid)) traceStartup(uid, 'informer');
    this.startupLatency.observedPodOnWatch(pod, this.o.clock.now());
    let w = this.workers.get(uid);
    if (!w) {
      const phase = pod.status?.phase;
      if ((phase === 'Succeeded' || phase === 'Failed') && !pod.metadata?.deletionTimestamp && !fs.existsSync(path.join(this.o.rootDir, 'pods', uid))) {
        // a finished pod from before this agent started: nothing to run
        return;
      }
      w = new PodWorker(pod, {
        client: this.o.client, runtime: this.o.runtime, clock: this.o.clock, recorder: this.recorder, backoff: this.backoff,
        config: this.configSource, node: this.allocatable(), nodeName: this.o.nodeName, hostIP: this.address, rootDir: this.o.rootDir,
        disableProbes: this.o.runtime.isolation === 'simulated',
        startSeenAfterMs: this.o.runtime.isolation === 'simulated' ? 0 : (this.o.startSeenAfterMs ?? DEFAULT_START_SEEN_AFTER_MS),
        dns: this.dns, nodePortsInUse: (except) => this.nodePortsInUse(except), imagePuller: this.imagePuller,
        startGate: this.startGate, startPriority: this.podsSeen++,
        onTerminated: (id) => this.forget(id),
      });
      this.workers.set(uid, w);
      this.byName.set(`${pod.metadata!.namespace}/${pod.metadata!.name}`, uid);
    }
    // Its ConfigMaps and Secrets are watched before its first volume sync reads them.
    this.configCache.registerPod(pod);
    w.update(pod);
  }

  private podRemoved(pod: Pod): void {
    const uid = pod.metadata?.uid;
    const w = uid ? this.workers.get(uid) : undefined;
    if (w) w.remove();
    else if (uid) this.cleanupOrphan(uid);
  }

  private forget(uid: string): void {
    this.startupLatency.deletePodStartupState(uid);
    this.imagePuller?.forgetPod(uid);
    this.configCache.unregisterPod(uid);
    const w = this.workers.get(uid);
    this.workers.delete(uid);
    if (w) {
      const key = `${w.current.metadata!.namespace}/${w.current.metadata!.name}`;
      if (this.byName.get(key) === uid) this.byName.delete(key);
    }
  }

  /** cleanupOrphans removes containers and directories of pods that no longer exist. */
  private async cleanupOrphans(known: Set<string>): Promise<void> {
    const dirs = fs.existsSync(path.join(this.o.rootDir, 'pods')) ? fs.readdirSync(path.join(this.o.rootDir, 'pods')) : [];
    const uids = new Set([...dirs, ...(await this.o.runtime.listContainers()).map((c) => c.config.podUid),
      ...(await this.o.runtime.listPodSandbox()).map((s) => s.metadata.uid)]);
    for (const uid of uids) if (!known.has(uid) && !this.workers.has(uid)) await this.cleanupOrphan(uid);
  }

  private async cleanupOrphan(uid: string): Promise<void> {
    for (const c of await this.o.runtime.listContainers({ podUid: uid })) await this.o.runtime.removeContainer(c.id).catch(() => undefined);
    // The sandbox goes too: CNI DEL releases the address, the network namespace is removed.
    for (const sb of await this.o.runtime.listPodSandbox({ podUid: uid })) {
      await this.o.runtime.removePodSandbox(sb.id).catch((e: unknown) => this.logger.error(e, 'Failed to remove the sandbox of a pod that is gone', { podUID: uid, sandbox: sb.id }));
    }
    fs.rmSync(path.join(this.o.rootDir, 'pods', uid), { recursive: true, force: true });
  }

  private async runInformer(signal: AbortSignal): Promise<void> {
    const inf = this.o.informers!.informerFor<KubeObject>(Resources.pods, { fieldSelector: `spec.nodeName=${this.o.nodeName}` });
    inf.addEventHandler({
      add: (p) => this.podChanged(p as unknown as Pod),
      update: (_o, p) => this.podChanged(p as unknown as Pod),
      delete: (p) => this.podRemoved(p as unknown as Pod),
    });
    this.o.informers!.start(signal);
    await this.o.informers!.waitForCacheSync(signal).catch(() => undefined);
    if (!signal.aborted) {
      const known = new Set(inf.lister.list().map((p) => p.metadata?.uid ?? ''));
      await this.cleanupOrphans(known);
    }
    await untilAborted(signal);
  }

  private async watchPods(signal: AbortSignal): Promise<void> {
    const fieldSelector = `spec.nodeName=${this.o.nodeName}`;
    let first = true;
    while (!signal.aborted) {
      try {
        const list = await this.o.client.list<KubeObject>(Resources.pods, undefined, { fieldSelector });
        const seen = new Set<string>();
        for (const p of list.items) { seen.add(p.metadata?.uid ?? ''); this.podChanged(p as unknown as Pod); }
        for (const [uid, w] of this.workers) if (!seen.has(uid)) { w.remove(); }
        if (first) { await this.cleanupOrphans(seen); first = false; }
        for await (const ev of this.o.client.watch<KubeObject>(Resources.pods, undefined, { fieldSelector, resourceVersion: list.metadata.resourceVersion, signal, allowWatchBookmarks: true })) {
          if (ev.type === 'ERROR') break;
          if (ev.type === 'BOOKMARK') continue;
          const pod = ev.object as unknown as Pod;
          if (ev.type === 'DELETED') this.podRemoved(pod);
          else this.podChanged(pod);
        }
      } catch (e) {
        // relist after a pause
        if (!signal.aborted) this.logger.error(e, 'Failed to list and watch pods, relisting');
      }
      if (!signal.aborted) await this.o.clock.sleep(1000, signal).catch(() => undefined);
    }
  }

  /** onPlegEvent hands a PLEG event to the pod's worker (events of pods without one are the orphan cleanup's). */
  private onPlegEvent(e: PodLifecycleEvent): void {
    this.workers.get(e.podUid)?.handlePlegEvent(e);
  }

  /** nodePortsInUse maps the ports pods in the node's network hold ("80/TCP") to those pods ("ns/name"). */
  private nodePortsInUse(exceptUid: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [uid, w] of this.workers) {
      if (uid === exceptUid || !w.inNodeNetwork) continue;
      for (const p of nodeNetworkPorts(w.current)) out.set(p, `${w.current.metadata?.namespace}/${w.current.metadata?.name}`);
    }
    return out;
  }

  /**
   * watchNode keeps the agent's own Node in an informer (fieldSelector metadata.name=NODE, the only
   * list/watch of nodes the Node authorizer allows): node status syncs read it instead of a GET, and
   * the spec.podCIDR the control plane assigns (node IPAM) reaches the runtime as it is set (the
   * kubelet's updatePodCIDR → UpdateRuntimeConfig); pods outside the host network wait for it.
   */
  private watchNode(): void {
    if (this.nodeInformer) return;
    this.nodeInformer = this.informers.informerFor<KubeObject>(Resources.nodes, { fieldSelector: `metadata.name=${this.o.nodeName}` });
    const changed = (node: Readonly<KubeObject>) => { if (node.metadata?.name === this.o.nodeName) void this.syncPodCIDR(node); };
    // The resync (from the cache, no request) retries a range the runtime failed to take.
    this.nodeInformer.addEventHandler({ add: changed, update: (_old, node) => changed(node) }, POD_CIDR_RETRY_MS);
  }

  /** cachedNode is the agent's Node as its informer last saw it (undefined before the first list). */
  private cachedNode(): KubeObject | undefined {
    if (!this.nodeInformer?.hasSynced()) return undefined;
    return this.nodeInformer.lister.get(undefined, this.o.nodeName) as KubeObject | undefined;
  }

  /** syncPodCIDR hands a newly assigned pod CIDR to the runtime (it never changes once set: the API forbids it). */
  private async syncPodCIDR(node: Readonly<KubeObject>): Promise<void> {
    const spec = (node.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
    const cidr = spec.podCIDRs?.[0] ?? spec.podCIDR;
    if (!cidr || cidr === this.podCIDR || this.podCIDRSyncing) return;
    this.podCIDRSyncing = true;
    try {
      await this.o.runtime.updateRuntimeConfig({ networkConfig: { podCidr: cidr } });
      this.podCIDR = cidr;
      this.logger.info('Updating Pod CIDR', { podCIDR: cidr });
      for (const w of this.workers.values()) w.kick();
    } catch (e) {
      this.logger.error(e, 'Failed to update the runtime\'s pod CIDR', { podCIDR: cidr });
    } finally {
      this.podCIDRSyncing = false;
    }
  }

  private allocatable(): NodeAllocatable {
    return { cpu: parseQuantity(this.capacity.cpu), memory: parseQuantity(this.capacity.memory) };
  }

  // ---------------------------------------------------------------- loops

  /** retry runs fn until it succeeds, backing off; each failure is logged with failMsg. */
  private async retry(signal: AbortSignal, failMsg: string, fn: () => Promise<void>): Promise<void> {
    for (let delay = 200; !signal.aborted; delay = Math.min(delay * 2, 10_000)) {
      try { await fn(); return; } catch (e) {
        if (!signal.aborted) this.logger.error(e, failMsg);
        await this.o.clock.sleep(delay, signal).catch(() => undefined);
      }
    }
  }

  /** every runs fn each ms until signal aborts; a failure is logged with failMsg and retried next period. */
  private async every(signal: AbortSignal, ms: number, failMsg: string, fn: () => Promise<void>, skipFirst = false): Promise<void> {
    if (skipFirst) await this.o.clock.sleep(ms, signal).catch(() => undefined);
    while (!signal.aborted) {
      await fn().catch((e: unknown) => { if (!signal.aborted) this.logger.error(e, failMsg); });
      await this.o.clock.sleep(ms, signal).catch(() => undefined);
    }
  }
}

/**
 * cachedConfigSource is the agent's VolumeSource: ConfigMaps and Secrets from the ConfigCache's
 * watches, Services from the shared informer, tokens and claims through the API.
 */
export function cachedConfigSource(client: Client, cache: ConfigCache, services: ServiceEnvSource): VolumeSource {
  const direct = clientConfigSource(client);
  return {
    ...direct,
    configMap: (ns, name) => cache.configMap(ns, name),
    secret: (ns, name) => cache.secret(ns, name),
    services: (ns) => services.services(ns),
  };
}

/** clientConfigSource reads ConfigMaps, Secrets and claims through the API (NotFound → undefined). */
export function clientConfigSource(client: Client): VolumeSource {
  const get = async (res: typeof Resources[keyof typeof Resources], ns: string | undefined, name: string) => {
    try { return await client.get(res, ns, name); } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  };
  // projected service account tokens: requested with the node's credentials, cached until near expiry
  const tokens = new TokenManager(client);
  return {
    serviceAccountToken: (ns, sa, wish) => tokens.getServiceAccountToken(ns, sa, wish),
    async configMap(ns, name) {
      const cm = await get(Resources.configmaps, ns, name);
      return cm ? { data: cm.data as Record<string, string> | undefined, binaryData: cm.binaryData as Record<string, string> | undefined } : undefined;
    },
    async secret(ns, name) {
      const s = await get(Resources.secrets, ns, name);
      if (!s) return undefined;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries((s.data as Record<string, string>) ?? {})) out[k] = Buffer.from(v, 'base64').toString();
      for (const [k, v] of Object.entries((s.stringData as Record<string, string>) ?? {})) out[k] = v;
      return out;
    },
    async services(ns) {
      return (await client.list(Resources.services, ns)).items as never;
    },
    async pvcPath(ns, claim) {
      const pvc = await get(Resources.persistentvolumeclaims, ns, claim);
      const volumeName = (pvc?.spec as { volumeName?: string } | undefined)?.volumeName;
      if (!pvc || !volumeName || (pvc.status as { phase?: string } | undefined)?.phase !== 'Bound') return undefined;
      const pv = await get(Resources.persistentvolumes, undefined, volumeName);
      const spec = pv?.spec as { hostPath?: { path: string }; local?: { path: string } } | undefined;
      return spec?.hostPath?.path ?? spec?.local?.path;
    },
  };
}

/** sameResources says whether two resource lists hold the same names and values. */
function sameResources(a: Record<string, string>, b: Record<string, string> | undefined): boolean {
  const bk = Object.keys(b ?? {});
  return bk.length === Object.keys(a).length && bk.every((k) => a[k] === b![k]);
}

/** withRemovals is a merge patch's value for a map: want, and null for each key of had not in want. */
function withRemovals(want: Record<string, string>, had: Record<string, string> | undefined): Record<string, string | null> {
  const out: Record<string, string | null> = { ...want };
  for (const k of Object.keys(had ?? {})) if (!(k in want)) out[k] = null;
  return out;
}
