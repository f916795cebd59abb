import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addLoggingOptions, applyLoggingOptions } from './logging.js';
import { configureLogging, log } from '../util/log.js';

after(() => configureLogging({}));

/** run parses argv with the logging flags, applies them (into a buffer), and logs one v(2) and one error line. */
function run(argv: string[]): string[] {
  const lines: string[] = [];
  const cmd = addLoggingOptions(new Command('up')).exitOverride().configureOutput({ writeErr: () => undefined });
  cmd.parse(argv, { from: 'user' });
  applyLoggingOptions(cmd.opts(), { destination: { write: (s: string) => { lines.push(s); return true; } } as unknown as NodeJS.WritableStream });
  const logger = log.child({ component: 'kubelet' });
  logger.v(2).info('detail');
  logger.error(new Error('boom'), 'Error syncing pod', { pod: 'default/web' });
  return lines.join('').split('\n').filter(Boolean);
}

test('defaults: readable text lines at -v 0 (v-lines hidden, errors shown)', () => {
  const lines = run([]);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^E\d{4} [\d:.]+ kubelet\] Error syncing pod pod=default\/web err="boom"$/);
});

test('-v 2 --log-format json: one JSON object per line, v-lines shown', () => {
  const lines = run(['-v', '2', '--log-format', 'json']);
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ['detail', 'Error syncing pod']);
  assert.equal(run(['--v=2']).length, 2, '--v=N is the same flag');
});

test('--log-level error hides info, never errors', () => {
  const lines = run(['--log-level', 'error', '-v', '5']);
  assert.equal(lines.filter((l) => !l.startsWith('\t')).length, 1);
});

test('bad values are rejected with the accepted ones', () => {
  const cmd = addLoggingOptions(new Command('up')).exitOverride();
  cmd.parse(['--log-format', 'xml'], { from: 'user' });
  assert.throws(() => applyLoggingOptions(cmd.opts()), /"--log-format": must be one of text, json/);
});
