import { randomBytes } from 'node:crypto';
import type { Duplex, Readable, Writable } from 'node:stream';

// The Runtime interface is shaped like the CRI (k8s.io/cri-api runtime/v1): a RuntimeService of
// pod sandboxes and containers, an ImageService, status conditions, and a stream of container
// events. Every operation is asynchronous, so a runtime in another process (containerd over gRPC,
// an OCI runtime) fits behind it unchanged. Names follow the CRI's.

// ---------------------------------------------------------------- pod sandboxes

/** PodSandboxMetadata identifies the pod a sandbox is for; attempt counts re-creations of the sandbox. */
export interface PodSandboxMetadata {
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
}

/** NamespaceMode is the CRI's: POD (the sandbox's own namespace) or NODE (the host's). */
export type NamespaceMode = 'POD' | 'NODE';

/** DNSConfig is what the runtime writes into the pod's /etc/resolv.conf. */
export interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** PortMapping maps a hostPort of the node to a containerPort of the pod (the CRI's PortMapping). */
export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort: number;
  hostIp?: string;
}

/** PodSandboxConfig is RunPodSandbox's request: everything pod-wide the runtime sets up once. */
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  /** the pod's hostname (empty: the node's, for host-network pods) */
  hostname: string;
  /** where the pod's container logs go */
  logDirectory?: string;
  dnsConfig?: DNSConfig;
  portMappings?: PortMapping[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: {
    /** the pod's cgroup, relative to each hierarchy's root ("kubepods/burstable/pod<uid>"); the agent creates it */
    cgroupParent?: string;
    namespaceOptions?: { network?: NamespaceMode; ipc?: NamespaceMode };
    /** namespaced sysctls set in the sandbox's namespaces (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*: IPC; net.*: network) */
    sysctls?: Record<string, string>;
  };
}

/** PodSandboxState is SANDBOX_READY while its namespaces and network exist, SANDBOX_NOTREADY once stopped or broken. */
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

/** PodSandboxStatus is PodSandboxStatus's answer (and ListPodSandbox's items). */
export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  /** RFC 3339 */
  createdAt: string;
  /** the pod's addresses; absent for a sandbox in the node's network */
  network?: { ip: string; additionalIps: string[] };
  linux: { namespaces: { options: { network: NamespaceMode } } };
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** PodSandboxFilter narrows ListPodSandbox. */
export interface PodSandboxFilter {
  id?: string;
  state?: PodSandboxState;
  podUid?: string;
}

// ---------------------------------------------------------------- containers

/** Mount binds a file or directory prepared by the agent at a path inside the container. */
export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

/**
 * LinuxContainerResources is the CRI's: a container's cgroup settings, computed by the agent from its
 * requests and limits as the kubelet does (shares from requests.cpu, CFS quota from limits.cpu).
 */
export interface LinuxContainerResources {
  /** CFS period in microseconds (100000) */
  cpuPeriod?: number;
  /** CFS quota in microseconds per period; absent or 0: no CPU limit */
  cpuQuota?: number;
  /** relative CPU weight (cgroup v1 cpu.shares; v2 converts to cpu.weight) */
  cpuShares?: number;
  /** memory limit in bytes; absent or 0: none */
  memoryLimitInBytes?: number;
  /** oom_score_adj of the container's processes (already clamped to what this machine allows) */
  oomScoreAdj?: number;
}

