import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { configureLogging, log, parseLogFlags, textLine, type LogOptions } from './log.js';

/** capture configures the process logger to write into an array of lines. */
function capture(o: Omit<LogOptions, 'destination'> = {}): string[] {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) { lines.push(...String(chunk).split('\n').filter(Boolean)); cb(); },
  });
  // pino writes synchronously to plain objects; a Writable's write callback also runs in the same tick
  configureLogging({ ...o, destination: { write: (s: string) => destination.write(s) } as unknown as NodeJS.WritableStream });
  return lines;
}

afterEach(() => configureLogging({ level: 'silent' }));

test('text format is one klog-style line: severity, date, time, component, message, fields', () => {
  const lines = capture();
  const logger = log.child({ component: 'replicaset-controller' });
  logger.info('synced', { key: 'default/web', replicas: 3, note: 'two words' });
  logger.warn('slow');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^I\d{4} \d{2}:\d{2}:\d{2}\.\d{3} replicaset-controller\] synced key=default\/web replicas=3 note="two words"$/);
  assert.match(lines[1], /^W\d{4} \d{2}:\d{2}:\d{2}\.\d{3} replicaset-controller\] slow$/);
});

test('text line: the date and time come from the entry, without component when there is none', () => {
  const t = new Date(2026, 10, 27, 8, 57, 51, 123).getTime();
  const line = textLine(JSON.stringify({ level: 50, time: t, msg: 'boom', pod: 'web-1' }));
  assert.equal(line, 'E1127 08:57:51.123 boom pod=web-1\n');
  assert.equal(textLine('not json'), 'not json');
});

test('verbosity gates v(n) lines: printed only at -v n or higher', () => {
  let lines = capture({ verbosity: 2 });
  const logger = log.child({ component: 'scheduler' });
  logger.v(2).info('shown at 2');
  logger.v(3).info('hidden at 2');
  assert.equal(logger.v(2).enabled(), true);
  assert.equal(logger.v(3).enabled(), false);
  assert.deepEqual(lines.map((l) => l.replace(/^.*\] /, '')), ['shown at 2']);

  lines = capture({ verbosity: 0 });
  logger.v(1).info('hidden at 0');
  logger.info('info is v(0)');
  assert.deepEqual(lines.map((l) => l.replace(/^.*\] /, '')), ['info is v(0)']);
});

test('--log-level is the lowest severity printed; errors print at every level', () => {
  const lines = capture({ level: 'error', verbosity: 10 });
  const logger = log.child({ component: 'agent' });
  logger.debug('d');
  logger.info('i');
  logger.v(5).info('v5');
  logger.warn('w');
  logger.error(new Error('broken'), 'e');
  const entries = lines.filter((l) => !l.startsWith('\t')); // -v 10 adds the stack below
  assert.equal(entries.length, 1);
  assert.match(entries[0], /^E.* agent\] e err="broken"$/);

  const debugLines = capture({ level: 'debug' });
  log.debug('trace');
  assert.match(debugLines[0], /^D.* trace$/);
});

test('json format: one object per line with level name, time, bindings, fields and v', () => {
  const lines = capture({ format: 'json', verbosity: 4 });
  log.child({ component: 'kubelet', node: 'host01' }).v(4).info('probe', { container: 'web' });
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.equal(rec.level, 'info');
  assert.equal(rec.msg, 'probe');
  assert.equal(rec.component, 'kubelet');
  assert.equal(rec.node, 'host01');
  assert.equal(rec.container, 'web');
  assert.equal(rec.v, 4);
  assert.ok(!Number.isNaN(Date.parse(String(rec.time))));
});

test('errors carry their type, message and stack (json), message in text, stack in text from -v 4', () => {
  const err = new TypeError('cannot read x');
  let lines = capture({ format: 'json' });
  log.child({ component: 'agent' }).error(err, 'pod sync failed', { pod: 'default/web', container: 'app' });
  const rec = JSON.parse(lines[0]) as { level: string; err: { type: string; message: string; stack: string }; pod: string; container: string };
  assert.equal(rec.level, 'error');
  assert.equal(rec.err.type, 'TypeError');
  assert.equal(rec.err.message, 'cannot read x');
  assert.equal(rec.err.stack, err.stack);
  assert.equal(rec.pod, 'default/web');
  assert.equal(rec.container, 'app');

  lines = capture();
  log.error('plain string', 'failed');
  assert.match(lines[0], /^E.* failed err="plain string"$/);

  lines = capture({ verbosity: 4 });
  log.error(err, 'failed');
  assert.match(lines[0], /failed err="cannot read x"$/);
  assert.ok(lines.length > 1, 'stack lines follow at -v 4');
  assert.match(lines[1], /^\tat /);
});

test('children made before configureLogging follow the new configuration', () => {
  const early = log.child({ component: 'early' });
  const lines = capture({ format: 'json' });
  early.child({ key: 'k' }).info('late');
  const rec = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.deepEqual([rec.component, rec.key, rec.msg], ['early', 'k', 'late']);
});

test('parseLogFlags accepts klog values and rejects others with the accepted ones', () => {
  assert.deepEqual(parseLogFlags({ v: '4', logLevel: 'warn', logFormat: 'json' }), { verbosity: 4, level: 'warn', format: 'json' });
  assert.deepEqual(parseLogFlags({}), {});
  assert.throws(() => parseLogFlags({ v: '-1' }), /-v, --v/);
  assert.throws(() => parseLogFlags({ v: 'x' }), /must be a non-negative integer/);
  assert.throws(() => parseLogFlags({ logLevel: 'trace' }), /must be one of debug, info, warn, error/);
  assert.throws(() => parseLogFlags({ logFormat: 'yaml' }), /must be one of text, json/);
});
