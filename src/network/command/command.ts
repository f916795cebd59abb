import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { realClock, type Clock } from '../../util/clock.js';

/** the helper (Python: it starts commands with vfork, and makes mounts and namespaces with system calls) */
const HELPER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'command-helper.py');
const PYTHON = '/usr/bin/python3';

/** CommandResult is how a command ended and what it printed. */
export interface CommandResult { code: number | null; signal: string | null; stdout: string; stderr: string }

/** CommandOptions: environment (default: this process's), stdin, cancellation. */
export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  signal?: AbortSignal;
}

/** CommandError is a command that could not start or exited non-zero (execFile's error, with its output). */
export class CommandError extends Error {
  constructor(readonly file: string, readonly args: string[], readonly result: CommandResult | undefined, message: string, readonly errno?: string) {
    super(message);
    this.name = 'CommandError';
  }
}

/**
 * HostOp is a host change the helper makes with its own system calls, no process started: a mount,
 * unmounts, or a pod's namespaces pinned on files (unshare, the hostname, lo up, each bind-mounted
 * on its file, then back to the helper's own namespaces). Without the helper the caller's equivalent command
 * does it; either way the answer is a CommandResult (code 0, or non-zero with the error on stderr).
 */
export type HostOp =
  | { op: 'mount'; source: string; target: string; fstype: string; options: string }
  | { op: 'umount'; targets: string[]; lazy: boolean }
  | { op: 'pin'; uts?: string; ipc?: string; net?: string; hostname?: string; loopback: boolean };

/**
 * HelperOp is work only the helper does (netlink.py): a pod's veth pair to its node's bridge
 * (veth-add: the bridge made if missing, the gateway address on it; prints the interfaces' names
 * and MACs as JSON), removed (veth-del: a namespace or interface already gone is no error), or
 * checked (veth-check: the interface is there with its address).
 */
export type HelperOp =
  | { op: 'veth-add'; netns: string; ifName: string; bridge: string; address: string; prefix: number; gateway: string; hairpin: boolean }
  | { op: 'veth-del'; netns: string; ifName: string }
  | { op: 'veth-check'; netns: string; ifName: string; address: string };

interface Pending {
  resolve: (r: CommandResult) => void;
  reject: (e: Error) => void;
  file: string;
  args: string[];
  helper: ChildProcess;
  /** runs it from this process instead (a helper that could not start hands its work back) */
  direct: () => Promise<CommandResult>;
}

/** CommandRunnerOptions: how long an idle helper lives, and the clock that times it. */
export interface CommandRunnerOptions {
  /** idleExitMs: the helper exits after this long without a command (default DEFAULT_IDLE_EXIT_MS) */
  idleExitMs?: number;
  /** clock times the idle period (default: real time, with timers that do not keep the process alive) */
  clock?: Clock;
}

/**
 * DEFAULT_IDLE_EXIT_MS: an idle helper is a whole Python process (~10 MB RSS), and a new one costs
 * ~50 ms of another core while commands run directly meanwhile, so it is not kept long. Pod starts
 * and deletions come in bursts that keep it.
 */
export const DEFAULT_IDLE_EXIT_MS = 10_000;

/**
 * MAX_DIRECT_WHILE_STARTING bounds the commands run directly while a new helper boots: a burst
 * (many pods at once) waits for the helper rather than fork this large process dozens of times.
 */
const MAX_DIRECT_WHILE_STARTING = 4;

