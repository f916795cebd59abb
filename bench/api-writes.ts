/**
 * API write latency on SQLite at a steady rate (issue 11: p99 < 50 ms, no stall > 100 ms during a
 * compaction). An API server over SQLite runs in a child process (the same startApiServer, TLS,
 * bootstrap and SqliteBackend as `tskube server`) with the store's Compactor on a shorter cycle
 * than the default (every COMPACT_EVERY_S, keeping that much history, instead of every 60 s
 * keeping 5 min) so that compactions of a realistic size fall inside the run. This process sends
 * ConfigMap creates and updates (half each) over HTTPS at RATE requests/s, open loop (a slow
 * answer does not delay the next request), for DURATION_S seconds.
 * Prints latency p50/p99/max, the longest stall (the longest time with requests outstanding and no
 * answer), each compaction's duration and the worst latency of the requests that overlapped it.
 * Figures only; never fails on time.
 * Run: node --import tsx bench/api-writes.ts   (RATE=200 DURATION_S=60 COMPACT_EVERY_S=15)
 */
import { spawn } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pct, procStats } from './lib.js';

const RATE = Number(process.env.RATE ?? 200);
const DURATION_S = Number(process.env.DURATION_S ?? 60);
const COMPACT_EVERY_S = Number(process.env.COMPACT_EVERY_S ?? 15);
const GOAL_P99_MS = 50;
const GOAL_STALL_MS = 100;

/** epoch milliseconds with sub-millisecond precision, comparable across the two processes */
const nowMs = () => performance.timeOrigin + performance.now();

/** serve runs in the child: API server over SQLite in dir, compactions reported on stdout. */
async function serve(dir: string): Promise<void> {
  const { loadOrCreateCredentials } = await import('../src/apiserver/tls.js');
  const { startApiServer } = await import('../src/apiserver/server.js');
  const { bootstrapCluster } = await import('../src/apiserver/bootstrap.js');
  const { SqliteBackend, Compactor } = await import('../src/storage/index.js');
  const backend = SqliteBackend.open(join(dir, 'state.db'));
  const compact = backend.compact.bind(backend);
  backend.compact = async (revision: number) => {
    const from = await backend.compactedRevision();
    const t0 = nowMs();
    await compact(revision);
    process.stdout.write(`COMPACT ${t0} ${nowMs() - t0} ${from} ${revision}\n`);
  };
  const creds = await loadOrCreateCredentials(dir);
  const api = await startApiServer({ backend, tokens: [creds.token], tls: { cert: creds.cert, key: creds.key }, host: '127.0.0.1', port: 0 });
  await bootstrapCluster(api);
  const compactor = new Compactor(backend, { intervalMs: COMPACT_EVERY_S * 1000, keepMs: COMPACT_EVERY_S * 1000 });
  compactor.start();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  process.stdout.write(`URL ${api.url}\n`);
  process.once('SIGTERM', () => {
    lag.disable();
    process.stdout.write(`LAG ${lag.percentile(99) / 1e6} ${lag.max / 1e6}\n`, () => {
      void compactor.stop().then(() => api.close()).then(() => backend.close()).finally(() => process.exit(0));
    });
  });
}

