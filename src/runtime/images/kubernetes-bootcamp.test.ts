import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { IMAGES_DIR, ImageCatalog } from '../image-catalog.js';
import { ImagePullError } from '../types.js';
import { eventually } from '../../testing/test-cluster.js';
import { freePort } from '../../testing/free-port.js';
import { spawnCollected } from '../../testing/collected-process.js';

const SCRIPT = path.join(IMAGES_DIR, 'kubernetes-bootcamp.cjs');

/** start runs the stand-in as the image would (env of the catalog entry) and collects its stdout. */
function start(port: number, env: Record<string, string>): { child: ChildProcess; out: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  return spawnCollected(process.execPath, [SCRIPT], { env: { ...process.env, HOSTNAME: 'kubernetes-bootcamp-5485cc6795-cdwz7', BOOTCAMP_PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

/** get fetches the app's answer. */
async function get(port: number, urlPath = '/'): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

test('kubernetes-bootcamp v1: the start line, the Hello line on every path, one log line per request; SIGTERM is not handled', async (t) => {
  const port = await freePort();
  const app = start(port, {});
  t.after(() => app.child.kill('SIGKILL'));
  await eventually(() => assert.match(app.out(), /Started At/), 20_000);
  // as `kubectl logs` shows it: two spaces before the host, " " after it, then a blank line
  assert.match(app.out(), new RegExp(`^Kubernetes Bootcamp App Started At: ${ISO} \\| Running On:  kubernetes-bootcamp-5485cc6795-cdwz7 \\n\\n$`));

  const first = await get(port);
  assert.deepEqual(first, { status: 200, type: 'text/plain', body: 'Hello Kubernetes bootcamp! | Running on: kubernetes-bootcamp-5485cc6795-cdwz7 | v=1\n' });
  // kubectl proxy's pod proxy path reaches the app as / ; any other path gets the same line
  assert.equal((await get(port, '/api/anything')).body, first.body);
  await eventually(() => assert.match(app.out(), /Total Requests: 2 /), 20_000);
  const lines = app.out().split('\n').filter((l) => l.startsWith('Running On:'));
  assert.equal(lines.length, 2);
  for (const [i, line] of lines.entries()) {
    assert.match(line, new RegExp(`^Running On: kubernetes-bootcamp-5485cc6795-cdwz7 \\| Total Requests: ${i + 1} \\| App Uptime: \\d+(\\.\\d+)? seconds \\| Log Time: ${ISO}$`));
  }

  // no handler of its own: outside a PID namespace the default action ends it (as PID 1 the kernel
  // drops the signal instead, and the pod's deletion waits out its grace period as the real image's)
  app.child.kill('SIGTERM');
  assert.deepEqual(await app.exited, { code: null, signal: 'SIGTERM' });
});

test('kubernetes-bootcamp v2 (BOOTCAMP_VERSION from the catalog) answers v=2', async (t) => {
  const port = await freePort();
  const app = start(port, { BOOTCAMP_VERSION: '2' });
  t.after(() => app.child.kill('SIGKILL'));
  await eventually(() => assert.match(app.out(), /Started At/), 20_000);
  assert.equal((await get(port)).body, 'Hello Kubernetes bootcamp! | Running on: kubernetes-bootcamp-5485cc6795-cdwz7 | v=2\n');
});

test('catalog: the tutorial\'s tags resolve to `node server.js` in / with /server.js; v10 and unpublished tags are not found', () => {
  const catalog = new ImageCatalog();
  for (const image of ['gcr.io/google-samples/kubernetes-bootcamp:v1', 'docker.io/jocatalin/kubernetes-bootcamp:v1', 'jocatalin/kubernetes-bootcamp:v2']) {
    const info = catalog.resolve(image, false);
    assert.deepEqual([info.entrypoint, info.cmd, info.workingDir], [[], ['node', 'server.js'], '/'], image);
    assert.deepEqual(info.files, { '/server.js': SCRIPT }, image);
    assert.equal(info.env?.NPM_CONFIG_LOGLEVEL, 'info');
  }
  assert.equal(catalog.resolve('jocatalin/kubernetes-bootcamp:v2', false).env?.BOOTCAMP_VERSION, '2');
  assert.equal(catalog.resolve('gcr.io/google-samples/kubernetes-bootcamp:v1', false).env?.BOOTCAMP_VERSION, undefined);
  for (const image of ['gcr.io/google-samples/kubernetes-bootcamp:v10', 'gcr.io/google-samples/kubernetes-bootcamp:v2', 'docker.io/jocatalin/kubernetes-bootcamp:v10']) {
    assert.throws(() => catalog.resolve(image, false), (e: unknown) => e instanceof ImagePullError && /code = NotFound desc = failed to pull and unpack image .*: not found$/.test(e.message), image);
  }
});