/** unrefClock is real time whose timers do not keep the process alive (an idle helper must not). */
const unrefClock: Clock = {
  ...realClock,
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

/**
 * CommandRunner runs short-lived host commands through one small helper process
 * (command-helper.py), and has it make mounts and pod namespaces with system calls (runOp). A node
 * agent needs several per pod (namespaces, the CNI plugins, mounts, ip, iptables); forking its own
 * large process would block its event loop for milliseconds per fork, and in `tskube up` that loop
 * is also the API server's. The helper exits when idle for idleExitMs and is started again by the
 * next command; until the new one says it is ready (~50-100 ms), the first few commands are spawned
 * directly, so none waits for it to boot. Without the helper (no Python 3, or it cannot start)
 * commands are spawned directly and operations run as their equivalent commands.
 */
export class CommandRunner {
  private helper?: ChildProcess;
  /** ready: the current helper has said it is running (its messages are read) */
  private ready = false;
  private broken = false;
  private next = 0;
  private readonly pending = new Map<number, Pending>();
  /** direct counts the commands spawned from this process that have not ended */
  private direct = 0;
  private cancelIdle?: () => void;
  private readonly idleExitMs: number;
  private readonly clock: Clock;

  constructor(o: CommandRunnerOptions = {}) {
    this.idleExitMs = o.idleExitMs ?? DEFAULT_IDLE_EXIT_MS;
    this.clock = o.clock ?? unrefClock;
  }

  /** helperPid is the pid of the running, ready helper, if any. */
  get helperPid(): number | undefined {
    return this.ready && this.helper?.connected ? this.helper.pid : undefined;
  }

  /** run executes file with args and resolves with its exit status and output (never rejects on a non-zero exit). */
  run(file: string, args: string[], o: CommandOptions = {}): Promise<CommandResult> {
    if (o.signal?.aborted) return Promise.reject(new CommandError(file, args, undefined, 'The operation was aborted'));
    return this.dispatch({ file, args, env: o.env ?? process.env, input: o.input ?? '' }, file, args, () => runDirect(file, args, o), o.signal);
  }

  /**
   * runOp makes a host change with the helper's system calls (waiting for a helper that is still
   * booting), or, with no helper at all, by running the equivalent command given (file, args) from
   * this process; resolves as run does.
   */
  runOp(op: HostOp, file: string, args: string[]): Promise<CommandResult> {
    return this.dispatch(op, file, args, () => runDirect(file, args, {}), undefined, true);
  }

  /**
   * helperUsable says whether helper-only operations can run: Python 3 is there, the helper is not
   * turned off (TSKUBE_COMMAND_HELPER=0), and no helper has failed to start.
   */
  helperUsable(): boolean {
    return !this.broken && existsSync(PYTHON) && process.env.TSKUBE_COMMAND_HELPER !== '0';
  }

  /** runHelperOp has the helper do op (waiting for one that is booting); without a helper it rejects. Resolves as run does. */
  runHelperOp(op: HelperOp): Promise<CommandResult> {
    const unavailable = () => Promise.reject(new CommandError('command-helper', [op.op], undefined, `the command helper is not running: cannot ${op.op}`));
    return this.dispatch(op, 'command-helper', [op.op], unavailable, undefined, true);
  }

  /** runOk is run, rejecting with CommandError when the command fails (as execFile does). */
  async runOk(file: string, args: string[], o: CommandOptions = {}): Promise<CommandResult> {
    return okOrThrow(file, args, await this.run(file, args, o));
  }

  /** runOpOk is runOp, rejecting with CommandError when the operation fails. */
  async runOpOk(op: HostOp, file: string, args: string[]): Promise<CommandResult> {
    return okOrThrow(file, args, await this.runOp(op, file, args));
  }

  /** close stops the helper (its commands in flight are killed; those run directly finish); a later command starts a new one. */
  close(): void {
    this.cancelIdle?.();
    this.cancelIdle = undefined;
    if (this.helper?.connected) this.helper.disconnect();
    this.helper = undefined;
    this.ready = false;
  }

  /**
   * dispatch sends a request to the helper, or runs it directly: when there is no helper, or, for a
   * command, while a new one boots and few run directly yet. An operation waits for a booting
   * helper: its equivalent command costs more than the wait.
   */
  private dispatch(request: object, file: string, args: string[], direct: () => Promise<CommandResult>, signal?: AbortSignal, isOp = false): Promise<CommandResult> {
    this.cancelIdle?.();
    this.cancelIdle = undefined;
    const helper = this.ensureHelper();
    if (!helper || (!this.ready && !isOp && this.direct < MAX_DIRECT_WHILE_STARTING)) return this.runHere(direct);
    const id = this.next++;
    return new Promise<CommandResult>((resolve, reject) => {
      const onAbort = () => { if (helper.connected) helper.send({ kill: id }); };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        file, args, reject, helper, direct,
        resolve: (r) => { signal?.removeEventListener('abort', onAbort); resolve(r); },
      });
      this.holdOpen(helper);
      helper.send({ id, ...request });
    });
  }

  /** runHere runs a request from this process, counting it so the helper is not let go meanwhile. */
  private runHere(direct: () => Promise<CommandResult>): Promise<CommandResult> {
    this.direct++;
    return direct().finally(() => {
      this.direct--;
      this.armIdleExit();
    });
  }

  /** armIdleExit starts the idle period once nothing is in flight; at its end the helper goes. */
  private armIdleExit(): void {
    if (!this.helper || this.cancelIdle || this.pending.size > 0 || this.direct > 0) return;
    this.cancelIdle = this.clock.setTimeout(() => {
      this.cancelIdle = undefined;
      if (this.pending.size === 0 && this.direct === 0) this.close();
    }, this.idleExitMs);
  }

  /** holdOpen keeps this process alive while commands are in flight, and only then (an idle helper must not). */
  private holdOpen(h: ChildProcess): void {
    const channel = h.channel as { ref?: () => void; unref?: () => void } | undefined;
    if (this.pending.size > 0) { h.ref(); channel?.ref?.(); } else { h.unref(); channel?.unref?.(); }
  }

  private ensureHelper(): ChildProcess | undefined {
    if (this.helper?.connected) return this.helper;
    if (this.broken) return undefined;
    // TSKUBE_COMMAND_HELPER=0: every command and operation runs from this process (to compare the two).
    if (!existsSync(PYTHON) || process.env.TSKUBE_COMMAND_HELPER === '0') {
      this.broken = true;
      return undefined;
    }
    try {
      const h = spawn(PYTHON, ['-I', '-S', HELPER], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
      let wasReady = false;
      h.on('message', (m: { ready?: boolean; id: number; code?: number | null; signal?: string | null; stdout?: string; stderr?: string; error?: string; errno?: string }) => {
        if (m.ready) {
          wasReady = true;
          if (this.helper === h) { this.ready = true; this.armIdleExit(); }
          return;
        }
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.holdOpen(h);
        if (m.error !== undefined) p.reject(new CommandError(p.file, p.args, undefined, `spawn ${p.file} ${m.errno ?? ''}: ${m.error}`.replace('  ', ' '), m.errno));
        else p.resolve({ code: m.code ?? null, signal: m.signal ?? null, stdout: m.stdout ?? '', stderr: m.stderr ?? '' });
        this.armIdleExit();
      });
      const gone = () => {
        if (this.helper === h) this.close();
        // A helper that never became ready cannot run here: its work runs from this process, and so
        // does every later command.
        if (!wasReady) this.broken = true;
        // Only this helper's commands: an idle one that exits late must not fail its successor's.
        for (const [id, p] of this.pending) {
          if (p.helper !== h) continue;
          this.pending.delete(id);
          if (!wasReady) this.runHere(p.direct).then(p.resolve, p.reject);
          else p.reject(new CommandError(p.file, p.args, undefined, 'the command helper exited'));
        }
      };
      h.on('exit', gone);
      h.on('error', gone);
      this.helper = h;
      this.ready = false;
      this.holdOpen(h);
      return h;
    } catch {
      this.broken = true;
      return undefined;
    }
  }
}

