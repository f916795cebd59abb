import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { IMAGES_DIR, ImageCatalog } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { freePort } from '../../testing/free-port.js';
import { spawnCollected } from '../../testing/collected-process.js';

test('hello-app answers with its version and hostname, and ps names it /hello-app', async () => {
  const port = await freePort();
  const p = spawnCollected(process.execPath, [path.join(IMAGES_DIR, 'hello-app.cjs')], { env: { ...process.env, PORT: String(port), HELLO_VERSION: '2.0.0' } });
  try {
    await eventually(() => assert.match(p.out(), new RegExp(`Server listening on port ${port}`)), 20_000);
    const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    assert.match(body, /^Hello, world!\nVersion: 2\.0\.0\nHostname: .+\n$/);
    // ps reads the command line from /proc: the program's own name, as the image runs /hello-app
    assert.equal(fs.readFileSync(`/proc/${p.child.pid}/cmdline`, 'utf8').replace(/\0+$/, ''), '/hello-app');
    assert.equal(fs.readFileSync(`/proc/${p.child.pid}/comm`, 'utf8'), 'hello-app\n');
  } finally {
    p.child.kill('SIGTERM');
    assert.equal((await p.exited).code, 2);
  }
});

test('hello-app 2.0 has a shell and busybox\'s applets (alpine), as kubectl exec -- sh on the page needs', () => {
  const catalog = new ImageCatalog();
  assert.equal(catalog.appletsOf('gcr.io/google-samples/hello-app:2.0'), 'busybox');
  assert.equal(catalog.appletsOf('gcr.io/google-samples/hello-app:1.0'), 'busybox');
});
