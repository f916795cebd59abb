import fs from 'node:fs';
import path from 'node:path';
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus, Probe } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/resource.js';
import { rfc3339 } from '../apimachinery/time.js';
import { Resources, type Client } from '../client/types.js';
import type { Clock } from '../util/clock.js';
import { ImagePullError, NETWORK_UNAVAILABLE, type ContainerInfo, type Mount, type NamespaceMode, type PodSandboxConfig, type Runtime } from '../runtime/types.js';
import type { Backoff } from '../util/backoff.js';
import { log } from '../util/log.js';
import { buildEnv, containerArgv, ContainerConfigError, withKubeletAnnotations, type NodeAllocatable } from './container-env.js';
import { managedHostsFileContent, nodeHostsFileContent, podHostnameAndDomain } from './etc-hosts.js';
import type { AgentRecorder } from './events.js';
import type { PodLifecycleEvent } from './pleg.js';
import { DEFAULT_CLUSTER_DNS, DEFAULT_CLUSTER_DOMAIN, type DNSSettings } from './pod-dns.js';
import { generatePodSandboxConfig, nodeNetworkPorts } from './pod-sandbox.js';
import { podCgroupName, podContainerManagerFor } from './pod-cgroups.js';
import { podConditions, podPhase, shouldRestart, statusPatch, type RestartPolicy } from './pod-status.js';
import { ResultsManager, type ProbeKind, type ResultUpdate } from './prober/results.js';
import type { ProbeOutcome, ProbeTarget } from './prober/runners.js';
import { ProbeWorker } from './prober/worker.js';
import { containerSecurity, type ContainerSecurity } from './security-context.js';
import { DEFAULT_TERMINATION_MESSAGE_PATH, terminationMessage } from './termination-message.js';
import { runLifecycleHandler, type HookOwner } from './lifecycle-hooks.js';
import type { ImagePuller } from './image-puller.js';
import { goDuration } from '../util/go-duration.js';
import { asContainer, ephemeralContainerStatus, ephemeralContainersToStart, ephemeralFieldPath, pidNamespaceOptions } from './ephemeral-containers.js';
import { containerMounts, prepareVolumes, teardownVolumes, VolumeMountError, volumesShowPodIP, type VolumeSource } from './volumes.js';
import { traceStartup } from './startup-trace.js';
import type { StartGate } from './start-gate.js';

/** PodWorkerDeps are shared by all pod workers of one agent. */
export interface PodWorkerDeps {
  client: Client;
  runtime: Runtime;
  clock: Clock;
  recorder: AgentRecorder;
  backoff: Backoff;
  config: VolumeSource;
  node: NodeAllocatable;
  nodeName: string;
  hostIP: string;
  rootDir: string;
  /** cluster DNS and the node's resolver configuration, for the pods' /etc/resolv.conf */
  dns?: DNSSettings;
  /** the node's /etc/hosts (host-network pods get a copy) */
  hostsFile?: string;
  /** nodePortsInUse: ports ("80/TCP") that other pods in the node's network hold, and which pod ("ns/name") */
  nodePortsInUse?(exceptUid: string): Map<string, string>;
  /** probes off (simulated runtime) */
  disableProbes?: boolean;
  /**
   * startSeenAfterMs: a started container shows as running only once it has run this long (0 or
   * absent: at once). The kubelet learns of a start at its next PLEG relist, up to a second later,
   * so a container that dies at once shows only its exit, never Running and Ready (which would let
   * a StatefulSet go on to its next pod, or a get -w show it running between crashes).
   */
  startSeenAfterMs?: number;
  /** how often a pod waiting on a missing ConfigMap/Secret/volume/network retries */
  retryMs?: number;
  /** the kubelet's image manager, for runtimes with an image store (Runtime.images) */
  imagePuller?: ImagePuller;
  /** the node's bound on costly start steps run at once (absent: no bound) */
  startGate?: StartGate;
  /** this pod's place in the gate's queue: the agent numbers pods as it first sees them */
  startPriority?: number;
  /** onTerminated is called once the pod is gone (containers and sandbox stopped, directory removed) */
  onTerminated(uid: string): void;
}

interface Instance {
  id: string;
  sandboxId: string;
  attempt: number;
  startedAt: string;
  imageID: string;
  exited?: ContainerInfo;
  /** a sync has seen the exit (takeUnshownExits) */
  exitShown?: boolean;
  /** killed for a failed probe, its restart's back-off was decided as in the kill's SyncPod */
  probeRestartChecked?: boolean;
  /** resolves once the worker learns the instance exited (logs follow, attach) */
  exitedPromise: Promise<void>;
  resolveExited: () => void;
  probes: ProbeWorker[];
  /** what makes its termination message: the host file mounted at terminationMessagePath, the policy, its log */
  termination?: { file?: string; policy?: string; logPath: string };
}

interface CState {
  name: string;
  init: boolean;
  /** an ephemeral container (kubectl debug): runs once, never restarted */
  ephemeral?: boolean;
  restartCount: number;
  current?: Instance;
  lastTerminated?: ContainerState['terminated'];
  waiting?: { reason: string; message?: string };
  imagePullFailures: number;
  /** when the image may be pulled again (clock ms) */
  imagePullRetryAt?: number;
}

/** SandboxState is the worker's view of its pod's current sandbox. */
interface SandboxState {
  id: string;
  attempt: number;
  network: NamespaceMode;
  config: PodSandboxConfig;
  ready: boolean;
}

const MINIMUM_FORCED_GRACE_S = 2;
/**
 * VOLUME_REFRESH_MS is how often ConfigMap, Secret, downward API and projected volumes are rewritten
 * of a pod nothing else syncs (the kubelet's syncFrequency, 1 min): a change of a watched ConfigMap
 * or Secret rewrites them at once (refreshVolumes), this period is the safety net and what renews
 * projected service account tokens.
 */
export const VOLUME_REFRESH_MS = 60_000;

const logger = log.child({ component: 'kubelet' });

