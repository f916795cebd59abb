import { IMAGES_DIR } from '../image-catalog.js';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PassThrough, type Writable } from 'node:stream';
import { CriLogWriter, DEFAULT_MAX_LOG_BYTES } from '../cri-log.js';
import { ImageCatalog } from '../image-catalog.js';
import type { ContainerConfig, ContainerInfo, ExecOptions, ExecSession, ImageInfo, Runtime } from '../types.js';
import { SETUP_SCRIPT } from './setup-script.js';

const PTY_HELPER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pty-helper.py');
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** ProcessRuntimeOptions configures the process runtime. */
export interface ProcessRuntimeOptions {
  /** directory for container state (upper layers, state.json) */
  rootDir: string;
  /** namespaces: own PID/mount/UTS/IPC namespaces + overlay root (needs root); host: plain processes; auto: namespaces when root */
  isolation?: 'auto' | 'namespaces' | 'host';
  catalog?: ImageCatalog;
  maxLogBytes?: number;
}

/** ContainerEntry is the runtime's bookkeeping for one container: its state, directory, process and output listeners. */
interface ContainerEntry {
  info: ContainerInfo;
  dir: string;
  child?: ChildProcess;
  /** host PID of the container's PID 1 (namespaces) or of its process (host) */
  initPid?: number;
  killSent?: 'TERM' | 'KILL';
  exited: Promise<ContainerInfo>;
  resolveExit: (i: ContainerInfo) => void;
  output: Set<(stream: 'stdout' | 'stderr', data: Buffer) => void>;
}

/**
 * ProcessRuntime runs each container as a host process. As root (isolation "namespaces") every
 * container gets its own PID, mount, UTS and IPC namespaces and an overlay of the host's / as its
 * root filesystem (see setup-script.ts); otherwise processes run on the host filesystem.
 * Pod networking is the host's. stdout/stderr go through the runtime into CRI log files, so a
 * container cannot outlive its agent: on start, the runtime kills what a previous agent left
 * running and reports it as exited (137), and the agent restarts it under its restart policy.
 */
export class ProcessRuntime implements Runtime {
  readonly scheme = 'tskube';
  readonly version = 'tskube-process://0.1.0';
  readonly isolation: 'namespaces' | 'host';
  private readonly containers = new Map<string, ContainerEntry>();
  private readonly catalog: ImageCatalog;
  private readonly containersDir: string;

  constructor(private readonly opts: ProcessRuntimeOptions) {
    const want = opts.isolation ?? 'auto';
    const root = process.getuid?.() === 0;
    this.isolation = want === 'host' ? 'host' : want === 'namespaces' ? 'namespaces' : root && hasUnshare() ? 'namespaces' : 'host';
    this.catalog = opts.catalog ?? new ImageCatalog();
    this.containersDir = path.join(opts.rootDir, 'containers');
    fs.mkdirSync(this.containersDir, { recursive: true });
    this.recover();
  }

  resolveImage(image: string, hasCommand: boolean): ImageInfo {
    return this.catalog.resolve(image, hasCommand);
  }

