// memory-probe: preloaded by bench/idle.ts (MEM_BREAKDOWN=1) with `node --import`, never by tskube
// itself. On SIGUSR2 it writes where the process's memory is to $MEM_PROBE_OUT as JSON: V8's heap
// spaces, process.memoryUsage(), and the resident pages of /proc/self/smaps grouped by what maps
// them (the node binary, shared libraries and addons, the malloc heap, anonymous memory).
import v8 from 'node:v8';
import { readFileSync, writeFileSync } from 'node:fs';

const MiB = 1024 * 1024;
const mib = (n) => Math.round((n / MiB) * 10) / 10;

/** residentByMapping sums Rss (KiB) of /proc/self/smaps per mapped path ('[anon]' for none). */
function residentByMapping() {
  const out = {};
  let cur = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) { cur = m[1] || '[anon]'; continue; }
    const r = /^Rss:\s+(\d+) kB/.exec(line);
    if (r) out[cur] = (out[cur] ?? 0) + Number(r[1]);
  }
  return out;
}

process.on('SIGUSR2', () => {
  const file = process.env.MEM_PROBE_OUT;
  if (!file) return;
  const maps = residentByMapping();
  const rss = Object.values(maps).reduce((a, b) => a + b, 0) / 1024;
  const mu = process.memoryUsage();
  const hs = v8.getHeapStatistics();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics()
    .filter((s) => s.physical_space_size > 0)
    .map((s) => [s.space_name, { committed: mib(s.physical_space_size), used: mib(s.space_used_size) }]));
  const sumKiB = (pred) => Object.entries(maps).filter(([k]) => pred(k)).reduce((a, [, v]) => a + v, 0) / 1024;
  const binary = sumKiB((k) => k === process.execPath || k.endsWith('/bin/node'));
  const libs = sumKiB((k) => k.startsWith('/') && k !== process.execPath && !k.endsWith('/bin/node'));
  const mallocHeap = sumKiB((k) => k === '[heap]');
  const anon = sumKiB((k) => k === '[anon]');
  writeFileSync(file, JSON.stringify({
    rssMiB: Math.round(rss * 10) / 10,
    nodeBinaryMiB: Math.round(binary * 10) / 10,
    librariesMiB: Math.round(libs * 10) / 10,
    mallocHeapMiB: Math.round(mallocHeap * 10) / 10,
    anonymousMiB: Math.round(anon * 10) / 10,
    v8: { committedMiB: mib(hs.total_physical_size), usedMiB: mib(hs.used_heap_size), mallocedMiB: mib(hs.malloced_memory), spaces },
    externalMiB: mib(mu.external), arrayBuffersMiB: mib(mu.arrayBuffers),
  }));
});
