import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { log } from '../../../util/log.js';

const logger = log.child({ component: 'container-shim' });

const SHIM = path.join(path.dirname(fileURLToPath(import.meta.url)), 'container-shim.cjs');

/** The fork-and-wire of one container process, shared with the shim (container-process.cjs). */
const { startContainerProcess } = createRequire(import.meta.url)('./container-process.cjs') as {
  startContainerProcess(req: ShimStartRequest, on: {
    output(stream: 'stdout' | 'stderr', data: Buffer): void;
    ready(initPid?: number): void;
    exit(x: ShimExit): void;
  }): { child: ChildProcess; resize: Writable | null };
};

/** ShimRoles says which of the process's descriptors carry what. */
export interface ShimRoles {
  /** the container's stdout */
  stdout: number;
  /** descriptors whose bytes are the container's stderr */
  stderr: number[];
  /** the setup script's own stderr: logged but for unshare's noise, and kept for the exit report */
  setupErr?: number;
  /** the setup script writes a line here once the container's filesystem is ready */
  ready?: number;
  /** a tty container's pty helper reads "COLS ROWS" lines here */
  resize?: number;
  /** the container reads stdin (attach writes it) */
  stdin?: boolean;
  /** keep the output until the first attach and give it to that (see ContainerConfig.stdinOnce) */
  holdOutput?: boolean;
}

/** ShimStartRequest is one container process to start: what to run, its descriptors, its CRI log file. */
export interface ShimStartRequest {
  id: string;
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** its own process group (host containers: stopping it stops what it forked) */
  detached?: boolean;
  uid?: number;
  gid?: number;
  stdio: ('pipe' | 'ignore')[];
  roles: ShimRoles;
  logPath: string;
  maxLogBytes: number;
  /**
   * waitInit: the process is the runtime's setup (unshare --fork, then the setup script): ready
   * comes only once the script's process — the container's PID 1 — has chrooted, with its pid.
   */
  waitInit?: boolean;
}

/** ShimExit is how a container process ended. */
export interface ShimExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** it could not be started (e.g. ENOENT) */
  spawnError?: { message: string; errno?: string };
  /** the tail of the setup script's stderr */
  setupErr: string;
}

/** ContainerTask is a started container process, wherever it was forked. */
export interface ContainerTask {
  /** the forked process (undefined when it could not start: then exited resolves with spawnError) */
  readonly pid?: number;
  /** resolves once the setup script reports the container's filesystem ready (at once without a ready descriptor) */
  readonly ready: Promise<void>;
  /** with waitInit, once ready: the container's PID 1 (undefined when it could not be found) */
  readonly initPid?: number;
  /** resolves when it has exited and its log file is closed */
  readonly exited: Promise<ShimExit>;
  /** stdin of a container with stdin (attach writes it) */
  readonly stdin: Writable | null;
  /** signal sends sig to the process (group: to its process group) */
  signal(sig: NodeJS.Signals, group?: boolean): void;
  /** attach calls fn with its output from now on (the first attach: the held output first); the returned function stops that */
  attach(fn: (stream: 'stdout' | 'stderr', data: Buffer) => void): () => void;
  /** holdsOutput: output held for a first attach is waiting (it is given even after the exit) */
  readonly holdsOutput: boolean;
  resize(cols: number, rows: number): void;
}

/** MAX_HELD_OUTPUT_BYTES bounds the output kept for a first attach; past it, nothing is kept (the attach sees what comes next). */
export const MAX_HELD_OUTPUT_BYTES = 1 << 20;

/**
 * HeldOutput is a container's output before its first attach (roles.holdOutput): `kubectl run -i`
 * attaches once it sees the pod Running, and a short command has printed by then (or ended).
 */
export class HeldOutput {
  private chunks: [stream: 'stdout' | 'stderr', data: Buffer][] | undefined = [];
  private bytes = 0;

  /** holding: nothing has attached yet and the bound was not passed */
  get holding(): boolean { return this.chunks !== undefined; }

