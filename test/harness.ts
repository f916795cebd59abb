import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { claimTestCIDR } from '../src/testing/test-cidr.js';

/** Cluster is a `tskube up` started by a test, on a free port in a temp data dir. */
export interface Cluster {
  dataDir: string;
  kubeconfig: string;
  url: string;
  proc: ChildProcess;
  output: () => string;
  /** stop sends SIGTERM and waits for exit */
  stop(): Promise<void>;
  /** kill9 kills the process without warning (data dir kept) */
  kill9(): Promise<void>;
  /**
   * interrupt is a terminal's Ctrl-C: SIGINT to tskube's whole process group (its helper processes
   * too), then waits for exit. Only for a cluster started with `detached: true` (a group of its own).
   */
  interrupt?(): Promise<void>;
}

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * clusterRange gives a test cluster its own pod range (a /16 in 10.160–239 claimed for it) unless the
 * test chose one: clusters of tests running side by side would otherwise all give host01
 * 10.244.0.0/24, and all but the first fall back to the node's network.
 */
function clusterRange(extra: string[]): { args: string[]; release(): void } {
  if (extra.includes('--cluster-cidr')) return { args: [], release: () => undefined };
  const claim = claimTestCIDR();
  return { args: ['--cluster-cidr', claim.cidr], release: claim.release };
}

/**
 * startCluster runs `tskube up` and resolves once it printed its kubeconfig. The data dir (and the
 * kubectl cache inside it) is removed by stop(), or at once when the cluster fails to start, unless
 * the test passed its own.
 */
