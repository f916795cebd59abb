/**
 * `npm run bench [-- name ...]`: runs every benchmark in bench/ (each *.ts but this runner and the
 * shared lib.ts) one after the other, each in its own process so that one's memory and CPU do not
 * colour the next one's figures. The benchmarks print figures only; nothing here judges them. A
 * benchmark that crashes is reported and the others still run; the exit code says whether all of
 * them ran to the end.
 * Arguments pick benchmarks by name substring: `npm run bench -- storage apiserver`.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const BENCH_DIR = new URL('.', import.meta.url).pathname;
const ROOT = join(BENCH_DIR, '..');
/** NOT_BENCHMARKS are the files of bench/ that are not benchmarks themselves. */
const NOT_BENCHMARKS = new Set(['run.ts', 'lib.ts']);

/** benchmarks lists bench/*.ts that are benchmarks, sorted, kept when a filter names them. */
export function benchmarks(files: string[], filters: string[]): string[] {
  return files
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts') && !NOT_BENCHMARKS.has(f))
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .sort();
}

/** runOne runs one benchmark with the parent's stdout/stderr and resolves with its exit status. */
function runOne(file: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; seconds: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, file)], { cwd: ROOT, stdio: 'inherit' });
    p.once('error', reject);
    p.once('exit', (code, signal) => resolve({ code, signal, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = benchmarks(readdirSync(BENCH_DIR), filters);
  if (files.length === 0) {
    process.stderr.write(`bench: no benchmark matches ${filters.join(' ')} (have: ${benchmarks(readdirSync(BENCH_DIR), []).join(', ')})\n`);
    return 2;
  }
  const results: { file: string; outcome: string; ok: boolean }[] = [];
  for (const file of files) {
    process.stdout.write(`\n######## bench/${file}\n`);
    const r = await runOne(file);
    const ok = r.code === 0;
    const outcome = ok ? `done in ${r.seconds.toFixed(1)} s` : r.signal ? `killed by ${r.signal}` : `exited with ${r.code}`;
    results.push({ file, outcome, ok });
  }
  process.stdout.write('\n######## summary\n');
  const width = Math.max(...results.map((r) => r.file.length));
  for (const r of results) process.stdout.write(`${`bench/${r.file}`.padEnd(width + 6)} ${r.outcome}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}

// Only when run as a program (a test may import benchmarks()).
if (process.argv[1] && new URL(`file://${process.argv[1]}`).pathname === new URL(import.meta.url).pathname) {
  process.exitCode = await main();
}