/** ContainerSyncError tags a failed sync step with the container it was for (for the log line). */
class ContainerSyncError extends Error {
  constructor(readonly container: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/**
 * PodWorker runs one pod on this node (kubelet's pod worker + SyncPod): volumes, the pod sandbox
 * (its network namespace and address, hostname, resolv.conf), init containers one at a time, app
 * containers, restart policy with back-off, probes, status, and termination. Every trigger (pod
 * update, PLEG event, probe verdict, timer) calls kick(); sync() runs one at a time and compares
 * what should run with what runs.
 */
export class PodWorker {
  private pod: Pod;
  private readonly states = new Map<string, CState>();
  private syncing = false;
  private dirty = false;
  private removed = false;
  private terminating = false;
  private terminated = false;
  private adopted = false;
  /**
   * finishedEarlier: the pod had finished (phase Succeeded or Failed in the API) before this agent
   * started, and the runtime keeps nothing of it (the cluster was stopped): as the kubelet never
   * starts a terminal pod again, nothing runs and its status stays as it is; its logs are served.
   */
  private finishedEarlier = false;
  private startTime?: string;
  private initialized = false;
  private initFailed = false;
  private terminalPhase?: 'Succeeded' | 'Failed';
  private terminalReason?: { reason: string; message: string };
  private volumes?: Map<string, string>;
  private volumesAt = 0;
  /** the pod IP the volumes were written with ('' while none shows it: see volumesShowPodIP) */
  private volumesPodIP = '';
  private lastStatusJson = '';
  /** status writes in the order they were asked for (the first one is not awaited by sync) */
  private statusWrites: Promise<void> = Promise.resolve();
  private startingStatusSent = false;
  private cancelRetry?: () => void;
  /** the pending refresh of the pod's ConfigMap/Secret/downward API volumes */
  private volumeRefreshPending = false;
  private readonly timers = new Set<() => void>();
  private readonly results: ResultsManager;
  private readonly livenessKilled = new Set<string>();
  private readonly podDir: string;
  private isolationNoted = false;
  private sandbox?: SandboxState;
  private sandboxAttempt = 0;
  /** the pod's addresses (kept after the sandbox stops, as status.podIPs is) */
  private podIPs: string[] = [];
  private networkNote?: string;

  /** when the pod reached this worker: kubelet's liveness/startup probe tickers start here, and its kubernetes.io/config.seen */
  private readonly probeTickAnchor: Date;

  constructor(pod: Pod, private readonly d: PodWorkerDeps) {
    this.pod = pod;
    this.probeTickAnchor = d.clock.now();
    this.podDir = path.join(d.rootDir, 'pods', pod.metadata!.uid!);
    this.results = new ResultsManager((u) => this.onProbeResult(u));
    this.startTime = pod.status?.startTime;
  }

  /** uid of the pod. */
  get uid(): string { return this.pod.metadata!.uid!; }

  /** current pod object as last seen. */
  get current(): Pod { return this.pod; }

  /** kubeletCopy is the pod as the kubelet holds it (its config annotations): what the kubelet's /pods lists. */
  get kubeletCopy(): Pod { return this.kubeletView(this.pod); }

  /** inNodeNetwork reports whether the pod's running sandbox shares the node's network (its ports are the node's). */
  get inNodeNetwork(): boolean { return !!this.sandbox?.ready && this.sandbox.network === 'NODE' && !this.terminated; }

  /** update hands the worker the newest pod object. */
  update(pod: Pod): void {
    // New labels or annotations reach downward API volumes at this sync, not only at the next
    // periodic refresh (nothing else may sync a quiet pod again).
    const meta = (p: Pod) => JSON.stringify([p.metadata?.labels ?? {}, p.metadata?.annotations ?? {}]);
    if (meta(pod) !== meta(this.pod)) this.volumesAt = 0;
    this.pod = pod;
    this.kick();
  }

  /** refreshVolumes rewrites the pod's volumes at the next sync (a ConfigMap or Secret it uses changed). */
  refreshVolumes(): void {
    this.volumesAt = 0;
    this.kick();
  }

  /** remove: the pod is gone from the API (force-deleted): stop its containers and clean up. */
  remove(): void {
    this.removed = true;
    for (const s of this.states.values()) {
      if (s.current && !s.current.exited) void this.d.runtime.stopContainer(s.current.id, MINIMUM_FORCED_GRACE_S * 1000).catch(() => undefined);
    }
    this.kick();
  }

  /**
   * handlePlegEvent takes what the PLEG saw for this pod: a container that died gets its final
   * status (probes stop); a sandbox that died makes the next sync re-create the pod's sandbox.
   */
  handlePlegEvent(e: PodLifecycleEvent): void {
    if (e.sandbox) {
      if (this.sandbox?.id === e.id && (e.type === 'ContainerDied' || e.type === 'ContainerRemoved')) this.sandbox.ready = false;
      this.kick();
      return;
    }
    if (e.type === 'ContainerDied' || e.type === 'ContainerRemoved') {
      const inst = [...this.states.values()].map((s) => s.current).find((i) => i?.id === e.id);
      if (inst && !inst.exited) {
        void this.d.runtime.containerStatus(e.id).then((info) => {
          this.markExited(inst, info ?? { id: e.id, sandboxId: inst.sandboxId, config: {} as ContainerInfo['config'], phase: 'exited', exitCode: 137, reason: 'Error', finishedAt: this.d.clock.now().toISOString() });
          this.kick();
        }, () => this.kick());
        return;
      }
    }
    this.kick();
  }

  /** kubeletView is the pod as the kubelet's own copy has it, for the downward API (its config annotations). */
  private kubeletView(pod: Pod): Pod {
    return withKubeletAnnotations(pod, this.probeTickAnchor);
  }

  /** readySandboxId is the pod's sandbox while it is ready (port forwarding goes into its network). */
  get readySandboxId(): string | undefined {
    return this.sandbox?.ready ? this.sandbox.id : undefined;
  }

  /** containerInstance finds a container's current (or previous) instance for logs/exec. */
  containerInstance(name: string, previous = false): { id?: string; logPath?: string; running: boolean; waitingReason?: string; exited?: Promise<unknown> } | undefined {
    if (this.finishedEarlier) return this.earlierInstance(name, previous);
    const s = [...this.states.values()].find((x) => x.name === name);
    if (!s) return undefined;
    if (previous) {
      const attempt = (s.current?.attempt ?? s.restartCount) - 1;
      if (attempt < 0 || !s.lastTerminated) return { running: false };
      return { running: false, logPath: this.logPath(name, attempt) };
    }
    if (!s.current) return { running: false, waitingReason: s.waiting?.reason ?? 'ContainerCreating' };
    return { id: s.current.id, running: !s.current.exited, logPath: this.logPath(name, s.current.attempt), exited: s.current.exitedPromise };
  }

  /** earlierInstance is containerInstance for a pod that finished before this agent: its log files, as its API status numbers them. */
  private earlierInstance(name: string, previous: boolean): { logPath?: string; running: boolean } | undefined {
    const st = this.pod.status;
    const cs = [...(st?.initContainerStatuses ?? []), ...(st?.containerStatuses ?? []), ...(st?.ephemeralContainerStatuses ?? [])].find((x) => x.name === name);
    if (!cs) return undefined;
    const attempt = cs.restartCount - (previous ? 1 : 0);
    if (attempt < 0 || (previous && !cs.lastState?.terminated)) return { running: false };
    const file = this.logPath(name, attempt);
    return { running: false, ...(fs.existsSync(file) ? { logPath: file } : {}) };
  }

  /** kick schedules a sync (coalesced). */
  kick(): void {
    if (this.terminated) return;
    if (this.syncing) { this.dirty = true; return; }
    this.syncing = true;
    void (async () => {
      try {
        do {
          this.dirty = false;
          try {
            await this.sync();
          } catch (e) {
            this.retryLater();
            // Every failed sync is logged (kubelet's "Error syncing pod"): it is retried, but never silently.
            const md = this.pod.metadata;
            logger.error(e instanceof ContainerSyncError ? e.cause : e, 'Error syncing pod, skipping', {
              node: this.d.nodeName, pod: `${md?.namespace}/${md?.name}`, podUID: md?.uid,
              ...(e instanceof ContainerSyncError ? { container: e.container } : {}),
            });
          }
        } while (this.dirty && !this.terminated);
      } finally {
        this.syncing = false;
      }
    })();
  }

  /** whenIdle resolves once no sync is running or queued (tests). */
  async whenIdle(): Promise<void> {
    for (let i = 0; i < 1000 && (this.syncing || this.dirty); i++) await new Promise((r) => setImmediate(r));
  }

  /** stop cancels timers and probe workers (agent shutdown; containers are left to the runtime). */
  stop(): void {
    // No sync may run after shutdown: it would restart containers the shutdown is stopping.
    this.terminated = true;
    for (const c of this.timers) c();
    this.timers.clear();
    for (const s of this.states.values()) for (const p of s.current?.probes ?? []) p.stop();
  }

  // ---------------------------------------------------------------- sync

  private async sync(): Promise<void> {
    const pod = this.pod;
    traceStartup(this.uid, 'sync');
    if (!this.adopted) await this.adopt();
    if (this.removed || pod.metadata?.deletionTimestamp) {
      await this.terminate();
      return;
    }
    if (this.finishedEarlier) return;
    const now = this.d.clock.now();
    if (!this.startTime) this.startTime = rfc3339(now);
    fs.mkdirSync(this.podDir, { recursive: true });
    this.noteIsolation();

    if (!this.terminalPhase) this.checkActiveDeadline(now);
    // As the kubelet's SyncPod hands the status manager the pod's status before it makes the sandbox,
    // a new pod shows ContainerCreating (Initialized, waiting containers) while it starts; written
    // beside the start, not before it, and ahead of every later status.
    if (!this.terminalPhase && this.lastStatusJson === '' && !this.startingStatusSent) {
      this.startingStatusSent = true;
      this.writeStatus().catch((e: unknown) => logger.error(e, 'Failed to update the status of a starting pod', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` }));
    }
    if (this.terminalPhase) {
      await this.killAll(this.gracePeriodMs(), undefined);
      // A finished pod gives its address back (the kubelet kills the sandbox of a terminal pod).
      await this.stopSandboxes();
      await this.writeStatus();
      return;
    }

    // Volumes (refreshed when an object they show changes, every VOLUME_REFRESH_MS, and once the pod has its IP).
    if (!this.volumes || now.getTime() - this.volumesAt >= VOLUME_REFRESH_MS || this.volumesPodIP !== this.volumesIP()) {
      try {
        const prepare = () => prepareVolumes(this.kubeletView(pod), this.podDir, this.d.config, this.d.node, this.podIP, this.d.hostIP);
        this.volumes = this.volumes ? await prepare() : await this.gated(prepare);
        this.volumesAt = now.getTime();
        this.volumesPodIP = this.volumesIP();
      } catch (e) {
        if (!this.volumes) {
          if (e instanceof VolumeMountError || e instanceof ContainerConfigError) {
            this.d.recorder.event(podRef(pod), 'Warning', 'FailedMount', e.message);
            this.retryLater();
            await this.writeStatus();
            return;
          }
          throw e;
        }
      }
    }

    this.scheduleVolumeRefresh();
    traceStartup(this.uid, 'volumes');

    if (!(await this.ensureSandbox())) {
      await this.writeStatus();
      return;
    }
    if (this.volumesPodIP !== this.volumesIP()) {
      this.volumes = await prepareVolumes(this.kubeletView(pod), this.podDir, this.d.config, this.d.node, this.podIP, this.d.hostIP).catch(() => this.volumes);
      this.volumesPodIP = this.volumesIP();
    }

    if (this.turnedTerminating()) return;
    traceStartup(this.uid, 'sandbox');
    // The kubelet's SyncPod hands the status manager the status it found before it acts, so a
    // container that exited shows Terminated (Error, Completed, OOMKilled) before it is restarted or
    // backs off: kubectl get pods -w shows Error (Init:Error) between Running and the next Running or
    // CrashLoopBackOff. Written beside the actions, ahead of the sync's own status.
    if (this.takeUnshownExits()) {
      this.writeStatus().catch((e: unknown) => logger.error(e, 'Failed to update the status of a pod whose container exited', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}` }));
    }
    const spec = pod.spec!;
    const policy = (spec.restartPolicy ?? 'Always') as RestartPolicy;
    const sandboxId = this.sandbox!.id;

    // Init containers, one at a time, each to success (in this sandbox: a new sandbox runs them again).
    // A sidecar (restartPolicy Always) is started and left running: the next one starts once it has
    // started (its startup probe passed), and it is restarted whenever it stops, whatever the pod's policy.
    if (!this.initialized) {
      const inits = spec.initContainers ?? [];
      let allDone = true;
      for (const c of inits) {
        const s = this.state(c.name, true);
        if (isSidecar(c)) {
          if (s.current && !s.current.exited && s.current.sandboxId === sandboxId) {
            if (this.sidecarStarted(c, s.current)) continue;
            allDone = false;
            break;
          }
          allDone = false;
          if (s.current?.exited) await this.forContainer(c.name, () => this.restartWithBackoff(c, s));
          else await this.forContainer(c.name, () => this.startContainer(c, s));
          break;
        }
        if (s.current && !s.current.exited) { allDone = false; break; }
        if (s.current?.exited && s.current.exited.exitCode === 0 && s.current.sandboxId === sandboxId) continue;
        allDone = false;
        if (s.current?.exited) {
          if (policy === 'Never' && s.current.exited.exitCode !== 0) { this.initFailed = true; this.terminalPhase = 'Failed'; break; }
          await this.forContainer(c.name, () => this.restartWithBackoff(c, s));
        } else {
          await this.forContainer(c.name, () => this.startContainer(c, s));
        }
        break;
      }
      if (allDone) this.initialized = true;
    }

    if (this.initialized && !this.terminalPhase) {
      const appDone = spec.containers.every((c) => {
        const exit = this.state(c.name, false).current?.exited;
        return !!exit && !shouldRestart(policy, exit.exitCode ?? 0);
      });
      for (const c of (spec.initContainers ?? []).filter(isSidecar)) {
        const s = this.state(c.name, true);
        const cur = s.current;
        if (appDone) {
          // the app containers are done for good (a Job's pod): its sidecars are stopped, as the kubelet does
          if (cur && !cur.exited) await this.forContainer(c.name, () => this.stopSidecar(s, cur));
          s.waiting = undefined;
          continue;
        }
        if (!cur) await this.forContainer(c.name, () => this.startContainer(c, s));
        else if (cur.exited) await this.forContainer(c.name, () => this.restartWithBackoff(c, s));
      }
      for (const c of spec.containers) {
        const s = this.state(c.name, false);
        if (s.current && !s.current.exited) continue;
        if (!s.current) {
          await this.forContainer(c.name, () => this.startContainer(c, s));
          continue;
        }
        const exit = s.current.exited!;
        if (!shouldRestart(policy, exit.exitCode ?? 0)) { s.waiting = undefined; continue; }
        await this.forContainer(c.name, () => this.restartWithBackoff(c, s));
      }
    }

    // Ephemeral containers start once each, initialized or not (the kubelet's computePodActions).
    if (!this.terminalPhase) {
      for (const ec of ephemeralContainersToStart(pod, (n) => !!this.state(n, false, true).current)) {
        await this.forContainer(ec.name, () => this.startContainer(asContainer(ec), this.state(ec.name, false, true), ec.targetContainerName));
      }
    }

    // A container started moments ago is not seen yet: the status waits (a PLEG event of its exit, or this timer, brings it).
    const unseenMs = this.startUnseenForMs();
    if (unseenMs > 0) { this.after(unseenMs); return; }
    const status = this.buildStatus();
    await this.writeStatus(status);
    if (status.phase === 'Succeeded' || status.phase === 'Failed') {
      this.terminalPhase = status.phase;
      // A finished pod gives its address back (the kubelet kills the sandbox of a terminal pod).
      await this.stopSandboxes();
    }
  }

  /** sidecarStarted: a running sidecar counts as started once its startup probe passed (at once without one). */
  private sidecarStarted(c: Container, cur: Instance): boolean {
    return !c.startupProbe || this.d.disableProbes === true || this.results.get(cur.id, 'startup') === 'success';
  }

  /** stopSidecar stops a sidecar whose pod's app containers have finished, within the pod's grace period. */
  private async stopSidecar(s: CState, cur: Instance): Promise<void> {
    for (const p of cur.probes) p.stop();
    const left = await this.runPreStop(s, cur.id, this.gracePeriodMs());
    await this.d.runtime.stopContainer(cur.id, left);
    const info = await this.d.runtime.containerStatus(cur.id);
    if (info) this.markExited(cur, info);
  }

  /** startUnseenForMs is how long until the youngest running container has run startSeenAfterMs (0: every start is seen). */
  private startUnseenForMs(): number {
    const delay = this.d.startSeenAfterMs ?? 0;
    if (delay <= 0) return 0;
    const now = this.d.clock.now().getTime();
    let wait = 0;
    for (const s of this.states.values()) {
      const cur = s.current;
      if (!cur || cur.exited || !cur.startedAt) continue;
      wait = Math.max(wait, delay - (now - Date.parse(cur.startedAt)));
    }
    return wait;
  }

  /**
   * takeUnshownExits tells whether an instance exited since the last sync (each is told once). A
   * container killed for a failed liveness or startup probe does not count: the kubelet kills and
   * restarts it within one SyncPod, so it never shows as terminated.
   */
  private takeUnshownExits(): boolean {
    let found = false;
    for (const s of this.states.values()) {
      const cur = s.current;
      if (s.ephemeral || !cur?.exited || cur.exitShown) continue;
      cur.exitShown = true;
      if (!this.livenessKilled.has(cur.id)) found = true;
    }
    return found;
  }

  /** forContainer runs one container's step; a failure carries the container's name to the sync log line. */
  private async forContainer(name: string, step: () => Promise<void>): Promise<void> {
    // The kubelet cancels a running SyncPod once its pod turns terminating: nothing more is started
    // (a container killed the moment it starts may not have set its SIGTERM handler yet, and waits
    // out the whole grace period). The next sync terminates the pod.
    if (this.turnedTerminating()) return;
    try {
      await step();
    } catch (e) {
      throw new ContainerSyncError(name, e);
    }
  }

  /** turnedTerminating: the pod was deleted (or force-deleted) while a sync was under way. */
  private turnedTerminating(): boolean {
    return this.removed || !!this.pod.metadata?.deletionTimestamp;
  }

  private async restartWithBackoff(c: Container, s: CState): Promise<void> {
    const cur = s.current!;
    const exit = cur.exited!;
    const key = `${this.uid}/${c.name}`;
    let finished = new Date(exit.finishedAt ?? this.d.clock.now().toISOString());
    if (this.livenessKilled.has(cur.id) && !cur.probeRestartChecked) {
      // The kubelet kills a container that failed its liveness or startup probe and starts it again
      // in one SyncPod, whose back-off check (doBackOff) sees only the instances that had exited
      // before the kill: the instance before this one, or none (then neither a back-off nor a step
      // of it). Later checks see this instance, as for any exit.
      cur.probeRestartChecked = true;
      const before = s.lastTerminated?.finishedAt;
      if (!before) {
        await this.startContainer(c, s);
        return;
      }
      finished = new Date(before);
    }
    if (this.d.backoff.inBackOffSince(key, finished)) {
      const delay = this.d.backoff.get(key);
      const podName = `${this.pod.metadata!.name}_${this.pod.metadata!.namespace}(${this.uid})`;
      const was = s.waiting?.reason;
      s.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${formatDelay(delay)} restarting failed container=${c.name} pod=${podName}` };
      if (was !== 'CrashLoopBackOff') {
        this.d.recorder.event(podRef(this.pod), 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podName}`, fieldPath(s));
      }
      this.after(this.d.backoff.remainingMs(key, finished) + 1);
      return;
    }
    this.d.backoff.next(key);
    await this.startContainer(c, s);
  }

  // ---------------------------------------------------------------- sandbox

  /** podIP is the pod's first address ('' before it has a sandbox). */
  private get podIP(): string { return this.podIPs[0] ?? ''; }

  /**
   * volumesIP is the pod IP as far as its volumes show it: the IP when a downward API file shows
   * a status field, else '' (volumes need not be written again once the sandbox gives the pod its
   * address, which every pod's start did).
   */
  private volumesIP(): string { return volumesShowPodIP(this.pod) ? this.podIP : ''; }

  /**
   * ensureSandbox makes sure the pod has a ready sandbox (the kubelet's computePodActions →
   * createPodSandbox): a sandbox that died is replaced (SandboxChanged: its containers are killed
   * and all start again); a pod outside the host network waits for the node's pod network, or runs
   * in the node's network with a warning when this node can have none. False: not yet.
   */
  private async ensureSandbox(): Promise<boolean> {
    if (this.sandbox?.ready) {
      const st = await this.d.runtime.podSandboxStatus(this.sandbox.id);
      if (st?.state === 'SANDBOX_READY') return true;
      this.sandbox.ready = false;
    }
    if (this.sandbox) {
      this.d.recorder.event(podRef(this.pod), 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      await this.killAll(0, undefined);
      await this.stopSandboxes();
      this.sandbox = undefined;
      this.initialized = false;
    }
    const network = await this.networkMode();
    if (!network) return false;
    const { config, dnsWarnings } = generatePodSandboxConfig(this.pod, {
      dns: this.dnsSettings(), network, attempt: this.sandboxAttempt, logDirectory: path.join(this.podDir, 'containers'),
    });
    for (const w of dnsWarnings) this.d.recorder.event(podRef(this.pod), 'Warning', 'DNSConfigForming', w);
    let id: string;
    try {
      // The pod's cgroup (kubepods/<qos>/pod<uid>, with the pod-level limits) is the sandbox's
      // cgroupParent. It is made while the sandbox is (nothing runs in it before a container
      // starts, after both): its cgroupfs calls wait on the kernel's cgroup lock in a burst, the
      // sandbox's on its namespace and network commands, and neither needs the other.
      const podCgroups = podContainerManagerFor(this.d.runtime);
      const cgroup = podCgroups?.ensure(this.pod);
      if (podCgroups) config.linux = { ...config.linux, cgroupParent: podCgroupName(this.pod) };
      const [made, sandbox] = await this.gated(() => Promise.allSettled([cgroup, this.d.runtime.runPodSandbox(config)]));
      if (made.status === 'rejected') {
        if (sandbox.status === 'fulfilled') await this.d.runtime.removePodSandbox(sandbox.value).catch(() => undefined);
        throw made.reason;
      }
      if (sandbox.status === 'rejected') throw sandbox.reason;
      id = sandbox.value;
    } catch (e) {
      this.d.recorder.event(podRef(this.pod), 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
      this.retryLater();
      return false;
    }
    this.sandboxAttempt++;
    const st = await this.d.runtime.podSandboxStatus(id);
    this.sandbox = { id, attempt: config.metadata.attempt, network, config, ready: true };
    this.podIPs = network === 'POD' && st?.network ? [st.network.ip, ...st.network.additionalIps] : [this.d.hostIP];
    this.writeHostsFile();
    return true;
  }

  /** gated runs a costly start step within the node's start gate, if it has one. */
  private gated<T>(step: () => Promise<T>): Promise<T> {
    return this.d.startGate ? this.d.startGate.run(this.d.startPriority ?? 0, step) : step();
  }

  /** networkMode decides where the pod's sandbox lives: POD, NODE, or undefined (wait for the network). */
  private async networkMode(): Promise<NamespaceMode | undefined> {
    if (this.pod.spec?.hostNetwork) return 'NODE';
    const st = await this.d.runtime.status();
    const net = st.conditions.find((c) => c.type === 'NetworkReady');
    if (!net || net.status) return 'POD';
    if (net.reason === NETWORK_UNAVAILABLE) {
      if (this.networkNote !== net.message) {
        this.networkNote = net.message;
        this.d.recorder.event(podRef(this.pod), 'Warning', 'HostNetworkFallback',
          `The pod shares the node's network (IP ${this.d.hostIP}) because this node cannot give pods their own: ${net.message}. Pods of this node cannot listen on one port twice.`);
      }
      return 'NODE';
    }
    // The kubelet's NetworkNotReady: the pod waits until the runtime's network is ready (the node has its podCIDR).
    const msg = `network is not ready: container runtime network not ready: NetworkReady=false reason:${net.reason ?? ''} message:${net.message ?? ''}`;
    if (this.networkNote !== msg) {
      this.networkNote = msg;
      this.d.recorder.event(podRef(this.pod), 'Warning', 'NetworkNotReady', msg);
    }
    this.retryLater(Math.min(this.d.retryMs ?? 2000, 1000));
    return undefined;
  }

  private dnsSettings(): DNSSettings {
    return this.d.dns ?? { clusterDNS: [DEFAULT_CLUSTER_DNS], clusterDomain: DEFAULT_CLUSTER_DOMAIN, host: { servers: [], searches: [], options: [] } };
  }

  /** writeHostsFile writes the pod's /etc/hosts (the kubelet's etc-hosts in the pod directory). */
  private writeHostsFile(): void {
    const aliases = this.pod.spec?.hostAliases ?? [];
    let content: string;
    if (this.pod.spec?.hostNetwork) {
      let nodeHosts = '';
      try { nodeHosts = fs.readFileSync(this.d.hostsFile ?? '/etc/hosts', 'utf8'); } catch { /* none */ }
      content = nodeHostsFileContent(nodeHosts, aliases);
    } else {
      const { hostname, domain } = podHostnameAndDomain(this.pod, this.dnsSettings().clusterDomain);
      content = managedHostsFileContent(this.podIPs, hostname, domain, aliases);
    }
    fs.mkdirSync(this.podDir, { recursive: true });
    fs.writeFileSync(this.hostsPath(), content, { mode: 0o644 });
  }

  private hostsPath(): string { return path.join(this.podDir, 'etc-hosts'); }

  /** pullSecrets reads the data of the pod's imagePullSecrets (a missing one is skipped, as the kubelet does with a warning). */
  private async pullSecrets(): Promise<Record<string, string>[]> {
    const ns = this.pod.metadata!.namespace ?? 'default';
    const out: Record<string, string>[] = [];
    for (const ref of this.pod.spec?.imagePullSecrets ?? []) {
      if (!ref?.name) continue;
      const data = await this.d.config.secret(ns, ref.name).catch(() => undefined);
      if (data) out.push(data);
      else logger.warn('Unable to retrieve pull secret, the image pull may not succeed.', { pod: `${ns}/${this.pod.metadata!.name}`, secret: `${ns}/${ref.name}` });
    }
    return out;
  }

  /** stopSandboxes stops and removes every sandbox of the pod (CNI DEL, namespaces gone). */
  private async stopSandboxes(): Promise<void> {
    for (const sb of await this.d.runtime.listPodSandbox({ podUid: this.uid })) {
      await this.d.runtime.removePodSandbox(sb.id);
    }
    if (this.sandbox) this.sandbox.ready = false;
  }

  /**
   * portConflict: a container in the node's network that declares a port another such pod holds
   * would die on "address in use"; say so instead of crash-looping.
   */
  private portConflict(): string | undefined {
    if (this.sandbox?.network !== 'NODE' || !this.d.nodePortsInUse) return undefined;
    const held = this.d.nodePortsInUse(this.uid);
    for (const p of nodeNetworkPorts(this.pod)) {
      const owner = held.get(p);
      if (!owner) continue;
      const why = this.pod.spec?.hostNetwork ? 'the pod uses the node\'s network (hostNetwork: true)' : `pods share the node's network: ${this.networkNote ?? 'no pod network'}`;
      return `port ${p} is already in use on node ${this.d.nodeName} by pod ${owner}; ${why}`;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- containers

  private async startContainer(c: Container, s: CState, targetContainerName?: string): Promise<void> {
    const pod = this.pod;
    const ns = pod.metadata!.namespace ?? 'default';
    if (this.d.imagePuller) {
      // A runtime with an image store: the kubelet's image manager applies imagePullPolicy.
      const pulled = await this.d.imagePuller.ensureImageExists(pod, c, await this.pullSecrets(), fieldPath(s));
      if ('failure' in pulled) {
        s.waiting = { reason: pulled.failure.reason, message: pulled.failure.message };
        this.d.recorder.event(podRef(pod), 'Warning', 'Failed', `Error: ${pulled.failure.reason}`, fieldPath(s));
        if (pulled.failure.retryAfterMs !== undefined) this.after(pulled.failure.retryAfterMs);
        else this.retryLater();
        return;
      }
    }
    // Within an image pull back-off, other syncs (PLEG events, pod updates) do not pull again.
    if (s.imagePullRetryAt !== undefined && this.d.clock.now().getTime() < s.imagePullRetryAt) return;
    let image;
    // The process runtime's images are its catalog, already on the node: "pulling" one is looking it
    // up. The kubelet pulls for the Always policy (the default for :latest and untagged images), and
    // its events say so.
    const pulling = !this.d.imagePuller && c.imagePullPolicy === 'Always';
    if (pulling) this.d.recorder.event(podRef(pod), 'Normal', 'Pulling', `Pulling image "${c.image}"`, fieldPath(s));
    const pullStarted = performance.now();
    try {
      image = await this.d.runtime.resolveImage(c.image ?? '', !!c.command?.length);
    } catch (e) {
      if (!(e instanceof ImagePullError)) throw e;
      s.imagePullFailures++;
      const first = s.imagePullFailures === 1;
      s.waiting = { reason: first ? 'ErrImagePull' : 'ImagePullBackOff', message: first ? e.message : `Back-off pulling image "${c.image}": ${e.message}` };
      // An image the node does not have is pulled (and fails) whatever the policy but Never.
      if (!pulling && c.imagePullPolicy !== 'Never') this.d.recorder.event(podRef(pod), 'Normal', 'Pulling', `Pulling image "${c.image}"`, fieldPath(s));
      // Every pull that fails says so, as the kubelet's image manager and its start do (describe shows
      // Pulling, Failed and ErrImagePull with one count); a retry's failure then shows as the back-off
      // the kubelet's next sync, still within it, reports.
      this.d.recorder.event(podRef(pod), 'Warning', 'Failed', e.message, fieldPath(s));
      this.d.recorder.event(podRef(pod), 'Warning', 'Failed', 'Error: ErrImagePull', fieldPath(s));
      if (!first) {
        this.d.recorder.event(podRef(pod), 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`, fieldPath(s));
        this.d.recorder.event(podRef(pod), 'Warning', 'Failed', 'Error: ImagePullBackOff', fieldPath(s));
      }
      const delay = Math.min(10_000 * 2 ** (s.imagePullFailures - 1), 300_000);
      s.imagePullRetryAt = this.d.clock.now().getTime() + delay;
      this.after(delay);
      return;
    }
    s.imagePullFailures = 0;
    s.imagePullRetryAt = undefined;
    if (pulling) {
      const ms = performance.now() - pullStarted;
      this.d.recorder.event(podRef(pod), 'Normal', 'Pulled',
        `Successfully pulled image "${c.image}" in ${goDuration(ms)} (${goDuration(ms)} including waiting). Image size: ${image.size ?? 0} bytes.`, fieldPath(s));
    }
    let env: Record<string, string>;
    let podEnv: Record<string, string>;
    let security: ContainerSecurity;
    let volumeMounts: Mount[];
    try {
      podEnv = await buildEnv(this.kubeletView(pod), c, this.d.config, this.d.node, this.podIP, this.d.hostIP);
      // the runtime starts from the image's ENV; the pod's variables win
      env = { ...(image.env ?? {}), ...podEnv };
      security = containerSecurity(pod, c, image);
      // subPathExpr too: the container's own variables (the kubelet knows nothing of the image's ENV)
      volumeMounts = containerMounts(c, this.volumes ?? new Map(), podEnv);
    } catch (e) {
      if (!(e instanceof ContainerConfigError)) throw e;
      if (s.waiting?.reason !== 'CreateContainerConfigError' || s.waiting.message !== e.message) {
        this.d.recorder.event(podRef(pod), 'Warning', 'Failed', `Error: ${e.message}`, fieldPath(s));
      }
      s.waiting = { reason: 'CreateContainerConfigError', message: e.message };
      this.retryLater();
      return;
    }
    // $(VAR) in command and args sees the container's own variables only, never the image's ENV (as the kubelet's)
    const argv = containerArgv(c, image, podEnv);
    if (argv.length === 0) {
      s.waiting = { reason: 'CreateContainerError', message: 'failed to generate container spec: no command specified' };
      this.retryLater();
      return;
    }
    const conflict = this.portConflict();
    if (conflict) {
      if (s.waiting?.message !== conflict) this.d.recorder.event(podRef(pod), 'Warning', 'Failed', `Error: ${conflict}`, fieldPath(s));
      s.waiting = { reason: 'CreateContainerError', message: conflict };
      this.retryLater();
      return;
    }
    if (!this.d.imagePuller && !pulling) this.d.recorder.event(podRef(pod), 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, fieldPath(s));
    const attempt = s.current ? s.restartCount + 1 : s.restartCount;
    const prev = s.current;
    const sb = this.sandbox!;
    const mounts: Mount[] = [...volumeMounts];
    if (!mounts.some((m) => m.containerPath === '/etc/hosts')) mounts.push({ hostPath: this.hostsPath(), containerPath: '/etc/hosts' });
    // kubelet mounts a fresh file of the pod directory at terminationMessagePath, writable by any user.
    const termPath = c.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH;
    let termFile: string | undefined;
    if (termPath) {
      termFile = path.join(this.podDir, 'containers', c.name, `termination-${attempt}`);
      fs.mkdirSync(path.dirname(termFile), { recursive: true });
      fs.writeFileSync(termFile, '');
      fs.chmodSync(termFile, 0o666);
      mounts.push({ hostPath: termFile, containerPath: termPath });
    }
    const id = await this.gated(async () => {
      const created = await this.d.runtime.createContainer(sb.id, {
        podUid: this.uid, podName: pod.metadata!.name!, podNamespace: ns, name: c.name, attempt,
        image: c.image ?? '', argv, env, workingDir: c.workingDir || image.workingDir,
        mounts, logPath: this.logPath(c.name, attempt), stdin: c.stdin, stdinOnce: c.stdinOnce, tty: c.tty, ...security,
        namespaceOptions: pidNamespaceOptions(pod, targetContainerName ? this.runningId(targetContainerName) : undefined),
        resources: podContainerManagerFor(this.d.runtime)?.containerResources(pod, c),
      }, sb.config);
      traceStartup(this.uid, 'created');
      this.d.recorder.event(podRef(pod), 'Normal', 'Created', `Created container ${c.name}`, fieldPath(s));
      await this.d.runtime.startContainer(created);
      traceStartup(this.uid, 'started');
      return created;
    });
    if (prev?.exited) {
      s.lastTerminated = terminatedOf(prev.exited, this.d.runtime.scheme);
      s.restartCount = attempt;
      this.results.remove(prev.id);
      void this.d.runtime.removeContainer(prev.id).catch(() => undefined);
    }
    s.waiting = undefined;
    const info = await this.d.runtime.containerStatus(id);
    const inst = newInstance({ id, sandboxId: sb.id, attempt, startedAt: info?.startedAt ?? this.d.clock.now().toISOString(), imageID: image.imageID });
    inst.termination = { file: termFile, policy: c.terminationMessagePolicy, logPath: this.logPath(c.name, attempt) };
    s.current = inst;
    this.d.recorder.event(podRef(pod), 'Normal', 'Started', `Started container ${c.name}`, fieldPath(s));
    // A container may exit before the PLEG's next relist looks: what the runtime says now counts.
    if (info?.phase === 'exited') { this.markExited(inst, info); return; }
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      // The kubelet runs postStart right after the start; a failure kills the container (FailedPostStartHook).
      const r = await runLifecycleHandler(postStart, this.probeTarget(c, inst.id), (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000, this.hookOwner(c.name));
      if (!r.ok) {
        this.d.recorder.event(podRef(pod), 'Warning', 'FailedPostStartHook', r.message, fieldPath(s));
        this.d.recorder.event(podRef(pod), 'Normal', 'Killing', `FailedPostStartHook`, fieldPath(s));
        await this.d.runtime.stopContainer(id, (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
        const after = await this.d.runtime.containerStatus(id);
        if (after) this.markExited(inst, after);
        return;
      }
    }
    if (!s.init || isSidecar(c)) this.startProbes(c, s, inst);
  }

  /** markExited records an instance's end (once): probes stop, waiters wake. */
  private markExited(inst: Instance, info: ContainerInfo): void {
    if (inst.exited) return;
    const t = inst.termination;
    const message = t ? terminationMessage({ ...t, exitCode: info.exitCode ?? 0 }) : undefined;
    inst.exited = message ? { ...info, message } : info;
    for (const p of inst.probes) p.stop();
    inst.resolveExited();
  }

  private startProbes(c: Container, s: CState, inst: Instance): void {
    if (this.d.disableProbes) return;
    const kinds: [ProbeKind, Probe | undefined][] = [['startup', c.startupProbe], ['liveness', c.livenessProbe], ['readiness', c.readinessProbe]];
    const target: ProbeTarget = this.probeTarget(c, inst.id);
    for (const [kind, probe] of kinds) {
      if (!probe) continue;
      const w = new ProbeWorker({
        containerId: inst.id, containerName: c.name, kind, probe, startedAt: new Date(inst.startedAt), clock: this.d.clock, target,
        results: this.results, tickAnchor: kind === 'readiness' ? undefined : this.probeTickAnchor,
        onFailedAttempt: (k, o) => this.onProbeAttemptFailed(s, k, o),
        canProbe: kind === 'startup' || !c.startupProbe ? undefined : () => this.results.get(inst.id, 'startup') === 'success',
      });
      inst.probes.push(w);
      void w.run();
    }
  }

  /** probeTarget is what probes and lifecycle hooks of a container run against: the pod's address, its named ports, exec into it. */
  private probeTarget(c: Container, id: string): ProbeTarget {
    const ports: Record<string, number> = {};
    for (const p of c.ports ?? []) if (p.name) ports[p.name] = p.containerPort;
    return { podIP: this.podIP || this.d.hostIP, ports, exec: (argv, timeoutMs) => this.execCollect(id, argv, timeoutMs) };
  }

  private onProbeAttemptFailed(s: CState, kind: ProbeKind, o: ProbeOutcome): void {
    const label = kind === 'liveness' ? 'Liveness' : kind === 'readiness' ? 'Readiness' : 'Startup';
    const what = o.errored ? 'errored and resulted in unknown state' : 'failed';
    this.d.recorder.event(podRef(this.pod), 'Warning', 'Unhealthy', `${label} probe ${what}: ${o.output}`, fieldPath(s));
  }

  private onProbeResult(u: ResultUpdate): void {
    const s = [...this.states.values()].find((x) => x.current?.id === u.containerId);
    if (!s || !s.current || s.current.exited) return;
    if ((u.kind === 'liveness' || u.kind === 'startup') && u.result === 'failure' && !this.livenessKilled.has(u.containerId)) {
      this.livenessKilled.add(u.containerId);
      const c = this.pod.spec!.containers.find((x) => x.name === s.name);
      const probe = u.kind === 'liveness' ? c?.livenessProbe : c?.startupProbe;
      this.d.recorder.event(podRef(this.pod), 'Normal', 'Killing', `Container ${s.name} failed ${u.kind} probe, will be restarted`, fieldPath(s));
      const graceS = probe?.terminationGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
      void this.d.runtime.stopContainer(u.containerId, graceS * 1000).catch(() => undefined);
    }
    this.kick();
  }

  private async execCollect(id: string, argv: string[], timeoutMs: number): Promise<{ exitCode: number; output: string; timedOut: boolean }> {
    const session = await this.d.runtime.exec(id, argv, { stdin: false, tty: false });
    let output = '';
    session.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    session.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
    let timedOut = false;
    const t = setTimeout(() => { timedOut = true; session.kill(); }, timeoutMs);
    const exitCode = await session.exit;
    clearTimeout(t);
    return { exitCode, output, timedOut };
  }

  private async killAll(graceMs: number, reasonEvent: string | undefined): Promise<void> {
    const stops: Promise<void>[] = [];
    for (const s of this.states.values()) {
      const cur = s.current;
      if (!cur || cur.exited) continue;
      for (const p of cur.probes) p.stop();
      if (reasonEvent) this.d.recorder.event(podRef(this.pod), 'Normal', 'Killing', `${reasonEvent} ${s.name}`, fieldPath(s));
      stops.push(this.runPreStop(s, cur.id, graceMs).then((left) => this.d.runtime.stopContainer(cur.id, left)).then(async () => {
        const info = await this.d.runtime.containerStatus(cur.id);
        if (info) this.markExited(cur, info);
      }));
    }
    await Promise.all(stops);
  }

  /**
   * runPreStop runs a container's preStop hook within the grace period (the kubelet's
   * executePreStopHook) and returns what is left of it for the stop, at least 2 s as the kubelet
   * gives. A failure is a FailedPreStopHook event; the container is stopped either way.
   */
  private async runPreStop(s: CState, id: string, graceMs: number): Promise<number> {
    const c = [...(this.pod.spec?.initContainers ?? []), ...(this.pod.spec?.containers ?? [])].find((x) => x.name === s.name);
    const preStop = c?.lifecycle?.preStop;
    if (!c || !preStop || graceMs <= 0) return graceMs;
    const started = this.d.clock.now().getTime();
    const r = await runLifecycleHandler(preStop, this.probeTarget(c, id), graceMs, this.hookOwner(c.name));
    if (!r.ok) this.d.recorder.event(podRef(this.pod), 'Warning', 'FailedPreStopHook', r.message, fieldPath(s));
    return Math.max(graceMs - (this.d.clock.now().getTime() - started), MINIMUM_FORCED_GRACE_S * 1000);
  }

  /** hookOwner names a container and this pod as the kubelet's hook messages do. */
  private hookOwner(container: string): HookOwner {
    const md = this.pod.metadata ?? {};
    return { container, pod: `${md.name}_${md.namespace}(${md.uid})` };
  }

  private gracePeriodMs(): number {
    const md = this.pod.metadata!;
    const s = md.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    return (this.removed ? Math.min(s, MINIMUM_FORCED_GRACE_S) : s) * 1000;
  }

  private async terminate(): Promise<void> {
    if (this.terminating) {
      // a shorter grace period (or a forced removal) arrived: escalate
      await this.killAll(this.gracePeriodMs(), undefined);
      return;
    }
    this.terminating = true;
    for (const c of this.timers) c();
    this.timers.clear();
    // As the kubelet's SyncTerminatingPod, the status the pod has now goes out first: a pod deleted
    // right after its container started shows Running (not the Pending of its first status) while
    // the container is given its grace period; describe's Pods Status counts it so.
    if (!this.removed && !this.finishedEarlier && !this.terminalPhase) {
      await this.writeStatus().catch((e: unknown) => logger.error(e, 'Failed to update the status of a terminating pod', { pod: `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}` }));
    }
    await this.killAll(this.gracePeriodMs(), 'Stopping container');
    // The sandbox goes with its containers: the address is released (CNI DEL) before the pod object is.
    await this.stopSandboxes();
    if (!this.removed) {
      // As the kubelet's SyncTerminatingPod, the status once the containers stopped is terminal
      // (Succeeded when all exited 0, else Failed): get pods -w shows Completed or Error last.
      if (!this.finishedEarlier) await this.writeStatus(this.buildStatus(true)).catch(() => undefined);
      try {
        await this.d.client.delete(Resources.pods, this.pod.metadata!.namespace, this.pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
      } catch (e) {
        const code = (e as { code?: number }).code;
        if (code !== 404 && code !== 409) {
          logger.error(e, 'Failed to delete terminated pod, will retry', { node: this.d.nodeName, pod: `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`, podUID: this.uid });
          this.terminating = false;
          this.retryLater();
          return;
        }
      }
    }
    for (const s of this.states.values()) {
      if (s.current) { this.results.remove(s.current.id); await this.d.runtime.removeContainer(s.current.id).catch(() => undefined); }
      this.d.backoff.forget(`${this.uid}/${s.name}`);
    }
    for (const info of await this.d.runtime.listContainers({ podUid: this.uid })) {
      await this.d.runtime.removeContainer(info.id).catch(() => undefined);
    }
    await podContainerManagerFor(this.d.runtime)?.remove(this.pod);
    await teardownVolumes(this.podDir);
    fs.rmSync(this.podDir, { recursive: true, force: true });
    this.terminated = true;
    this.d.onTerminated(this.uid);
  }

  private checkActiveDeadline(now: Date): void {
    const ads = this.pod.spec?.activeDeadlineSeconds;
    if (!ads || !this.startTime) return;
    const due = Date.parse(this.startTime) + ads * 1000;
    if (now.getTime() >= due) {
      this.terminalPhase = 'Failed';
      this.terminalReason = { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' };
      this.d.recorder.event(podRef(this.pod), 'Normal', 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline');
    } else {
      this.after(due - now.getTime());
    }
  }

  // ---------------------------------------------------------------- status

  /** buildStatus is the pod's status now; podIsTerminal: its containers were stopped for good (getPhase's). */
  private buildStatus(podIsTerminal = false): PodStatus {
    const pod = this.pod;
    const spec = pod.spec!;
    const init = (spec.initContainers ?? []).map((c) => this.containerStatus(c, true));
    const app = spec.containers.map((c) => this.containerStatus(c, false));
    const sidecars = new Set((spec.initContainers ?? []).filter(isSidecar).map((c) => c.name));
    let phase = this.terminalPhase ?? podPhase((spec.restartPolicy ?? 'Always') as RestartPolicy, init, app, this.initFailed, podIsTerminal, sidecars);
    if (this.terminalPhase === 'Failed' && this.terminalReason) phase = 'Failed';
    const now = rfc3339(this.d.clock.now());
    const conditions = podConditions({
      phase, sandboxReady: !!this.sandbox?.ready, init, app, previous: (pod.status?.conditions ?? []) as PodCondition[], now, sidecars,
      readinessGates: (spec.readinessGates ?? []).map((g) => g.conditionType),
    });
    const status: PodStatus = {
      phase, conditions,
      hostIP: this.d.hostIP, hostIPs: [{ ip: this.d.hostIP }],
      ...(this.podIPs.length ? { podIP: this.podIPs[0], podIPs: this.podIPs.map((ip) => ({ ip })) } : {}),
      startTime: this.startTime,
      ...(init.length ? { initContainerStatuses: init } : {}),
      containerStatuses: app,
      ...(spec.ephemeralContainers?.length
        ? { ephemeralContainerStatuses: spec.ephemeralContainers.map((ec) => ephemeralContainerStatus(this.containerStatus(asContainer(ec), false, true))) } : {}),
    };
    if (pod.status?.qosClass) status.qosClass = pod.status.qosClass;
    if (this.terminalReason) { status.reason = this.terminalReason.reason; status.message = this.terminalReason.message; }
    return status;
  }

  private containerStatus(c: Container, init: boolean, ephemeral = false): ContainerStatus {
    const s = this.state(c.name, init, ephemeral);
    const scheme = this.d.runtime.scheme;
    const cs: ContainerStatus = {
      name: c.name, image: fullImageName(c.image ?? ''), imageID: s.current?.imageID ?? '',
      ready: false, restartCount: s.restartCount, started: false, state: {}, lastState: {},
    };
    if (s.lastTerminated) cs.lastState = { terminated: s.lastTerminated };
    const cur = s.current;
    if (cur) cs.containerID = `${scheme}://${cur.id}`;
    if (s.waiting && (!cur || cur.exited)) {
      cs.state = { waiting: { reason: s.waiting.reason, ...(s.waiting.message ? { message: s.waiting.message } : {}) } };
      if (cur?.exited) cs.lastState = { terminated: terminatedOf(cur.exited, scheme) };
    } else if (cur && !cur.exited) {
      cs.state = { running: { startedAt: rfc3339(new Date(cur.startedAt)) } };
      const startupOk = !c.startupProbe || this.results.get(cur.id, 'startup') === 'success';
      cs.started = startupOk;
      if (!init || isSidecar(c)) cs.ready = startupOk && (c.readinessProbe && !this.d.disableProbes ? this.results.get(cur.id, 'readiness') === 'success' : true);
    } else if (cur?.exited) {
      cs.state = { terminated: terminatedOf(cur.exited, scheme) };
    } else {
      const reason = init || this.initialized || !(this.pod.spec?.initContainers?.length) ? 'ContainerCreating' : 'PodInitializing';
      cs.state = { waiting: { reason: init ? 'PodInitializing' : reason } };
    }
    if (init && !isSidecar(c) && cur?.exited?.exitCode === 0) cs.ready = true;
    return cs;
  }

  private writeStatus(status: PodStatus = this.buildStatus()): Promise<void> {
    const write = this.statusWrites.then(() => this.patchStatus(status));
    this.statusWrites = write.catch(() => undefined);
    return write;
  }

  private async patchStatus(status: PodStatus): Promise<void> {
    // Key order is not meaning: conditions kept from the API (PodScheduled) come back from it with
    // their keys in another order, which made every pod's Running status be PATCHed twice.
    const json = canonicalJSON(status);
    if (json === this.lastStatusJson) return;
    const pod = this.pod;
    try {
      traceStartup(this.uid, `patch:${status.phase}`);
      // Strategic merge of the conditions the agent owns: one another client set meanwhile (a
      // readiness gate's, which this worker may not have seen yet) is kept, as the kubelet keeps it.
      const updated = await this.d.client.patch<KubeObject>(Resources.pods, pod.metadata!.namespace, pod.metadata!.name!, { status: statusPatch(status) }, 'strategic', 'status');
      traceStartup(this.uid, `patched:${status.phase}`);
      this.lastStatusJson = json;
      if (updated?.metadata?.uid === this.uid && !this.pod.metadata?.deletionTimestamp) this.pod = { ...this.pod, status: (updated as Pod).status };
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code === 404) return;
      throw e;
    }
  }

  // ---------------------------------------------------------------- helpers

  private state(name: string, init: boolean, ephemeral = false): CState {
    const key = `${ephemeral ? 'ephemeral' : init ? 'init' : 'app'}/${name}`;
    let s = this.states.get(key);
    if (!s) { s = { name, init, restartCount: 0, imagePullFailures: 0, ...(ephemeral ? { ephemeral } : {}) }; this.states.set(key, s); }
    return s;
  }

  /** runningId is the runtime id of a container's running instance (an ephemeral container's target). */
  private runningId(name: string): string | undefined {
    const cur = [...this.states.values()].find((x) => x.name === name && !x.ephemeral)?.current;
    return cur && !cur.exited ? cur.id : undefined;
  }

  private logPath(name: string, attempt: number): string {
    return path.join(this.podDir, 'containers', name, `${attempt}.log`);
  }

  private after(ms: number): void {
    const cancel = this.d.clock.setTimeout(() => { this.timers.delete(cancel); this.kick(); }, Math.max(1, ms));
    this.timers.add(cancel);
  }

  /**
   * scheduleVolumeRefresh makes a pod whose volumes follow API objects (ConfigMap, Secret, downward
   * API, projected) sync again in VOLUME_REFRESH_MS even when nothing else happens to it, so their
   * files follow edits the watches missed (the kubelet's periodic pod sync, every minute).
   */
  private scheduleVolumeRefresh(): void {
    if (this.volumeRefreshPending || !(this.pod.spec?.volumes ?? []).some((v) => v.configMap || v.secret || v.downwardAPI || v.projected)) return;
    this.volumeRefreshPending = true;
    const cancel = this.d.clock.setTimeout(() => {
      this.timers.delete(cancel);
      this.volumeRefreshPending = false;
      this.kick();
    }, VOLUME_REFRESH_MS + 1);
    this.timers.add(cancel);
  }

  private retryLater(ms = this.d.retryMs ?? 2000): void {
    this.cancelRetry?.();
    if (this.terminated) return;
    const cancel = this.d.clock.setTimeout(() => { this.timers.delete(cancel); this.cancelRetry = undefined; this.kick(); }, ms);
    this.cancelRetry = cancel;
    this.timers.add(cancel);
  }

  /**
   * adopt picks up what a previous agent left for this pod (see ProcessRuntime.recover): its
   * container instances (exited, with their restart counts) and a sandbox still ready (the pod
   * keeps its address); sandboxes that are not ready are removed.
   */
  private async adopt(): Promise<void> {
    this.adopted = true;
    const sandboxes = await this.d.runtime.listPodSandbox({ podUid: this.uid });
    const ready = sandboxes.filter((s) => s.state === 'SANDBOX_READY').sort((a, b) => b.metadata.attempt - a.metadata.attempt);
    for (const sb of sandboxes) {
      if (sb.id !== ready[0]?.id) await this.d.runtime.removePodSandbox(sb.id).catch(() => undefined);
    }
    if (ready[0] && !this.pod.metadata?.deletionTimestamp) {
      const sb = ready[0];
      const network = sb.linux.namespaces.options.network;
      const { config } = generatePodSandboxConfig(this.pod, { dns: this.dnsSettings(), network, attempt: sb.metadata.attempt, logDirectory: path.join(this.podDir, 'containers') });
      this.sandbox = { id: sb.id, attempt: sb.metadata.attempt, network, config, ready: true };
      this.sandboxAttempt = sb.metadata.attempt + 1;
      this.podIPs = network === 'POD' && sb.network ? [sb.network.ip, ...sb.network.additionalIps] : [this.d.hostIP];
    }
    const mine = (await this.d.runtime.listContainers({ podUid: this.uid })).sort((a, b) => a.config.attempt - b.config.attempt);
    if (!sandboxes.length && !mine.length) {
      const phase = this.pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') { this.finishedEarlier = true; return; }
      this.resumeCounts();
    }
    const initNames = new Set((this.pod.spec?.initContainers ?? []).map((c) => c.name));
    const ephemeralNames = new Set((this.pod.spec?.ephemeralContainers ?? []).map((c) => c.name));
    for (const info of mine) {
      const s = this.state(info.config.name, initNames.has(info.config.name), ephemeralNames.has(info.config.name));
      if (s.current?.exited) s.lastTerminated = terminatedOf(s.current.exited, this.d.runtime.scheme);
      s.restartCount = info.config.attempt;
      const inst = newInstance({ id: info.id, sandboxId: info.sandboxId, attempt: info.config.attempt, startedAt: info.startedAt ?? '', imageID: '' });
      if (info.phase === 'exited') this.markExited(inst, info);
      s.current = inst;
    }
    if (mine.length && this.sandbox && (this.pod.spec?.initContainers ?? []).every((c) => {
      const cur = this.state(c.name, true).current;
      if (isSidecar(c)) return !!cur && cur.sandboxId === this.sandbox!.id;
      return cur?.exited?.exitCode === 0 && cur.sandboxId === this.sandbox!.id;
    })) this.initialized = true;
  }

  /**
   * resumeCounts: the runtime lost the pod's containers (the cluster was stopped and started
   * again). As the kubelet does when its runtime forgot them, each container's next attempt
   * follows the highest-numbered log file in its log directory (so RESTARTS goes on counting and
   * no log is overwritten), and its last state is the one the API status kept.
   */
  private resumeCounts(): void {
    const st = this.pod.status;
    const shown = new Map([...(st?.initContainerStatuses ?? []), ...(st?.containerStatuses ?? [])].map((cs) => [cs.name, cs]));
    const initNames = new Set((this.pod.spec?.initContainers ?? []).map((c) => c.name));
    for (const c of [...(this.pod.spec?.initContainers ?? []), ...(this.pod.spec?.containers ?? [])]) {
      let files: string[];
      try { files = fs.readdirSync(path.join(this.podDir, 'containers', c.name)); } catch { continue; }
      const attempts = files.map((f) => /^(\d+)\.log$/.exec(f)).filter((m) => m !== null).map((m) => Number(m[1]));
      if (!attempts.length) continue;
      const s = this.state(c.name, initNames.has(c.name));
      s.restartCount = Math.max(...attempts) + 1;
      const last = shown.get(c.name);
      const terminated = last?.state?.terminated ?? last?.lastState?.terminated;
      if (terminated) s.lastTerminated = terminated;
    }
  }

  private noteIsolation(): void {
    if (this.isolationNoted) return;
    this.isolationNoted = true;
    if (this.d.runtime.isolation === 'host') {
      this.d.recorder.event(podRef(this.pod), 'Warning', 'NoIsolation',
        'The node agent is not root: containers run as plain processes on the host filesystem (no PID/mount namespaces; volumes are not mounted at their mountPaths)');
    }
  }
}

function newInstance(i: Omit<Instance, 'exitedPromise' | 'resolveExited' | 'probes'>): Instance {
  let resolveExited!: () => void;
  const exitedPromise = new Promise<void>((r) => { resolveExited = r; });
  return { ...i, exitedPromise, resolveExited, probes: [] };
}

/** canonicalJSON is JSON with every object's keys sorted, so equal values give equal strings. */
export function canonicalJSON(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : x));
}

function podRef(pod: Pod): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata as KubeObject['metadata'] };
}

