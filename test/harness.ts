import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
}

const ROOT = new URL('..', import.meta.url).pathname;

/** startCluster runs `tskube up` and resolves once it printed its kubeconfig. */
export async function startCluster(opts: { nodes?: number; dataDir?: string; extraArgs?: string[] } = {}): Promise<Cluster> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tskube-e2e-'));
  const args = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'up', '--data-dir', dataDir, '--port', '0', '--nodes', String(opts.nodes ?? 0), ...(opts.extraArgs ?? [])];
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/export KUBECONFIG=/.test(out)) { cleanup(); resolve(); }
    };
    const onExit = (code: number | null) => { cleanup(); reject(new Error(`tskube up exited (${code}):\n${out}`)); };
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
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** KubectlResult is what one kubectl run printed. */
export interface KubectlResult { code: number; stdout: string; stderr: string }

/** kubectl runs the real kubectl (the dispatcher in PATH, or e.g. `kubectl.1.32`) against a cluster. */
export function kubectl(cluster: { kubeconfig: string }, args: string[], opts: { input?: string; env?: Record<string, string>; bin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(opts.bin ?? 'kubectl', args, {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig, ...opts.env },
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
