import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { IMAGES_DIR, ImageCatalog } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { freePort } from '../../testing/free-port.js';
import { spawnCollected } from '../../testing/collected-process.js';

const SCRIPT = path.join(IMAGES_DIR, 'agnhost.cjs');
const GO_LOG = '\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d';

test('serve_hostname (agnhost serve-hostname): the hostname without a newline on 9376\'s every path, a log line per request; TERM does not end it', async (t) => {
  // the Debug Services walkthrough's image runs the stand-in's serve-hostname with no flags
  const entry = new ImageCatalog().resolve('registry.k8s.io/serve_hostname', false).entrypoint;
  assert.deepEqual(entry.slice(-1), ['serve-hostname']);
  const port = await freePort();
  const app = spawnCollected(process.execPath, [SCRIPT, 'serve-hostname', '--port', String(port)]);
  t.after(() => app.child.kill('SIGKILL'));
  await eventually(() => assert.match(app.err(), new RegExp(`^${GO_LOG} Serving on port ${port}\\.\\n$`)), 20_000);

  for (const p of ['/', '/anything']) {
    const res = await fetch(`http://127.0.0.1:${port}${p}`);
    assert.equal(res.status, 200);
    // wget -qO- in the page's loop prints the names one after another: the program writes no newline
    assert.equal(await res.text(), os.hostname());
  }
  await eventually(() => assert.equal(app.err().match(new RegExp(`${GO_LOG} HTTP request from 127\\.0\\.0\\.1:\\d+\\n`, 'g'))?.length, 2), 20_000);

  // at TERM it says so and keeps serving until the pod is deleted (the kubelet's KILL after the grace period)
  app.child.kill('SIGTERM');
  await eventually(() => assert.match(app.err(), /Shutting down after receiving signal: terminated\.\n.* Awaiting pod deletion\.\n$/), 20_000);
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), os.hostname());
  assert.equal(app.child.exitCode, null);
});

test('agnhost serve-hostname refuses HTTP together with --tcp, as the real program', async () => {
  const app = spawnCollected(process.execPath, [SCRIPT, 'serve-hostname', '--tcp']);
  assert.deepEqual(await app.exited, { code: 1, signal: null });
  assert.match(app.err(), /Can't server TCP\/UDP mode and HTTP mode at the same time/);
});

test('agnhost serve-hostname --tcp --http=false writes the hostname raw and closes', async (t) => {
  const port = await freePort();
  const app = spawnCollected(process.execPath, [SCRIPT, 'serve-hostname', '--tcp', '--http=false', '--port', String(port)]);
  t.after(() => app.child.kill('SIGKILL'));
  await eventually(() => assert.match(app.err(), /Serving on port/), 20_000);
  const net = await import('node:net');
  const got = await new Promise<string>((resolve, reject) => {
    let data = '';
    const s = net.connect(port, '127.0.0.1');
    s.on('data', (d) => { data += d.toString(); });
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
  assert.equal(got, os.hostname());
  await eventually(() => assert.match(app.err(), /TCP request from 127\.0\.0\.1:\d+/), 20_000);
});
