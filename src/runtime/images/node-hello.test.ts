import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { IMAGES_DIR, ImageCatalog } from '../image-catalog.js';
import { ImagePullError } from '../types.js';
import { eventually } from '../../testing/test-cluster.js';
import { freePort } from '../../testing/free-port.js';
import { spawnCollected } from '../../testing/collected-process.js';

const SCRIPT = path.join(IMAGES_DIR, 'node-hello.cjs');

test('node-hello: Hello World! on every path, one log line per request', async (t) => {
  const port = await freePort();
  const app = spawnCollected(process.execPath, [SCRIPT], { env: { ...process.env, NODE_HELLO_PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => app.child.kill('SIGKILL'));
  const body = await eventually(async () => (await fetch(`http://127.0.0.1:${port}/some/where`)).text(), 20_000);
  assert.equal(body, 'Hello World!');
  await eventually(() => assert.equal(app.out(), 'Received request for URL: /some/where\n'), 20_000);
});

test('catalog: gcr.io/google-samples/node-hello:1.0 is `node server.js` in / with /server.js; other tags are not found', () => {
  const catalog = new ImageCatalog();
  const info = catalog.resolve('gcr.io/google-samples/node-hello:1.0', false);
  assert.deepEqual([info.entrypoint, info.cmd, info.workingDir], [[], ['node', 'server.js'], '/']);
  assert.deepEqual(info.files, { '/server.js': SCRIPT });
  assert.throws(() => catalog.resolve('gcr.io/google-samples/node-hello:2.0', false), (e: unknown) => e instanceof ImagePullError);
});
