import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lastRuncError, removeEmptyCgroups } from './runc.js';

test('removeEmptyCgroups: the path and its empty ancestors go in every hierarchy of the caller (from its own cgroup there); a level in use stays', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-'));
  try {
    const self = path.join(root, 'self-cgroup');
    fs.writeFileSync(self, '9:name=systemd:/\n7:blkio:/\n4:memory:/agent/1\n0::/\n');
    const pod = 'kubepods/burstable/podA';
    for (const h of ['systemd', 'blkio', 'memory/agent/1', 'unified']) fs.mkdirSync(path.join(root, h, pod), { recursive: true });
    // another pod still has a cgroup in blkio: kubepods/burstable stays there
    fs.mkdirSync(path.join(root, 'blkio', 'kubepods/burstable/podB'), { recursive: true });
    removeEmptyCgroups(pod, root, self);
    assert.ok(!fs.existsSync(path.join(root, 'systemd', 'kubepods')));
    assert.ok(!fs.existsSync(path.join(root, 'memory/agent/1', 'kubepods')));
    assert.ok(fs.existsSync(path.join(root, 'memory/agent/1')));
    assert.ok(!fs.existsSync(path.join(root, 'unified', 'kubepods')));
    assert.ok(!fs.existsSync(path.join(root, 'blkio', pod)));
    assert.ok(fs.existsSync(path.join(root, 'blkio', 'kubepods/burstable/podB')));
    // an absolute or climbing path is not touched
    removeEmptyCgroups('../blkio', root, self);
    removeEmptyCgroups('/blkio', root, self);
    assert.ok(fs.existsSync(path.join(root, 'blkio', 'kubepods/burstable/podB')));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('lastRuncError: the last error of runc\'s json log', () => {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runclog-')), 'log.json');
  assert.equal(lastRuncError(f), undefined);
  fs.writeFileSync(f, [
    '{"level":"info","msg":"starting"}',
    '{"level":"error","msg":"first"}',
    'not json',
    '{"level":"error","msg":"runc create failed: unable to start container process: exec: \\"nope\\": executable file not found in $PATH"}',
    '',
  ].join('\n'));
  assert.equal(lastRuncError(f), 'runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH');
  fs.rmSync(path.dirname(f), { recursive: true, force: true });
});