/** okOrThrow passes a command's result on when it succeeded, else throws CommandError (as execFile does). */
function okOrThrow(file: string, args: string[], r: CommandResult): CommandResult {
  if (r.code !== 0) {
    const why = r.signal ? `killed by ${r.signal}` : `exit status ${r.code}`;
    throw new CommandError(file, args, r, `Command failed: ${file} ${args.join(' ')} (${why})${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`);
  }
  return r;
}

/** runDirect spawns the command from this process (no helper, or one still booting); an abort kills it, as the helper does. */
function runDirect(file: string, args: string[], o: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    let c: ReturnType<typeof spawn>;
    try {
      c = spawn(file, args, { env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      reject(new CommandError(file, args, undefined, (e as Error).message, (e as NodeJS.ErrnoException).code));
      return;
    }
    const onAbort = () => c.kill('SIGKILL');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    let stdout = '';
    let stderr = '';
    let failed: Error | undefined;
    c.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('error', (e) => { failed = e; });
    c.on('close', (code, signal) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (failed) reject(new CommandError(file, args, undefined, `spawn ${file} ${(failed as NodeJS.ErrnoException).code ?? ''}: ${failed.message}`.replace('  ', ' '), (failed as NodeJS.ErrnoException).code));
      else resolve({ code, signal, stdout, stderr });
    });
    c.stdin!.on('error', () => undefined);
    c.stdin!.end(o.input ?? '');
  });
}

/** commands is the process-wide runner every node agent in this process shares. */
export const commands = new CommandRunner();