  /** pending: held output waits for the first attach */
  get pending(): boolean { return !!this.chunks?.length; }

  /** push keeps a chunk; false once the bound is passed (everything is dropped and nothing more is kept). */
  push(stream: 'stdout' | 'stderr', data: Buffer): boolean {
    if (!this.chunks) return false;
    this.bytes += data.length;
    if (this.bytes > MAX_HELD_OUTPUT_BYTES) { this.chunks = undefined; return false; }
    this.chunks.push([stream, data]);
    return true;
  }

  /** release gives what is held to fn, in order, and stops holding. */
  release(fn: Listener): void {
    const held = this.chunks ?? [];
    this.chunks = undefined;
    for (const [stream, data] of held) fn(stream, data);
  }
}

/** ContainerLauncher starts container processes: through the node's shim, or directly. */
export interface ContainerLauncher {
  start(req: ShimStartRequest): Promise<ContainerTask>;
  /** close lets go of the shim (its containers run on; it ends with the last); safe to call twice */
  close(): void;
}

/** SHIM_IDLE_MS is how long a shim without containers is kept (a burst of starts should find it warm). */
export const SHIM_IDLE_MS = 60_000;

type Listener = (stream: 'stdout' | 'stderr', data: Buffer) => void;

/** Deferred is a promise with its resolve at hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

interface ShimMessage {
  ev: 'started' | 'startFailed' | 'ready' | 'output' | 'exit';
  id: string;
  pid?: number;
  initPid?: number;
  error?: string;
  errno?: string;
  stream?: 'stdout' | 'stderr';
  data?: string;
  code?: number | null;
  signal?: NodeJS.Signals | null;
  spawnError?: { message: string; errno?: string };
  setupErr?: string;
}

/** ShimTask is the agent's side of one container the shim runs. */
class ShimTask implements ContainerTask {
  pid?: number;
  initPid?: number;
  readonly ready: Promise<void>;
  readonly exited: Promise<ShimExit>;
  readonly stdin: Writable | null;
  readonly markReady: () => void;
  readonly markExited: (e: ShimExit) => void;
  private readonly listeners = new Set<Listener>();

  private readonly held?: HeldOutput;

  constructor(private readonly shim: ContainerShim, readonly id: string, hasStdin: boolean, holdOutput = false) {
    // The shim forwards a holding container's output from its start (it starts attached).
    if (holdOutput) this.held = new HeldOutput();
    const r = deferred<void>();
    const x = deferred<ShimExit>();
    this.ready = r.promise;
    this.exited = x.promise;
    this.markReady = () => r.resolve();
    this.markExited = (e) => { r.resolve(); x.resolve(e); };
    this.stdin = hasStdin ? new Writable({
      write: (chunk: Buffer, _enc, cb) => { shim.send({ op: 'stdin', id, data: Buffer.from(chunk).toString('base64') }); cb(); },
      final: (cb) => { shim.send({ op: 'stdinEnd', id }); cb(); },
    }) : null;
  }

  signal(sig: NodeJS.Signals, group = false): void {
    this.shim.send({ op: 'signal', id: this.id, signal: sig, group });
  }

  get holdsOutput(): boolean { return !!this.held?.pending; }

  attach(fn: Listener): () => void {
    const holding = this.held?.holding;
    this.held?.release(fn);
    this.listeners.add(fn);
    if (this.listeners.size === 1 && !holding) this.shim.send({ op: 'attach', id: this.id, on: true });
    return () => {
      if (this.listeners.delete(fn) && this.listeners.size === 0) this.shim.send({ op: 'attach', id: this.id, on: false });
    };
  }

  output(stream: 'stdout' | 'stderr', data: Buffer): void {
    if (this.held?.holding) {
      // Past the bound the shim stops forwarding, as for a detached container.
      if (!this.held.push(stream, data)) this.shim.send({ op: 'attach', id: this.id, on: false });
      return;
    }
    for (const fn of this.listeners) fn(stream, data);
  }

