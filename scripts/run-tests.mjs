#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (Node 20 has no --test globs).
// Usage: npm test [-- path-substring ...]   e.g. `npm test -- storage` runs only matching files.
// Tests that need a system tool npm does not install skip without it (src/testing/system-tools.ts);
// TSKUBE_REQUIRE_SYSTEM_TOOLS=1 (set by .ci/run) makes a missing tool a failure.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

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
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// Last line of defence against a hang (each e2e suite has its own, shorter timeout): Node 20 applies
// --test-timeout to each file, later Nodes to each test; either way nothing waits forever.
const timeoutMs = process.env.TEST_TIMEOUT_MS ?? String(20 * 60_000);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
