/**
 * Storage benchmark: latency (p50/p99) of create, get, list and write→watch delivery, create
 * throughput, and memory with 10,000 stored ~1 KiB values, for the sqlite and etcd backends
 * (etcd is started here on loopback from /usr/bin/etcd). Prints figures only; never fails on time.
 * Run: node --import tsx bench/storage.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../src/storage/backend.js';
import { EtcdBackend } from '../src/storage/etcd/etcd-backend.js';
import { startTestEtcd } from '../src/storage/etcd/test-etcd.js';
import { MemoryBackend } from '../src/storage/memory/memory-backend.js';
import { SqliteBackend } from '../src/storage/sqlite/sqlite-backend.js';

const STORED = 10_000;
const SAMPLES = 1000;
const VALUE = JSON.stringify({ kind: 'Pod', spec: 'x'.repeat(1000) }).slice(0, 1024);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
function fmt(xs: number[]): string {
  return `p50 ${pct(xs, 50).toFixed(3)} ms  p99 ${pct(xs, 99).toFixed(3)} ms`;
}
function rssMiB(pid: number | 'self' = 'self'): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
const key = (i: number) => `/registry/pods/ns${i % 20}/pod-${String(i).padStart(6, '0')}`;

async function bench(name: string, b: Backend, serverPid?: number): Promise<void> {
  console.log(`\n== ${name}`);
  const rssBefore = rssMiB();
  // Sequential creates: per-call latency and single-writer throughput.
  const create: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await b.create(key(i), VALUE);
    create.push(performance.now() - t);
  }
  const seqRate = SAMPLES / ((performance.now() - t0) / 1000);
  console.log(`create          ${fmt(create)}   ${seqRate.toFixed(0)} creates/s sequential`);
  // Fill to STORED with 32 creates in flight (what many API clients at once look like).
  const t1 = performance.now();
  let next = SAMPLES;
  await Promise.all(Array.from({ length: 32 }, async () => {
    for (let i = next++; i < STORED; i = next++) await b.create(key(i), VALUE);
  }));
  console.log(`creates/s with 32 in flight: ${((STORED - SAMPLES) / ((performance.now() - t1) / 1000)).toFixed(0)}`);

  const get: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await b.get(key((i * 7919) % STORED));
    get.push(performance.now() - t);
  }
  console.log(`get             ${fmt(get)}`);

  const listNs: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await b.list(`/registry/pods/ns${i % 20}/`);
    listNs.push(performance.now() - t);
  }
  console.log(`list 500 keys   ${fmt(listNs)}  (one namespace of ${STORED / 20})`);
  const listPage: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await b.list('/registry/pods/', { limit: 500, startAfter: key((i * 211) % STORED) });
    listPage.push(performance.now() - t);
  }
  console.log(`list page 500   ${fmt(listPage)}  (limit 500 of ${STORED}, with remaining count)`);
  const listAll: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await b.list('/registry/pods/');
    listAll.push(performance.now() - t);
  }
  console.log(`list all 10k    ${fmt(listAll)}`);

  // Watch delivery: time from starting an update to its event reaching the watcher.
  const ac = new AbortController();
  const waiting = new Map<number, (t: number) => void>();
  const start = await b.currentRevision();
  const watching = (async () => {
    for await (const ev of b.watch('/registry/pods/ns0/', { afterRevision: start, signal: ac.signal })) {
      waiting.get(Number(ev.kv.value.slice(0, 12)))?.(performance.now());
    }
  })().catch(() => {});
  const watch: number[] = [];
  for (let i = 0; i < 300; i++) {
    const k = key(i * 20);
    const kv = (await b.get(k))!;
    const got = new Promise<number>((resolve) => waiting.set(i, resolve));
    const t = performance.now();
    await b.update(k, String(i).padStart(12, '0') + VALUE.slice(12), kv.modRevision);
    watch.push((await got) - t);
    waiting.delete(i);
  }
  ac.abort();
  await watching;
  console.log(`write→watch     ${fmt(watch)}`);
  const rssAfter = rssMiB();
  console.log(`RSS this process: ${rssBefore.toFixed(1)} MiB before, ${rssAfter.toFixed(1)} MiB with ${STORED} ~1KiB values`
    + (serverPid ? `; etcd server RSS ${rssMiB(serverPid).toFixed(1)} MiB` : ''));
}

const dir = mkdtempSync(join(tmpdir(), 'tskube-bench-'));
try {
  console.log(`node ${process.version}; baseline RSS ${rssMiB().toFixed(1)} MiB`);
  const mem = new MemoryBackend();
  await bench('memory', mem);
  await mem.close();
  const sqlite = SqliteBackend.open(join(dir, 'state.db'));
  await bench('sqlite (WAL, synchronous=NORMAL)', sqlite);
  await sqlite.close();
  const etcd = await startTestEtcd();
  try {
    const eb = await EtcdBackend.open({ endpoints: [etcd.endpoint] });
    await bench('etcd (single member, loopback)', eb, etcd.pid);
    await eb.close();
  } finally {
    await etcd.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
