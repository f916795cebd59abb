import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IMAGES_DIR, ImageCatalog } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { freePort } from '../../testing/free-port.js';
import { spawnCollected } from '../../testing/collected-process.js';

const SCRIPT = path.join(IMAGES_DIR, 'nginx.cjs');
const hasOpenssl = fs.existsSync('/usr/bin/openssl');

test('bprashanth/nginxhttps: the welcome page on 80 and, with the secret\'s tls.crt and tls.key, over TLS on 443', { skip: !hasOpenssl && 'needs openssl' }, async (t) => {
  assert.deepEqual(new ImageCatalog().resolve('bprashanth/nginxhttps:1.0', false).env, { NGINX_TLS_DIR: '/etc/nginx/ssl' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginxhttps-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // the tutorial's manual steps: a self-signed certificate for CN=my-nginx
  execFileSync('openssl', ['req', '-x509', '-nodes', '-days', '365', '-newkey', 'rsa:2048', '-keyout', path.join(dir, 'tls.key'),
    '-out', path.join(dir, 'tls.crt'), '-subj', '/CN=my-nginx/O=my-nginx'], { stdio: 'ignore' });
  const [http, https] = [await freePort(), await freePort()];
  const app = spawnCollected(process.execPath, [SCRIPT], { env: { ...process.env, NGINX_TLS_DIR: dir, NGINX_PORT: String(http), NGINX_TLS_PORT: String(https) } });
  t.after(() => app.child.kill('SIGKILL'));
  await eventually(() => assert.match(execFileSync('curl', ['-s', `http://127.0.0.1:${http}/`], { encoding: 'utf8' }), /<h1>Welcome to nginx!<\/h1>/), 20_000);
  // curl -k https://POD_IP, as from a node
  assert.match(execFileSync('curl', ['-sk', `https://127.0.0.1:${https}/`], { encoding: 'utf8' }), /<title>Welcome to nginx!<\/title>/);
  // the certificate is the secret's: curl trusts it as the CA for the name my-nginx
  assert.match(execFileSync('curl', ['-s', '--cacert', path.join(dir, 'tls.crt'), '--resolve', `my-nginx:${https}:127.0.0.1`, `https://my-nginx:${https}/`], { encoding: 'utf8' }), /Welcome to nginx!/);
  await eventually(() => assert.equal(app.out().split('\n').filter((l) => l.includes('"GET / HTTP/1.1" 200')).length, 3), 20_000);
});

test('bprashanth/nginxhttps without its certificate stops as nginx does ([emerg], status 1)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginxhttps-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const app = spawnCollected(process.execPath, [SCRIPT], { env: { ...process.env, NGINX_TLS_DIR: dir, NGINX_PORT: String(await freePort()) } });
  assert.deepEqual(await app.exited, { code: 1, signal: null });
  assert.match(app.err(), /^nginx: \[emerg\] cannot load certificate ".*\/tls\.crt"/);
});