  resize(cols: number, rows: number): void {
    this.shim.send({ op: 'resize', id: this.id, cols, rows });
  }
}

/**
 * ContainerShim is the agent's handle on its node's container shim (container-shim.cjs), a small
 * process that forks the containers, owns them, writes their CRI logs and reports their exits: the
 * agent's own large process forks nothing per container (a fork of it blocks its event loop
 * 3–19 ms; the shim's costs about a millisecond and blocks nobody). Like containerd-shim, it
 * outlives a crashed agent with its containers (the next agent stops them) and ends with the last.
 */
export class ContainerShim implements ContainerLauncher {
  private readonly tasks = new Map<string, ShimTask>();
  /** lets go of an idle shim (see holdOpen) */
  private idleTimer?: NodeJS.Timeout;
  private readonly starting = new Map<string, { resolve: (t: ShimTask) => void; reject: (e: Error) => void; task: ShimTask }>();

  private constructor(private readonly proc: ChildProcess, private readonly idleMs: number) {
    proc.on('message', (m: ShimMessage) => this.onMessage(m));
    proc.on('exit', (code, sig) => this.onShimExit(code, sig));
    proc.on('error', (e) => logger.error(e, 'Container shim failed'));
    this.holdOpen();
  }

  /** spawn starts a shim; undefined when it cannot be forked (the caller starts containers directly). */
  static spawn(idleMs = SHIM_IDLE_MS): ContainerShim | undefined {
    try {
      // No --import tsx: the shim is plain CommonJS and should start small.
      const proc = fork(SHIM, [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
      return new ContainerShim(proc, idleMs);
    } catch (e) {
      logger.error(e, 'Failed to start the container shim; containers are forked by the agent');
      return undefined;
    }
  }

  /** pid is the shim process's (tests). */
  get pid(): number | undefined { return this.proc.pid; }

  /** alive says whether the shim still runs (a dead one starts no container). */
  get alive(): boolean { return this.proc.connected; }

  start(req: ShimStartRequest): Promise<ContainerTask> {
    if (!this.proc.connected) return Promise.reject(new Error('the container shim is not running'));
    return new Promise<ContainerTask>((resolve, reject) => {
      const task = new ShimTask(this, req.id, !!req.roles.stdin, !!req.roles.holdOutput);
      this.starting.set(req.id, { resolve, reject, task });
      this.tasks.set(req.id, task);
      this.holdOpen();
      this.send({ op: 'start', ...req });
    });
  }

  /** send writes one message to the shim (dropped once it is gone: its containers went with it). */
  send(m: object): void {
    if (this.proc.connected) this.proc.send(m);
  }

  close(): void {
    clearTimeout(this.idleTimer);
    if (this.proc.connected) this.proc.disconnect();
  }

  private onMessage(m: ShimMessage): void {
    const task = this.tasks.get(m.id);
    if (!task) return;
    switch (m.ev) {
      case 'started': {
        task.pid = m.pid;
        const s = this.starting.get(m.id);
        this.starting.delete(m.id);
        s?.resolve(task);
        break;
      }
      case 'startFailed': {
        this.tasks.delete(m.id);
        const s = this.starting.get(m.id);
        this.starting.delete(m.id);
        this.holdOpen();
        s?.reject(Object.assign(new Error(m.error ?? 'start failed'), { code: m.errno }));
        break;
      }
      case 'ready': task.initPid = m.initPid; task.markReady(); break;
      case 'output': task.output(m.stream ?? 'stdout', Buffer.from(m.data ?? '', 'base64')); break;
      case 'exit': {
        this.tasks.delete(m.id);
        // Exited before it had a pid: it never started (spawnError says why).
        const s = this.starting.get(m.id);
        this.starting.delete(m.id);
        s?.resolve(task);
        task.markExited({ code: m.code ?? null, signal: m.signal ?? null, spawnError: m.spawnError, setupErr: m.setupErr ?? '' });
        this.holdOpen();
        break;
      }
    }
  }

  /** onShimExit: the shim is gone (it crashed, or was let go of and its last container ended): what it ran is killed and reported so. */
  private onShimExit(code: number | null, sig: NodeJS.Signals | null): void {
    if (this.tasks.size > 0) logger.error(new Error(`container shim exited (code ${code}, signal ${sig})`), 'Container shim exited; its containers are stopped', { containers: this.tasks.size });
    for (const [id, task] of this.tasks) {
      if (task.pid) { try { process.kill(task.pid, 'SIGKILL'); } catch { /* gone */ } }
      this.starting.get(id)?.reject(new Error('the container shim exited'));
      task.markExited({ code: null, signal: 'SIGKILL', setupErr: '' });
    }
    this.tasks.clear();
    this.starting.clear();
  }

  /** holdOpen keeps this process alive while the shim runs containers, and only then (an idle shim must not). */
  private holdOpen(): void {
    const channel = this.proc.channel as { ref?: () => void; unref?: () => void } | undefined;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.tasks.size > 0) { this.proc.ref(); channel?.ref?.(); return; }
    this.proc.unref();
    channel?.unref?.();
    // An idle shim is ~45 MB for nothing: let go of it (it exits; the next container forks a new one).
    // This side decides, knowing no start is on its way, so no start can race the shim's exit.
    this.idleTimer = setTimeout(() => { if (this.tasks.size === 0) this.close(); }, this.idleMs);
    this.idleTimer.unref();
  }
}

let shared: ContainerShim | undefined;

/**
 * sharedShim is this process's container shim, one for every node runtime it hosts (`tskube up`
 * runs several nodes in one process; a shim is ~45 MB of RSS, so one, not one per node), started
 * on first use, again if it died or was let go of when idle; undefined when it cannot start.
 */
export function sharedShim(): ContainerShim | undefined {
  if (!shared?.alive) shared = ContainerShim.spawn();
  return shared;
}

/** DirectTask is a container process the agent forked itself (no shim). */
class DirectTask implements ContainerTask {
  readonly ready: Promise<void>;
  initPid?: number;
  readonly exited: Promise<ShimExit>;
  readonly stdin: Writable | null;
  private readonly listeners = new Set<Listener>();
  private readonly child: ChildProcess;
  private readonly resizePipe: Writable | null;
  private readonly held?: HeldOutput;