/** ContainerConfig is CreateContainer's request: everything a runtime needs to run one container instance. */
export interface ContainerConfig {
  /** the pod's uid, name and namespace (the CRI's io.kubernetes.pod.* labels) */
  podUid: string;
  podName: string;
  podNamespace: string;
  /** container name within the pod */
  name: string;
  /** restart count of this instance (0 for the first run) */
  attempt: number;
  image: string;
  /** resolved argv (entrypoint/command + cmd/args, $(VAR) already expanded) */
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
  /** file the runtime writes CRI-format log lines to */
  logPath: string;
  /** keep stdin open for attach */
  stdin?: boolean;
  /**
   * stdin is for one attach (kubectl run -i): the container's output before that first attach is
   * kept (up to a bound) and given to it, so a short command's output is not lost to the attach
   * coming after the start
   */
  stdinOnce?: boolean;
  tty?: boolean;
  /** the process's user (runAsUser/runAsGroup, or the image's USER) and supplementary groups (fsGroup, supplementalGroups); root when absent */
  user?: { uid: number; gid: number; supplementalGroups?: number[] };
  /** mount the container's root filesystem read-only (readOnlyRootFilesystem) */
  readOnlyRootfs?: boolean;
  /** set no_new_privs (allowPrivilegeEscalation: false) */
  noNewPrivs?: boolean;
  /** the capabilities the process may have (lower case, without CAP_: "chown"); absent: all (privileged) */
  capabilities?: string[];
  /**
   * the container's PID namespace (the CRI's NamespaceOption.pid): its own (CONTAINER, the default),
   * the pod's (POD: shareProcessNamespace), the node's (NODE: hostPID), or another container's
   * (TARGET, targetId: an ephemeral container's target)
   */
  namespaceOptions?: { pid?: 'CONTAINER' | 'POD' | 'NODE' | 'TARGET'; targetId?: string };
  /** cgroup settings; absent: none (the simulated runtime, or a node that cannot use cgroups) */
  resources?: LinuxContainerResources;
  /** run privileged (all capabilities, all devices, writable /sys) */
  privileged?: boolean;
}

/** ContainerPhase is a container instance's lifecycle: created → running → exited (CONTAINER_CREATED/RUNNING/EXITED). */
export type ContainerPhase = 'created' | 'running' | 'exited';

/** ContainerInfo is ContainerStatus's answer (and ListContainers' items). */
export interface ContainerInfo {
  id: string;
  /** the sandbox the container runs in */
  sandboxId: string;
  config: ContainerConfig;
  phase: ContainerPhase;
  pid?: number;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** Completed (0), Error (non-zero), OOMKilled or StartError, as Kubernetes reports it */
  reason?: string;
  message?: string;
}

/** ContainerFilter narrows ListContainers. */
export interface ContainerFilter {
  id?: string;
  sandboxId?: string;
  podUid?: string;
  phase?: ContainerPhase;
}

/** ContainerEventType is the CRI's GetContainerEvents type. */
export type ContainerEventType = 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';

/** ContainerEvent tells that a container (or a sandbox, as the CRI reports sandboxes too) changed. */
export interface ContainerEvent {
  containerId: string;
  sandboxId: string;
  podUid: string;
  type: ContainerEventType;
}

// ---------------------------------------------------------------- images

/** ImageInfo is what the node-local image catalog knows about an image. */
export interface ImageInfo {
  /** name as the pod asked for it */
  image: string;
  /** stable id for containerStatuses[].imageID */
  imageID: string;
  entrypoint: string[];
  cmd: string[];
  env?: Record<string, string>;
  workingDir?: string;
  /** the image's USER (numeric); the container runs as it unless its securityContext says otherwise */
  user?: { uid: number; gid?: number };
  /** the image's USER when it names a user ("nginx", "nginx:www"): the runtime resolves it in the image's /etc/passwd */
  userName?: string;
  /** files of the image that are not the host's: container path → host path (mounted read-only) */
  files?: Record<string, string>;
  /** bytes the image takes (runtimes with an image store) */
  size?: number;
}

/** AuthConfig is the CRI's: credentials for one registry, from an imagePullSecret or the node's registry configuration. */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64 of "username:password", as in a docker config.json */
  auth?: string;
  identityToken?: string;
  registryToken?: string;
  serverAddress?: string;
}

