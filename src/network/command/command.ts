import { fork, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HELPER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'command-helper.cjs');

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

interface Pending { resolve: (r: CommandResult) => void; reject: (e: Error) => void; file: string; args: string[] }

/**
 * CommandRunner runs short-lived host commands through one small helper process
 * (command-helper.cjs). A node agent runs several per pod (unshare, the CNI plugins, umount, ip,
 * iptables); spawning them from the agent's own large process would block its event loop for
 * milliseconds per fork, and in `tskube up` that loop is also the API server's. Without the
 * helper (it cannot start) commands are spawned directly.
 */
export class CommandRunner {
  private helper?: ChildProcess;
  private broken = false;
  private next = 0;
  private readonly pending = new Map<number, Pending>();

  /** run executes file with args and resolves with its exit status and output (never rejects on a non-zero exit). */
  run(file: string, args: string[], o: CommandOptions = {}): Promise<CommandResult> {
    if (o.signal?.aborted) return Promise.reject(new CommandError(file, args, undefined, 'The operation was aborted'));
    const helper = this.ensureHelper();
    if (!helper) return runDirect(file, args, o);
    const id = this.next++;
    return new Promise<CommandResult>((resolve, reject) => {
      const onAbort = () => helper.send({ kill: id });
      o.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        file, args, reject,
        resolve: (r) => { o.signal?.removeEventListener('abort', onAbort); resolve(r); },
      });
      this.holdOpen(helper);
      helper.send({ id, file, args, env: o.env ?? process.env, input: o.input ?? '' });
    });
  }

  /** runOk is run, rejecting with CommandError when the command fails (as execFile does). */
  async runOk(file: string, args: string[], o: CommandOptions = {}): Promise<CommandResult> {
    const r = await this.run(file, args, o);
    if (r.code !== 0) {
      const why = r.signal ? `killed by ${r.signal}` : `exit status ${r.code}`;
      throw new CommandError(file, args, r, `Command failed: ${file} ${args.join(' ')} (${why})${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`);
    }
    return r;
  }

  /** close stops the helper (commands in flight are killed). */
  close(): void {
    this.helper?.disconnect();
    this.helper = undefined;
  }

  /** holdOpen keeps this process alive while commands are in flight, and only then (an idle helper must not). */
  private holdOpen(h: ChildProcess): void {
    const channel = h.channel as { ref?: () => void; unref?: () => void } | undefined;
    if (this.pending.size > 0) { h.ref(); channel?.ref?.(); } else { h.unref(); channel?.unref?.(); }
  }

  private ensureHelper(): ChildProcess | undefined {
    if (this.helper?.connected) return this.helper;
    if (this.broken) return undefined;
    try {
      // No --import tsx: the helper is plain CommonJS and should start small.
      const h = fork(HELPER, [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
      h.on('message', (m: { id: number; code?: number | null; signal?: string | null; stdout?: string; stderr?: string; error?: string; errno?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.holdOpen(h);
        if (m.error !== undefined) p.reject(new CommandError(p.file, p.args, undefined, `spawn ${p.file} ${m.errno ?? ''}: ${m.error}`.replace('  ', ' '), m.errno));
        else p.resolve({ code: m.code ?? null, signal: m.signal ?? null, stdout: m.stdout ?? '', stderr: m.stderr ?? '' });
      });
      h.on('exit', () => {
        if (this.helper === h) this.helper = undefined;
        for (const [id, p] of this.pending) { this.pending.delete(id); p.reject(new CommandError(p.file, p.args, undefined, 'the command helper exited')); }
      });
      h.on('error', () => { this.broken = true; });
      this.helper = h;
      this.holdOpen(h);
      return h;
    } catch {
      this.broken = true;
      return undefined;
    }
  }
}

/** runDirect spawns the command from this process (when there is no helper). */
function runDirect(file: string, args: string[], o: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const c = spawn(file, args, { env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], signal: o.signal });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('error', (e) => reject(new CommandError(file, args, undefined, e.message, (e as NodeJS.ErrnoException).code)));
    c.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    c.stdin.on('error', () => undefined);
    c.stdin.end(o.input ?? '');
  });
}

/** commands is the process-wide runner every node agent in this process shares. */
export const commands = new CommandRunner();