  constructor(req: ShimStartRequest) {
    const ready = deferred<void>();
    const exited = deferred<ShimExit>();
    this.ready = ready.promise;
    this.exited = exited.promise;
    if (req.roles.holdOutput) this.held = new HeldOutput();
    const p = startContainerProcess(req, {
      output: (stream, data) => {
        if (this.held?.holding) { this.held.push(stream, data); return; }
        for (const fn of this.listeners) fn(stream, data);
      },
      ready: (initPid) => { this.initPid = initPid; ready.resolve(); },
      exit: (x) => { ready.resolve(); exited.resolve(x); },
    });
    this.child = p.child;
    this.resizePipe = p.resize;
    this.stdin = req.roles.stdin ? this.child.stdin : null;
  }

  get pid(): number | undefined { return this.child.pid; }

  get holdsOutput(): boolean { return !!this.held?.pending; }

  signal(sig: NodeJS.Signals, group = false): void {
    if (!this.child.pid) return;
    try { process.kill(group ? -this.child.pid : this.child.pid, sig); } catch { /* gone */ }
  }

  attach(fn: Listener): () => void {
    this.held?.release(fn);
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  resize(cols: number, rows: number): void {
    if (this.resizePipe?.writable) this.resizePipe.write(`${cols} ${rows}\n`);
  }
}

/**
 * DirectLauncher forks containers from this process (what the runtime did before the shim): the
 * fallback when the shim cannot start, and TSKUBE_CONTAINER_SHIM=0 (to compare the two).
 */
export class DirectLauncher implements ContainerLauncher {
  async start(req: ShimStartRequest): Promise<ContainerTask> {
    return new DirectTask(req);
  }

  close(): void { /* nothing to let go */ }
}