/** ImageRecord is the CRI's Image: one image in the node's store. */
export interface ImageRecord {
  /** the image's content id: its config's digest ("sha256:…") */
  id: string;
  /** fully qualified names it is known by ("docker.io/library/busybox:latest") */
  repoTags: string[];
  /** name@digest of the manifest it was pulled by ("docker.io/library/busybox@sha256:…") */
  repoDigests: string[];
  /** bytes it takes (compressed layers + config, as the CRI reports it) */
  size: number;
  /** pinned images are never collected */
  pinned?: boolean;
}

/** ImageService is the CRI's image half, offered by runtimes with a real image store (oci, cri). */
export interface ImageService {
  /** pullImage fetches an image (using auth when given); resolves with its image ref (the repo digest); throws ImagePullError */
  pullImage(image: string, auth?: AuthConfig): Promise<string>;
  /** imageStatus finds an image by name, name:tag, name@digest or id; undefined when absent */
  imageStatus(image: string): Promise<ImageRecord | undefined>;
  listImages(): Promise<ImageRecord[]>;
  /** removeImage deletes an image (and the layers no other image uses); idempotent */
  removeImage(image: string): Promise<void>;
  /** imageFsInfo is the filesystem images live on, for the agent's image garbage collection */
  imageFsInfo(): Promise<{ usedBytes: number; capacityBytes: number; availableBytes: number }>;
}

/** ImagePullError is thrown by resolveImage for an image the node cannot run (ErrImagePull). */
export class ImagePullError extends Error {
  readonly reason = 'ErrImagePull';
}

// ---------------------------------------------------------------- exec / attach

/**
 * ExecStartError is thrown by exec when the command cannot be started in the container (runc's
 * words, e.g. `exec: "ps": executable file not found in $PATH`): nothing ran, so there is no exit
 * code; the node's server reports it as the kubelet relays the runtime's error.
 */
export class ExecStartError extends Error {
  /** runtimeMessage is the error as containerd returns it for runc's (a fresh exec id each time). */
  runtimeMessage(): string {
    const execId = randomBytes(32).toString('hex');
    return `failed to exec in container: failed to start exec "${execId}": OCI runtime exec failed: exec failed: unable to start container process: ${this.message}: unknown`;
  }
}

/** ExecOptions says which streams an exec session uses. */
export interface ExecOptions {
  stdin: boolean;
  tty: boolean;
  /** extra environment (the container's own is used as the base) */
  env?: Record<string, string>;
}

/** ExecSession is one running exec (or attach) process. */
export interface ExecSession {
  stdin: Writable | null;
  stdout: Readable;
  /** null when tty (stderr is merged into stdout) */
  stderr: Readable | null;
  /** resize sets the terminal size (tty only) */
  resize(cols: number, rows: number): void;
  /** exit resolves with the exit code (128+signal when killed) */
  exit: Promise<number>;
  kill(): void;
}

/** AttachSession connects to a container's own stdin and output; resize sets a tty container's terminal size. */
export interface AttachSession { stdin: Writable | null; output: Readable; resize?(cols: number, rows: number): void }

// ---------------------------------------------------------------- runtime status

/** RuntimeCondition is one of the CRI's status conditions (RuntimeReady, NetworkReady). */
export interface RuntimeCondition {
  type: 'RuntimeReady' | 'NetworkReady';
  status: boolean;
  reason?: string;
  message?: string;
}

/** RuntimeStatus is the CRI's Status answer. */
export interface RuntimeStatus { conditions: RuntimeCondition[] }

/**
 * NETWORK_UNAVAILABLE is tskube's NetworkReady reason for a node that can never give pods their
 * own network (not root, CNI plugins missing, pod range in use): the agent then runs pods in the
 * node's network and says why on each pod. NetworkPluginNotReady (no podCIDR yet) is transient.
 */
export const NETWORK_UNAVAILABLE = 'NetworkPluginUnavailable';

/** RuntimeConfig is UpdateRuntimeConfig's request: the node's pod range, once the control plane assigned it. */
export interface RuntimeConfig { networkConfig: { podCidr: string } }

