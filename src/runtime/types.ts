import type { Readable, Writable } from 'node:stream';

/** Mount binds a directory prepared by the agent at a path inside the container. */
export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

/** ContainerConfig is everything a runtime needs to run one container instance. */
export interface ContainerConfig {
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
  /** hostname inside the container (the pod's name) */
  hostname: string;
  /** file the runtime writes CRI-format log lines to */
  logPath: string;
  /** keep stdin open for attach */
  stdin?: boolean;
  tty?: boolean;
}

/** ContainerPhase is a container instance's lifecycle: created → running → exited. */
export type ContainerPhase = 'created' | 'running' | 'exited';

/** ContainerInfo is what a runtime knows about one container instance. */
export interface ContainerInfo {
  id: string;
  config: ContainerConfig;
  phase: ContainerPhase;
  pid?: number;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** Completed (0), Error (non-zero) or OOMKilled, as Kubernetes reports it */
  reason?: string;
  message?: string;
}

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
}

/** ImagePullError is thrown by resolveImage for an image the node cannot run (ErrImagePull). */
export class ImagePullError extends Error {
  readonly reason = 'ErrImagePull';
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

/**
 * Runtime runs containers for the node agent. Ids are unique per node; the agent builds
 * containerStatuses[].containerID as `${runtime.scheme}://${id}`.
 */
export interface Runtime {
  /** scheme of container ids ("tskube") */
  readonly scheme: string;
  /** runtimeName/version for node.status.nodeInfo.containerRuntimeVersion */
  readonly version: string;
  /** how containers are isolated, stated in pod events */
  readonly isolation: 'namespaces' | 'host' | 'simulated';
  /** resolveImage looks an image up in the node's catalog; throws ImagePullError when unknown and needed */
  resolveImage(image: string, hasCommand: boolean): ImageInfo;
  createContainer(config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** stopContainer sends SIGTERM, then SIGKILL after graceMs; resolves when the container has exited */
  stopContainer(id: string, graceMs: number): Promise<void>;
  /** waitContainer resolves with the container's final info once it exits */
  waitContainer(id: string): Promise<ContainerInfo>;
  inspect(id: string): ContainerInfo | undefined;
  listContainers(): ContainerInfo[];
  removeContainer(id: string): Promise<void>;
  /** exec runs argv inside a running container (its namespaces and filesystem) */
  exec(id: string, argv: string[], opts: ExecOptions): ExecSession;
  /** attach connects to the container's own stdin/stdout/stderr */
  attach?(id: string): { stdin: Writable | null; output: Readable } | undefined;
  /** close stops bookkeeping (does not kill containers) */
  close(): Promise<void>;
}