function fieldPath(s: CState): string {
  if (s.ephemeral) return ephemeralFieldPath(s.name);
  return `spec.${s.init ? 'initContainers' : 'containers'}{${s.name}}`;
}

function terminatedOf(info: ContainerInfo, scheme: string): NonNullable<ContainerState['terminated']> {
  return {
    exitCode: info.exitCode ?? 0,
    reason: info.reason ?? (info.exitCode === 0 ? 'Completed' : 'Error'),
    ...(info.message ? { message: info.message } : {}),
    startedAt: rfc3339(new Date(info.startedAt ?? info.finishedAt ?? Date.now())),
    finishedAt: rfc3339(new Date(info.finishedAt ?? Date.now())),
    containerID: `${scheme}://${info.id}`,
  };
}


function formatDelay(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m}m${s % 60}s` : `${m}m0s`;
}

/** fullImageName is the image as container runtimes report it (docker.io/library/busybox:latest). */
export function fullImageName(image: string): string {
  let ref = image;
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  if (!hasRegistry) ref = `docker.io/${slash < 0 ? 'library/' : ''}${ref}`;
  const lastSlash = ref.lastIndexOf('/');
  if (!ref.slice(lastSlash).includes(':') && !ref.includes('@')) ref += ':latest';
  return ref;
}

/** isSidecar: a restartable init container (restartPolicy Always), which runs beside the app containers. */
function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}
