import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { descendants } from './process-tree.js';

test('descendants finds a child and its grandchild, and nothing of an unrelated process', async () => {
  // sh forks sleep and waits: sh is the child, sleep the grandchild.
  const child = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const grandchild = Number(await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))));
  try {
    const found = descendants(process.pid);
    assert.ok(found.includes(child.pid!), 'the child');
    assert.ok(found.includes(grandchild), 'the grandchild');
    assert.ok(found.indexOf(child.pid!) < found.indexOf(grandchild), 'children before their children');
    assert.deepEqual(descendants(grandchild), []);
  } finally {
    process.kill(grandchild, 'SIGKILL');
    child.kill('SIGKILL');
  }
});