// ---------------------------------------------------------------- the runtime

/**
 * Runtime runs pod sandboxes and containers for the node agent. Ids are unique per node; the agent
 * builds containerStatuses[].containerID as `${runtime.scheme}://${id}`. Containers are created in
 * a sandbox and share its network, IPC and UTS (hostname) namespaces. The agent learns what changed
 * by relisting (its PLEG); getContainerEvents, where a runtime offers it, only makes that prompt.
 */
export interface Runtime {
  /** scheme of container ids ("tskube") */
  readonly scheme: string;
  /** runtimeName/version for node.status.nodeInfo.containerRuntimeVersion */
  readonly version: string;
  /** how containers are isolated, stated in pod events */
  readonly isolation: 'namespaces' | 'host' | 'simulated';

  /** status reports RuntimeReady and NetworkReady */
  status(): Promise<RuntimeStatus>;
  /** updateRuntimeConfig hands the runtime the node's podCIDR */
  updateRuntimeConfig(config: RuntimeConfig): Promise<void>;

  /** runPodSandbox creates the pod's namespaces, network (CNI ADD), hostname and resolv.conf; resolves with its id */
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /** stopPodSandbox kills the sandbox's containers and releases its network (CNI DEL); idempotent */
  stopPodSandbox(id: string): Promise<void>;
  /** removePodSandbox stops it if needed and removes it and its containers; idempotent */
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandboxStatus[]>;

  /** createContainer creates a container in a ready sandbox */
  createContainer(sandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** stopContainer sends SIGTERM, then SIGKILL after graceMs; resolves when the container has exited */
  stopContainer(id: string, graceMs: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerInfo | undefined>;
  listContainers(filter?: ContainerFilter): Promise<ContainerInfo[]>;
  /** exec runs argv inside a running container (its namespaces and filesystem) */
  exec(id: string, argv: string[], opts: ExecOptions): Promise<ExecSession>;
  /** attach connects to the container's own stdin/stdout/stderr (undefined when it is not running) */
  attach?(id: string): Promise<AttachSession | undefined>;
  /**
   * portForward connects to localhost:port inside the sandbox's network namespace, as the CRI's
   * PortForward does (a server listening on the pod's 127.0.0.1 only is reached). Absent: the
   * agent dials the pod's IP.
   */
  portForward?(sandboxId: string, port: number): Promise<Duplex>;
  /** getContainerEvents subscribes to container and sandbox changes; returns the unsubscribe function */
  getContainerEvents?(listener: (e: ContainerEvent) => void): () => void;

  /**
   * images is the runtime's image store when it has one: the agent then applies imagePullPolicy
   * (Pulling/Pulled events, ErrImagePull, ImagePullBackOff, ErrImageNeverPull) through it before
   * resolveImage. Runtimes without it (process, simulated) resolve names from a catalog.
   */
  readonly images?: ImageService;

  /**
   * resolveImage gives an image's configuration (entrypoint, cmd, env, workingDir, user, imageID);
   * with `images`, only for an image already in the store. Throws ImagePullError when unknown and needed.
   */
  resolveImage(image: string, hasCommand: boolean): Promise<ImageInfo>;

  /**
   * drain, before a shutdown stops everything, refuses new sandboxes and containers and resolves once
   * those being made are done (else one finished after the shutdown listed them would be left behind).
   */
  drain?(): Promise<void>;

  /**
   * removeAllPodSandboxes, when the node shuts down, removes every sandbox (as removePodSandbox
   * does, all at once: a sandbox's containers still running are killed first) and then the node's
   * network with them: a runtime may skip per-pod network teardown that releasing the whole
   * network undoes anyway.
   */
  removeAllPodSandboxes?(): Promise<void>;

  /** close stops bookkeeping (containers keep running); with no sandbox left it releases node-wide network state */
  close(): Promise<void>;
}
