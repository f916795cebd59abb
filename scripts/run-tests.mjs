#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (Node 20 has no --test globs).
// Usage: npm test [-- path-substring ...]   e.g. `npm test -- storage` runs only matching files.
// Tests that need a system tool npm does not install skip without it (src/testing/system-tools.ts);
// TSKUBE_REQUIRE_SYSTEM_TOOLS=1 (set by .ci/run) makes a missing tool a failure.
// Files marked `// exclusive: why` run after the others, alone (scripts/test-files.mjs). Every
// failure is listed again at the end with its error.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { formatFailures, isExclusive, tapFailures } from './test-files.mjs';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
let files = [...find('src'), ...find('test')].sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
const exclusive = files.filter((f) => isExclusive(readFileSync(f, 'utf8')));
const shared = files.filter((f) => !exclusive.includes(f));
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// Last line of defence against a hang (each e2e suite has its own, shorter timeout): Node 20 applies
// --test-timeout to each file, later Nodes to each test; either way nothing waits forever.
const timeoutMs = process.env.TEST_TIMEOUT_MS ?? String(20 * 60_000);

/** runFiles runs node's test runner on files, echoing its output; resolves to its exit code and output. */
function runFiles(list, conc) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${conc}`, `--test-timeout=${timeoutMs}`, ...list], { stdio: ['inherit', 'pipe', 'inherit'] });
    const chunks = [];
    child.stdout.on('data', (b) => { chunks.push(b); process.stdout.write(b); });
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

const runs = [];
if (shared.length) runs.push(await runFiles(shared, concurrency));
if (exclusive.length) {
  process.stdout.write(`# alone, after the others: ${exclusive.join(' ')}\n`);
  runs.push(await runFiles(exclusive, '1'));
}
process.stdout.write(formatFailures(runs.flatMap((r) => tapFailures(r.output))));
process.exit(runs.find((r) => r.code !== 0)?.code ?? 0);
