import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { IMAGES_DIR } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { freePort } from '../../testing/free-port.js';
import { spawnCollected } from '../../testing/collected-process.js';

test('hello-go-gke answers {"message":"Hello"}, and hello-frontend passes requests to its upstream and back (502 when it is away)', async () => {
  const [backPort, frontPort] = [await freePort(), await freePort()];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-frontend-'));
  const back = spawnCollected(process.execPath, [path.join(IMAGES_DIR, 'hello-go-gke.cjs')], { env: { ...process.env, PORT: String(backPort) } });
  // the image's upstream is hello:80; the test points it at the backend's port
  const front = spawnCollected(process.execPath, [path.join(IMAGES_DIR, 'hello-frontend.cjs')], { env: { ...process.env, NGINX_PORT: String(frontPort), HELLO_UPSTREAM: '127.0.0.1', HELLO_UPSTREAM_PORT: String(backPort), NGINX_PID_FILE: path.join(dir, 'nginx.pid') } });
  try {
    await eventually(async () => assert.equal(await (await fetch(`http://127.0.0.1:${backPort}/`)).text(), '{"message":"Hello"}\n'), 20_000);
    await eventually(async () => assert.equal(await (await fetch(`http://127.0.0.1:${frontPort}/`)).text(), '{"message":"Hello"}\n'), 20_000);
    back.child.kill('SIGTERM');
    assert.equal((await back.exited).code, 2);
    const r = await fetch(`http://127.0.0.1:${frontPort}/`);
    assert.equal(r.status, 502);
    assert.match(await r.text(), /502 Bad Gateway/);
    assert.equal(fs.readFileSync(path.join(dir, 'nginx.pid'), 'utf8'), `${front.child.pid}\n`);
  } finally {
    back.child.kill('SIGTERM');
    front.child.kill('SIGQUIT');
    assert.equal((await front.exited).code, 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
