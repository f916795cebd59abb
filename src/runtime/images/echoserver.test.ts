import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { IMAGES_DIR, ImageCatalog } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { freePort } from '../../testing/free-port.js';
import { spawnCollected } from '../../testing/collected-process.js';

test('echoserver prints the client\'s address, the request and its sorted headers, and the body, as the image\'s page does', async () => {
  const port = await freePort();
  const p = spawnCollected(process.execPath, [path.join(IMAGES_DIR, 'echoserver.cjs')], { env: { ...process.env, PORT: String(port) } });
  try {
    // wget's request: only Host, User-Agent, Accept and Connection
    const wget = () => new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/', agent: false, headers: { 'User-Agent': 'Wget', Accept: '*/*' } }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    const get = await eventually(wget, 20_000);
    assert.equal(get, [
      'CLIENT VALUES:', 'client_address=127.0.0.1', 'command=GET', 'real path=/', 'query=nil', 'request_version=1.1', `request_uri=http://127.0.0.1:${port}/`, '',
      'SERVER VALUES:', 'server_version=nginx: 1.10.0 - lua: 10001', '',
      'HEADERS RECEIVED:', 'accept=*/*', 'connection=close', `host=127.0.0.1:${port}`, 'user-agent=Wget',
      'BODY:', '-no body in request-'].join('\n'));
    const post = await (await fetch(`http://127.0.0.1:${port}/a/b?x=1`, { method: 'POST', body: 'foobar' })).text();
    assert.match(post, /\ncommand=POST\nreal path=\/a\/b\?x=1\nquery=x=1\n/);
    assert.match(post, /\ncontent-length=6\n/);
    assert.ok(post.endsWith('\nBODY:\nfoobar'), post);
    await eventually(() => assert.match(p.out(), /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/ HTTP\/1\.1" 200 \d+ "-" "Wget"$/m), 20_000);
  } finally {
    p.child.kill('SIGTERM');
    assert.equal((await p.exited).code, 0);
  }
});

test('the catalog has echoserver under registry.k8s.io and k8s.gcr.io (1.4 and 1.10)', () => {
  const catalog = new ImageCatalog();
  for (const image of ['registry.k8s.io/echoserver:1.10', 'k8s.gcr.io/echoserver:1.4', 'registry.k8s.io/echoserver:1.4']) {
    assert.match(catalog.resolve(image, false).entrypoint.join(' '), /echoserver\.cjs$/, image);
  }
});