interface Sample { start: number; end: number; ms: number; verb: string; status: number }

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-bench-writes-'));
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--serve', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const compactions: { start: number; ms: number; from: number; to: number }[] = [];
  let serverLag = { p99: NaN, max: NaN };
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      let i: number;
      while ((i = out.indexOf('\n')) >= 0) {
        const [what, ...f] = out.slice(0, i).split(' ');
        out = out.slice(i + 1);
        if (what === 'URL') resolve(f[0]);
        if (what === 'COMPACT') compactions.push({ start: Number(f[0]), ms: Number(f[1]), from: Number(f[2]), to: Number(f[3]) });
        if (what === 'LAG') serverLag = { p99: Number(f[0]), max: Number(f[1]) };
      }
    });
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const token = readFileSync(join(dir, 'pki/admin.token'), 'utf8').trim();
  const agent = new https.Agent({ ca: readFileSync(join(dir, 'pki/ca.crt')), keepAlive: true, maxSockets: 64 });
  const call = (method: string, path: string, body: unknown) => new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = https.request(`${url}${path}`, { method, agent, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => { try { resolve({ status: res.statusCode ?? 0, body: JSON.parse(b) }); } catch { resolve({ status: res.statusCode ?? 0, body: b }); } });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });

  const base = '/api/v1/namespaces/default/configmaps';
  const payload = (i: number) => ({ value: `v${i}-${'x'.repeat(200)}` });
  // Objects whose latest version we hold and nobody is updating: updates take the oldest.
  const idle: any[] = [];
  const samples: Sample[] = [];
  let created = 0;
  let inFlight = 0;
  let lastAnswer = nowMs();
  let longestStall = { ms: 0, at: 0 };
  const send = async (i: number) => {
    const update = i % 2 === 1 && idle.length > 0;
    const obj = update ? idle.shift() : undefined;
    const start = nowMs();
    if (inFlight === 0) lastAnswer = start;
    inFlight++;
    const r = update
      ? await call('PUT', `${base}/${obj.metadata.name}`, { ...obj, data: payload(i) })
      : await call('POST', base, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${created++}` }, data: payload(i) });
    const end = nowMs();
    inFlight--;
    if (end - lastAnswer > longestStall.ms) longestStall = { ms: end - lastAnswer, at: end };
    lastAnswer = end;
    samples.push({ start, end, ms: end - start, verb: update ? 'update' : 'create', status: r.status });
    if (r.status < 300) idle.push(r.body);
  };

  console.log(`== ${RATE} writes/s (ConfigMap create and update, HTTPS) for ${DURATION_S} s on SQLite, compaction every ${COMPACT_EVERY_S} s`);
  const total = RATE * DURATION_S;
  const t0 = nowMs();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    // Open loop: request i goes at t0 + i/RATE whatever happened to the earlier ones.
    const wait = t0 + (i * 1000) / RATE - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(i).catch(() => { samples.push({ start: nowMs(), end: nowMs(), ms: NaN, verb: 'error', status: 0 }); }));
  }
  await Promise.all(pending);
  const elapsed = (nowMs() - t0) / 1000;
  const rss = procStats(child.pid!).rssMiB;
  await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
  rmSync(dir, { recursive: true, force: true });

  const ok = samples.filter((s) => s.status >= 200 && s.status < 300);
  const ms = ok.map((s) => s.ms);
  const line = (label: string, xs: number[]) => `${label}: n ${xs.length}, p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
  console.log(`sent ${samples.length} in ${elapsed.toFixed(1)} s (${(samples.length / elapsed).toFixed(0)}/s achieved), ${samples.length - ok.length} failed (${[...new Set(samples.filter((s) => !ok.includes(s)).map((s) => s.status))].join(', ') || 'none'})`);
  console.log(line('all writes', ms));
  console.log(line('  creates', ok.filter((s) => s.verb === 'create').map((s) => s.ms)));
  console.log(line('  updates', ok.filter((s) => s.verb === 'update').map((s) => s.ms)));
  // Per 10 s window: shows whether the tail is the start (TLS handshakes, cold code) or steady.
  const windows: string[] = [];
  for (let w = 0; w < DURATION_S; w += 10) {
    const xs = ok.filter((s) => s.start - t0 >= w * 1000 && s.start - t0 < (w + 10) * 1000).map((s) => s.ms);
    if (xs.length) windows.push(`${w}–${w + 10} s p99 ${pct(xs, 99).toFixed(1)} max ${Math.max(...xs).toFixed(1)}`);
  }
  console.log(`  by 10 s window (ms): ${windows.join('; ')}`);
  const steady = ok.filter((s) => s.start - t0 >= 5000).map((s) => s.ms);
  console.log(line('  after the first 5 s', steady));
  console.log(`longest stall (requests outstanding, no answer): ${longestStall.ms.toFixed(1)} ms, at ${((longestStall.at - t0) / 1000).toFixed(1)} s`);
  console.log(`server event loop delay: p99 ${serverLag.p99.toFixed(1)} ms, max ${serverLag.max.toFixed(1)} ms; server RSS at the end ${rss.toFixed(0)} MiB`);
  for (const c of compactions) {
    const overlapping = ok.filter((s) => s.start <= c.start + c.ms && s.end >= c.start).map((s) => s.ms);
    console.log(`compaction at ${((c.start - t0) / 1000).toFixed(1)} s: revisions ${c.from}→${c.to} in ${c.ms.toFixed(1)} ms; ${overlapping.length} requests overlapped it, worst ${overlapping.length ? Math.max(...overlapping).toFixed(1) : '-'} ms`);
  }
  if (compactions.length === 0) console.log('no compaction happened during the run (DURATION_S too short for COMPACT_EVERY_S)');
  const worstDuring = Math.max(0, ...compactions.flatMap((c) => ok.filter((s) => s.start <= c.start + c.ms && s.end >= c.start).map((s) => s.ms)));
  console.log(`goal: p99 < ${GOAL_P99_MS} ms → measured ${pct(ms, 99).toFixed(1)} ms (${(pct(ms, 99) / GOAL_P99_MS).toFixed(2)}× the goal); no stall > ${GOAL_STALL_MS} ms during compaction → worst request overlapping one ${worstDuring.toFixed(1)} ms (${(worstDuring / GOAL_STALL_MS).toFixed(2)}×), longest stall of the run ${longestStall.ms.toFixed(1)} ms`);
}

if (process.argv[2] === '--serve') await serve(process.argv[3]);
else await main();