  async createContainer(config: ContainerConfig): Promise<string> {
    const id = randomBytes(32).toString('hex');
    const dir = path.join(this.containersDir, id);
    fs.mkdirSync(dir, { recursive: true });
    const rec = this.newRecord({ id, config, phase: 'created' }, dir);
    this.containers.set(id, rec);
    this.persist(rec);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const rec = this.must(id);
    if (rec.info.phase !== 'created') throw new Error(`container ${id} already started`);
    const c = rec.info.config;
    const env = { PATH: DEFAULT_PATH, HOSTNAME: c.hostname, HOME: '/root', ...c.env };
    const log = new CriLogWriter(c.logPath, this.opts.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES);
    const wd = c.workingDir || '/';
    let child: ChildProcess;
    let setupErr = '';
    if (this.isolation === 'namespaces') {
      // The catalog's entrypoint scripts live in the checkout, which may sit under /tmp (hidden by the
      // container's own tmpfs): bind them in read-only at the same path.
      const all = [{ hostPath: IMAGES_DIR, containerPath: IMAGES_DIR, readOnly: true }, ...c.mounts];
      const mounts = all.flatMap((m) => [m.hostPath, m.containerPath, m.readOnly ? 'ro' : 'rw']);
      const args = ['--pid', '--mount', '--uts', '--ipc', '--fork', '--kill-child', '/bin/sh', '-c', SETUP_SCRIPT, 'tskube-setup',
        path.join(rec.dir, 'merged'), path.join(rec.dir, 'upper'), path.join(rec.dir, 'work'), c.hostname, wd,
        String(all.length), ...mounts, '--', ...c.argv];
      child = spawn('unshare', args, { env, stdio: [c.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'] });
      child.stdio[3]?.on('data', (d: Buffer) => { log.write('stderr', d); emit(rec, 'stderr', d); });
      child.stderr?.on('data', (d: Buffer) => {
        const text = d.toString();
        setupErr += text;
        const shown = text.split('\n').filter((l) => l && !l.includes('sigprocmask unblock failed')).map((l) => l + '\n').join('');
        if (shown) { log.write('stderr', shown); emit(rec, 'stderr', Buffer.from(shown)); }
      });
    } else {
      const cwd = fs.existsSync(wd) ? wd : '/';
      child = spawn(c.argv[0], c.argv.slice(1), { env, cwd, detached: true, stdio: [c.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      child.stderr?.on('data', (d: Buffer) => { log.write('stderr', d); emit(rec, 'stderr', d); });
    }
    child.stdout?.on('data', (d: Buffer) => { log.write('stdout', d); emit(rec, 'stdout', d); });
    rec.child = child;
    rec.info.phase = 'running';
    rec.info.startedAt = new Date().toISOString();
    rec.info.pid = child.pid;

    let spawnError: Error | undefined;
    child.on('error', (e) => { spawnError = e; });
    child.on('close', (code, signal) => {
      log.close();
      let exitCode: number;
      if (spawnError) {
        exitCode = 128;
        rec.info.message = `exec: "${c.argv[0]}": executable file not found in $PATH`;
        rec.info.reason = 'StartError';
      } else if (signal) {
        exitCode = 128 + (osConstants.signals[signal] ?? 9);
      } else if (this.isolation === 'namespaces' && code === 1 && setupErr.includes('sigprocmask unblock failed')) {
        // unshare (util-linux 2.38) cannot re-raise its child's fatal signal and exits 1 with this
        // message: the container's PID 1 died of a signal. SIGKILL unless we only sent SIGTERM.
        exitCode = rec.killSent === 'TERM' ? 143 : 137;
      } else {
        exitCode = code ?? 137;
      }
      if (this.isolation === 'host' && child.pid) killGroup(child.pid, 'SIGKILL');
      rec.info.phase = 'exited';
      rec.info.exitCode = exitCode;
      rec.info.finishedAt = new Date().toISOString();
      rec.info.reason ??= exitCode === 0 ? 'Completed' : 'Error';
      this.persist(rec);
      rec.resolveExit({ ...rec.info });
    });
    if (this.isolation === 'namespaces' && child.pid) {
      rec.initPid = await findChild(child.pid);
      if (rec.initPid) await waitForChroot(rec.initPid);
    } else rec.initPid = child.pid;
    this.persist(rec);
  }

  async stopContainer(id: string, graceMs: number): Promise<void> {
    const rec = this.containers.get(id);
    if (!rec || rec.info.phase !== 'running') return;
    const target = rec.initPid ?? (rec.child?.pid && this.isolation === 'namespaces' ? await findChild(rec.child.pid) : rec.child?.pid);
    if (graceMs > 0 && target) {
      rec.killSent ??= 'TERM';
      signal(target, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const expired = await Promise.race([
        rec.exited.then(() => false),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(true), graceMs); }),
      ]);
      clearTimeout(timer);
      if (!expired) return;
    }
    rec.killSent = 'KILL';
    if (target) signal(target, 'SIGKILL');
    if (this.isolation === 'host' && rec.child?.pid) killGroup(rec.child.pid, 'SIGKILL');
    if (!target && rec.child?.pid) signal(rec.child.pid, 'SIGKILL');
    await rec.exited;
  }

  waitContainer(id: string): Promise<ContainerInfo> {
    return this.must(id).exited;
  }

  inspect(id: string): ContainerInfo | undefined {
    const r = this.containers.get(id);
    return r ? { ...r.info } : undefined;
  }

  listContainers(): ContainerInfo[] {
    return [...this.containers.values()].map((r) => ({ ...r.info }));
  }

  async removeContainer(id: string): Promise<void> {
    const rec = this.containers.get(id);
    if (!rec) return;
    if (rec.info.phase === 'running') await this.stopContainer(id, 0);
    this.containers.delete(id);
    fs.rmSync(rec.dir, { recursive: true, force: true });
  }

  exec(id: string, argv: string[], opts: ExecOptions): ExecSession {
    const rec = this.must(id);
    if (rec.info.phase !== 'running') throw new Error(`container not running (${id})`);
    const c = rec.info.config;
    const env = { PATH: DEFAULT_PATH, HOSTNAME: c.hostname, HOME: '/root', TERM: opts.tty ? 'xterm' : 'dumb', ...c.env, ...opts.env };
    let cmd: string[];
    let cwd = '/';
    if (this.isolation === 'namespaces') {
      if (!rec.initPid) throw new Error(`container ${id} has no init process yet`);
      cmd = ['nsenter', '-t', String(rec.initPid), '-m', '-u', '-i', '-p', '-r', '-w', '--', ...argv];
    } else {
      cmd = argv;
      const wd = c.workingDir || '/';
      cwd = fs.existsSync(wd) ? wd : '/';
    }
    if (opts.tty) cmd = ['python3', PTY_HELPER, '--', ...cmd];
    const child = spawn(cmd[0], cmd.slice(1), {
      env, cwd, detached: true,
      stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', opts.tty ? 'inherit' : 'pipe', ...(opts.tty ? ['pipe' as const] : [])],
    });
    const resizeFd = opts.tty ? (child.stdio[3] as Writable | null) : null;
    const exit = new Promise<number>((resolve) => {
      let err: Error | undefined;
      child.on('error', (e) => { err = e; });
      child.on('close', (code, sig) => {
        if (err) resolve(127);
        else resolve(sig ? 128 + (osConstants.signals[sig] ?? 9) : code ?? 0);
      });
    });
    return {
      stdin: child.stdin,
      stdout: child.stdout!,
      stderr: opts.tty ? null : child.stderr,
      resize(cols, rows) { resizeFd?.write(`${cols} ${rows}\n`); },
      exit,
      kill() { if (child.pid) killGroup(child.pid, 'SIGKILL'); },
    };
  }

  attach(id: string): { stdin: Writable | null; output: PassThrough } | undefined {
    const rec = this.containers.get(id);
    if (!rec || rec.info.phase !== 'running') return undefined;
    const output = new PassThrough();
    const fn = (_s: 'stdout' | 'stderr', d: Buffer) => { output.write(d); };
    rec.output.add(fn);
    void rec.exited.then(() => output.end());
    output.on('close', () => rec.output.delete(fn));
    return { stdin: rec.child?.stdin ?? null, output };
  }

  async close(): Promise<void> { /* containers keep running until the agent stops them */ }

  private newRecord(info: ContainerInfo, dir: string): ContainerEntry {
    let resolveExit!: (i: ContainerInfo) => void;
    const exited = new Promise<ContainerInfo>((r) => { resolveExit = r; });
    return { info, dir, exited, resolveExit, output: new Set() };
  }

  private must(id: string): ContainerEntry {
    const r = this.containers.get(id);
    if (!r) throw new Error(`no such container: ${id}`);
    return r;
  }

  private persist(rec: ContainerEntry): void {
    const state = { info: rec.info, initPid: rec.initPid, initStart: rec.initPid ? procStart(rec.initPid) : undefined, childPid: rec.child?.pid };
    try { fs.writeFileSync(path.join(rec.dir, 'state.json'), JSON.stringify(state)); } catch { /* dir removed */ }
  }

  /** recover loads what a previous agent left; running containers are killed and marked exited. */
  private recover(): void {
    for (const id of fs.readdirSync(this.containersDir)) {
      const dir = path.join(this.containersDir, id);
      let state: { info: ContainerInfo; initPid?: number; initStart?: string; childPid?: number };
      try { state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')); } catch { continue; }
      const rec = this.newRecord(state.info, dir);
      if (rec.info.phase !== 'exited') {
        if (state.initPid && state.initStart && procStart(state.initPid) === state.initStart) {
          signal(state.initPid, 'SIGKILL');
          if (this.isolation === 'host') killGroup(state.initPid, 'SIGKILL');
        }
        rec.info.phase = 'exited';
        rec.info.exitCode = rec.info.startedAt ? 137 : 128;
        rec.info.reason = rec.info.startedAt ? 'Error' : 'StartError';
        rec.info.message = 'the node agent restarted and stopped this container';
        rec.info.finishedAt = new Date().toISOString();
        this.persist(rec);
      }
      rec.resolveExit({ ...rec.info });
      this.containers.set(id, rec);
    }
  }
}

function emit(rec: ContainerEntry, stream: 'stdout' | 'stderr', d: Buffer): void {
  for (const fn of rec.output) fn(stream, d);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig); } catch { /* gone */ }
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(-pid, sig); } catch { /* gone */ }
}

/** procStart is the process's start time in clock ticks (guards against PID reuse). */
function procStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch { return undefined; }
}

/** findChild waits for `unshare --fork` to fork the container's init and returns its host PID. */
async function findChild(pid: number): Promise<number | undefined> {
  for (let i = 0; i < 200; i++) {
    try {
      const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      if (kids) return Number(kids.split(' ')[0]);
    } catch { return undefined; }
    await new Promise((r) => setTimeout(r, 5));
  }
  return undefined;
}

/** waitForChroot waits until the setup script has chrooted (the container's filesystem is ready). */
async function waitForChroot(pid: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/root`) !== '/') return;
    } catch { return; }
    await new Promise((r) => setTimeout(r, 2));
  }
}

function hasUnshare(): boolean {
  return spawnSync('unshare', ['--version']).status === 0;
}