export async function startCluster(opts: { nodes?: number; dataDir?: string; extraArgs?: string[]; entry?: 'tsx' | 'bin'; detached?: boolean } = {}): Promise<Cluster> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tskube-e2e-'));
  // Tests run the sources through tsx; `entry: 'bin'` starts bin/tskube.js as `npm start` does (the bundle).
  const entry = opts.entry === 'bin' ? [join(ROOT, 'bin/tskube.js')] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
  const range = clusterRange(opts.extraArgs ?? []);
  const args = [...entry, 'up', '--data-dir', dataDir, '--port', '0', '--nodes', String(opts.nodes ?? 0),
    ...range.args, ...(opts.extraArgs ?? [])];
  // detached: a process group of its own, as a command started at a terminal has
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: !!opts.detached });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/export KUBECONFIG=/.test(out)) { cleanup(); resolve(); }
    };
    const onExit = (code: number | null) => {
      cleanup();
      range.release();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      reject(new Error(`tskube up exited (${code}):\n${out}`));
    };
    const cleanup = () => { proc.stdout!.off('data', check); proc.off('exit', onExit); };
    proc.stdout!.on('data', check);
    proc.once('exit', onExit);
  });
  const url = /API server (\S+),/.exec(out)?.[1] ?? '';
  return {
    dataDir, kubeconfig: join(dataDir, 'kubeconfig'), url, proc, output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      range.release();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
    async interrupt() {
      if (!opts.detached) throw new Error('interrupt needs a cluster started with detached: true');
      if (proc.exitCode === null && proc.signalCode === null && proc.pid) process.kill(-proc.pid, 'SIGINT');
      await exited;
      range.release();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** KubectlResult is what one kubectl run printed. */
export interface KubectlResult { code: number; stdout: string; stderr: string }

/**
 * kubectlEnv is the environment kubectl runs in against a cluster: its kubeconfig, and its discovery
 * and HTTP caches next to it in the cluster's data dir (kubectl keeps them in ~/.kube/cache by
 * default, where every test run would leave them behind).
 */
export function kubectlEnv(cluster: { kubeconfig: string }, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG: cluster.kubeconfig, KUBECACHEDIR: join(dirname(cluster.kubeconfig), 'kubectl-cache'), ...extra };
}

/** kubectl runs the real kubectl (the dispatcher in PATH, or e.g. `kubectl.1.32`) against a cluster. */
export function kubectl(cluster: { kubeconfig: string }, args: string[], opts: { input?: string; env?: Record<string, string>; bin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(opts.bin ?? 'kubectl', args, {
      env: kubectlEnv(cluster, opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('error', reject);
    p.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
    p.stdin.end(opts.input ?? '');
  });
}

/** kubectlOk runs kubectl and resolves with its stdout; a non-zero exit rejects with the command and its stderr. */
export async function kubectlOk(cluster: { kubeconfig: string }, args: string[], input?: string): Promise<string> {
  const r = await kubectl(cluster, args, { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** kubectlJson runs `kubectl ARGS -o json` (exit 0 or it throws) and parses what it printed. */
export async function kubectlJson(cluster: { kubeconfig: string }, args: string[]): Promise<any> {
  return JSON.parse(await kubectlOk(cluster, [...args, '-o', 'json']));
}

/** kubectlTable runs `kubectl get ARGS` (exit 0 or it throws) and reads its table's rows. */
export async function kubectlTable(cluster: { kubeconfig: string }, args: string[]): Promise<Record<string, string>[]> {
  return parseTable(await kubectlOk(cluster, ['get', ...args])).rows;
}

/** KubectlStream is a kubectl that keeps running (logs -f, attach, get -w) while the test looks at its output. */
export interface KubectlStream {
  stdout(): string;
  stderr(): string;
  /** exited resolves with the exit code (null when killed) once kubectl ends */
  exited: Promise<number | null>;
  /** kill stops kubectl (by its PID) and waits for it */
  kill(): Promise<void>;
}

/** kubectlStream starts kubectl without waiting for it to end; write to stdin with input, or it gets none. */
export function kubectlStream(cluster: { kubeconfig: string }, args: string[], opts: { input?: string } = {}): KubectlStream {
  const p = spawn('kubectl', args, { env: kubectlEnv(cluster), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => { stdout += d; });
  p.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => p.once('close', (code) => resolve(code)));
  if (opts.input !== undefined) p.stdin.end(opts.input);
  return {
    stdout: () => stdout, stderr: () => stderr, exited,
    async kill() {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      await exited;
    },
  };
}

/** waitFor polls fn until it returns a truthy value (bounded by attempts, not asserted on time). */
export async function waitFor<T>(fn: () => Promise<T | undefined | false>, what: string, attempts = 120, intervalMs = 250): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** spawnTskube runs `tskube <args>` and resolves once its output matches ready (rejects if it exits first). */
async function spawnTskube(args: string[], ready: RegExp): Promise<{ proc: ChildProcess; output: () => string; exited: Promise<void> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => { out += d; if (ready.test(out)) { cleanup(); resolve(); } };
    const onExit = (code: number | null) => { cleanup(); reject(new Error(`tskube ${args[0]} exited (${code}):\n${out}`)); };
    const cleanup = () => { proc.off('exit', onExit); };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', onExit);
  });
  return { proc, output: () => out, exited };
}

/** Server is a `tskube server` (control plane alone) started by a test; agents join it with its node token. */
export interface Server extends Cluster {
  nodeToken: string;
  caFile: string;
  /** the `tskube agent ...` line the server printed to join a node */
  joinCommand: string;
}

/** startServer runs `tskube server` and resolves once it printed how agents join. */
export async function startServer(opts: { dataDir?: string; extraArgs?: string[] } = {}): Promise<Server> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tskube-e2e-'));
  const range = clusterRange(opts.extraArgs ?? []);
  const { proc, output, exited } = await spawnTskube(['server', '--data-dir', dataDir, '--port', '0', ...range.args, ...(opts.extraArgs ?? [])], /tskube agent .*\n/)
    .catch((e: unknown) => {
      range.release();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      throw e;
    });
  const url = /running at (\S+)/.exec(output())?.[1] ?? '';
  const stopWith = async (sig: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    await exited;
  };
  return {
    dataDir, kubeconfig: join(dataDir, 'kubeconfig'), url, proc, output,
    nodeToken: readFileSync(join(dataDir, 'node-token'), 'utf8').trim(),
    caFile: join(dataDir, 'pki', 'ca.crt'),
    joinCommand: /tskube agent .*/.exec(output())?.[0] ?? '',
    async stop() {
      await stopWith('SIGTERM');
      range.release();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    kill9: () => stopWith('SIGKILL'),
  };
}

/** Agent is a `tskube agent` process started by a test. */
export interface Agent {
  name: string;
  rootDir: string;
  proc: ChildProcess;
  output: () => string;
  /** stop sends SIGTERM, or signal (the agent stops its containers), and resolves with the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** kill9 kills the agent without warning (its containers keep running) */
  kill9(): Promise<void>;
}

/** startAgent runs `tskube agent` against a server with its node token and CA, resolving once it started. */
export async function startAgent(server: Server, opts: { name: string; rootDir: string; address?: string; runtime?: 'process' | 'simulated' }): Promise<Agent> {
  const args = ['agent', '--server', server.url, '--token', server.nodeToken, '--name', opts.name, '--ca-file', server.caFile,
    '--root-dir', opts.rootDir, '--address', opts.address ?? '127.0.0.1', '--runtime', opts.runtime ?? 'process'];
  const { proc, output, exited } = await spawnTskube(args, /node agent started/);
  return {
    name: opts.name, rootDir: opts.rootDir, proc, output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
      return proc.exitCode;
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** KubectlTable is kubectl's table output read into rows keyed by column header (NAME, STATUS, …). */
export interface KubectlTable { header: string[]; rows: Record<string, string>[] }

/** parseTable reads `kubectl get` table output; columns are separated by two or more spaces. */
export function parseTable(stdout: string): KubectlTable {
  const [head, ...lines] = stdout.trimEnd().split('\n');
  const header = (head ?? '').split(/\s{2,}/);
  return { header, rows: lines.filter((l) => l !== '').map((l) => Object.fromEntries(l.split(/\s{2,}/).map((v, i) => [header[i], v]))) };
}
