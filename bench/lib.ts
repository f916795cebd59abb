/**
 * What the end-to-end benchmarks share: start `tskube up` in a temp dir, call its API, watch a
 * resource, read the process's CPU seconds and RSS from /proc, run kubectl. Figures only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;

/** procStats reads a process's CPU seconds (user+system) and resident memory. */
export function procStats(pid: number): { cpuSec: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  return { cpuSec: ticks / 100, rssMiB: rss };
}

/** BenchCluster is a running `tskube up` with an API caller. */
export interface BenchCluster {
  proc: ChildProcess;
  dir: string;
  kubeconfig: string;
  call<T = any>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
  /** watchUntil streams watch events of path until done(event) returns true */
  watchUntil(path: string, done: (ev: { type: string; object: any }) => boolean): Promise<void>;
  /** kubectl runs the real kubectl against the cluster (input on stdin) and returns stdout */
  kubectl(args: string[], input?: string): string;
  stop(): Promise<void>;
}

/**
 * buildBundle builds the bundles (scripts/build.mjs) and names what runs the main one as `npm
 * start` does: bin/tskube.js (dist/tskube.cjs through V8's code cache).
 */
export function buildBundle(): string {
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (b.status !== 0) throw new Error('could not build dist/tskube.cjs');
  return join(ROOT, 'bin/tskube.js');
}

/** startBench starts `tskube up` with args and waits until wantNodes nodes are registered. */
export async function startBench(args: string[], wantNodes: number): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-bench-'));
  // BENCH_NODE_FLAGS passes node flags to the control plane (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  // BENCH_ENTRY=bundle runs the bundle as `npm start` does (rebuilt first) instead of the sources through tsx,
  // whose transpiled modules and source maps cost each thread memory the bundle does not.
  const entry = process.env.BENCH_ENTRY === 'bundle' ? [buildBundle()] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
  const proc = spawn(process.execPath, [...nodeFlags, ...entry, 'up', '--data-dir', dir, '--port', '0', '--log-level', 'warn', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d) => { out += d; const m = /API server (\S+),/.exec(out); if (m) resolve(m[1]); });
    proc.once('exit', (c) => reject(new Error(`tskube up exited ${c}`)));
  });
  const token = readFileSync(join(dir, 'pki/admin.token'), 'utf8').trim();
  const ca = readFileSync(join(dir, 'pki/ca.crt'));
  const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 32 });
  const call = <T>(method: string, path: string, body?: unknown, contentType = 'application/json') => new Promise<T>((resolve, reject) => {
    const req = https.request(`${url}${path}`, { method, agent, headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType } }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => { try { resolve(JSON.parse(b) as T); } catch { resolve(b as T); } });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
  const watchUntil = (path: string, done: (ev: { type: string; object: any }) => boolean) => new Promise<void>((resolve, reject) => {
    const sep = path.includes('?') ? '&' : '?';
    https.get(`${url}${path}${sep}watch=1`, { agent: new https.Agent({ ca }), headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let buf = '';
      res.on('data', (d) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const ev = JSON.parse(buf.slice(0, i));
          buf = buf.slice(i + 1);
          if (done(ev)) { res.destroy(); resolve(); return; }
        }
      });
    }).on('error', reject);
  });
  for (;;) {
    const nodes = (await call<{ items?: unknown[] }>('GET', '/api/v1/nodes')).items ?? [];
    if (nodes.length >= wantNodes) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const kubeconfig = join(dir, 'kubeconfig');
  return {
    proc, dir, kubeconfig, call, watchUntil,
    kubectl(a, input) {
      const r = spawnSync('kubectl', a, { env: { ...process.env, KUBECONFIG: kubeconfig }, encoding: 'utf8', input });
      if (r.status !== 0) throw new Error(`kubectl ${a.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
    async stop() {
      await new Promise<void>((resolve) => { proc.once('exit', () => resolve()); proc.kill('SIGTERM'); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** pct is the p-th percentile of xs. */
export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
