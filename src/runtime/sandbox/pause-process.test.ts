import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pauseCommand } from './pause-process.js';

test('pauseCommand: a process named pause, run as /pause, that waits on its stdin and ends with it', { skip: !fs.existsSync('/bin/bash') && 'no /bin/bash' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-pause-'));
  try {
    const cmd = pauseCommand(path.join(dir, 'bin'));
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let comm = '';
    for (let i = 0; i < 500 && comm !== 'pause'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      try { comm = fs.readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim(); } catch { /* not yet */ }
    }
    assert.equal(comm, 'pause');
    assert.equal(fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8'), '/pause\0');
    // the second call finds the link it made
    assert.deepEqual(pauseCommand(path.join(dir, 'bin')), cmd);
    child.stdin.end();
    assert.equal(await exited, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
