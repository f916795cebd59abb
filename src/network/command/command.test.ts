import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandError, CommandRunner } from './command.js';

test('CommandRunner: env, stdin, exit status and output, through the helper', async () => {
  const r = new CommandRunner();
  try {
    const res = await r.run('sh', ['-c', 'echo "$GREETING"; cat; echo oops >&2; exit 3'], { env: { PATH: process.env.PATH, GREETING: 'hi' }, input: 'from stdin' });
    assert.deepEqual(res, { code: 3, signal: null, stdout: 'hi\nfrom stdin', stderr: 'oops\n' });
    await assert.rejects(r.runOk('sh', ['-c', 'echo bad >&2; exit 2']), (e: unknown) => e instanceof CommandError && e.result?.code === 2 && /\(exit status 2\): bad$/.test(e.message));
    await assert.rejects(r.run('/nonexistent/tool', []), (e: unknown) => e instanceof CommandError && e.errno === 'ENOENT');
    // many at once
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => r.run('sh', ['-c', `echo ${i}`])));
    assert.deepEqual(many.map((m) => m.stdout.trim()), Array.from({ length: 20 }, (_, i) => String(i)));
  } finally {
    r.close();
  }
});

test('CommandRunner: an aborted command is killed', async () => {
  const r = new CommandRunner();
  try {
    const ac = new AbortController();
    const p = r.run('sleep', ['30'], { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const res = await p;
    assert.equal(res.signal, 'SIGKILL');
    await assert.rejects(r.run('true', [], { signal: ac.signal }), /aborted/);
  } finally {
    r.close();
  }
});

test('CommandRunner: a helper that dies fails what was in flight, and the next command gets a new helper', async () => {
  const r = new CommandRunner();
  try {
    const p = r.run('sleep', ['30']);
    (r as unknown as { helper: { kill(s: string): void } }).helper.kill('SIGKILL');
    await assert.rejects(p, /the command helper exited/);
    assert.equal((await r.run('echo', ['again'])).stdout, 'again\n');
  } finally {
    r.close();
  }
});
