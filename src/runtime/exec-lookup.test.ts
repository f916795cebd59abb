import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execLookupError } from './exec-lookup.js';

/** A container root with /bin/sh (executable), /etc/motd (not executable) and /app/run.sh. */
function root(): string {
  const r = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-exec-lookup-'));
  fs.mkdirSync(path.join(r, 'bin'));
  fs.mkdirSync(path.join(r, 'etc'));
  fs.mkdirSync(path.join(r, 'app'));
  fs.writeFileSync(path.join(r, 'bin/sh'), '#!/bin/true\n', { mode: 0o755 });
  fs.writeFileSync(path.join(r, 'etc/motd'), 'hi\n', { mode: 0o644 });
  fs.writeFileSync(path.join(r, 'app/run.sh'), '#!/bin/true\n', { mode: 0o755 });
  return r;
}

test('execLookupError finds commands on PATH and words a missing one as runc does', () => {
  const r = root();
  try {
    assert.equal(execLookupError(r, 'sh', '/usr/bin:/bin'), undefined);
    assert.equal(execLookupError(r, 'ps', '/usr/bin:/bin'), 'exec: "ps": executable file not found in $PATH');
    // a file on PATH that is not executable does not count
    assert.equal(execLookupError(r, 'motd', '/etc'), 'exec: "motd": executable file not found in $PATH');
    // a directory of that name does not either
    assert.equal(execLookupError(r, 'app', '/'), 'exec: "app": executable file not found in $PATH');
    assert.equal(execLookupError(r, 'ps', undefined), 'exec: "ps": executable file not found in $PATH');
  } finally {
    fs.rmSync(r, { recursive: true, force: true });
  }
});

test('execLookupError takes a name with a slash as a path, from the working directory', () => {
  const r = root();
  try {
    assert.equal(execLookupError(r, '/bin/sh', '/nowhere'), undefined);
    assert.equal(execLookupError(r, '/bin/bash', '/bin'), 'exec: "/bin/bash": stat /bin/bash: no such file or directory');
    assert.equal(execLookupError(r, '/etc/motd', '/bin'), 'exec: "/etc/motd": permission denied');
    assert.equal(execLookupError(r, '/etc', '/bin'), 'exec: "/etc": permission denied');
    assert.equal(execLookupError(r, './run.sh', '/bin', '/app'), undefined);
    assert.equal(execLookupError(r, './run.sh', '/bin', '/'), 'exec: "./run.sh": stat ./run.sh: no such file or directory');
    // a path through a file is as missing as a path to nothing
    assert.equal(execLookupError(r, '/etc/motd/x', '/bin'), 'exec: "/etc/motd/x": stat /etc/motd/x: no such file or directory');
  } finally {
    fs.rmSync(r, { recursive: true, force: true });
  }
});

test('execLookupError leaves what it cannot look at to the start itself', () => {
  // a root that is not there (the container just ended): nothing can be told
  assert.equal(execLookupError('/nonexistent-root-xyz', 'sh', '/bin'), undefined);
  assert.equal(execLookupError('/nonexistent-root-xyz', '/bin/bash', '/bin'), undefined);
  // an empty command is never runnable
  assert.equal(execLookupError('/', '', '/bin'), 'exec: "": executable file not found in $PATH');
});

test('execLookupError: an image that holds only its own programs has none of the host\'s', () => {
  const r = root();
  try {
    const pause = ['/pause'];
    assert.equal(execLookupError(r, 'sh', '/usr/bin:/bin', '/', pause), 'exec: "sh": executable file not found in $PATH');
    assert.equal(execLookupError(r, '/bin/sh', '/bin', '/', pause), 'exec: "/bin/sh": stat /bin/sh: no such file or directory');
    assert.equal(execLookupError(r, '/pause', '/bin', '/', pause), undefined);
    assert.equal(execLookupError(r, 'pause', '/usr/bin:/', '/', pause), undefined);
  } finally {
    fs.rmSync(r, { recursive: true, force: true });
  }
});
