import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { IMAGES_DIR } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { freePort } from '../../testing/free-port.js';
import { spawnCollected } from '../../testing/collected-process.js';

const SCRIPT = path.join(IMAGES_DIR, 'redis.cjs');


/** start runs the stand-in with args and collects its stdout. */
function start(args: string[]): { child: ChildProcess; out: () => string } {
  return spawnCollected(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** send writes raw bytes to port and returns what came back once `until` accepts it. */
async function send(port: number, bytes: string, until: (reply: string) => boolean): Promise<string> {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  let reply = '';
  sock.on('data', (d: Buffer) => { reply += d.toString(); });
  sock.write(bytes);
  try {
    await eventually(() => assert.ok(until(reply), `reply so far: ${JSON.stringify(reply)}`), 20_000);
    return reply;
  } finally {
    sock.destroy();
  }
}

/** wholeBulk: a complete bulk-string reply (or nil) has arrived. */
const wholeBulk = (r: string) => /^\$(-1|\d+\r\n.*)\r\n$/s.test(r);

const resp = (...words: string[]) => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;

test('redis stand-in: RESP and inline commands, a replica that copies its master and refuses writes, TERM exits 0', async (t) => {
  const masterPort = await freePort();
  const master = start(['--port', String(masterPort)]);
  t.after(() => master.child.kill('SIGKILL'));
  await eventually(() => assert.match(master.out(), /Ready to accept connections tcp/), 20_000);

  // a guestbook's client speaks RESP; a reader with nc types inline commands
  assert.equal(await send(masterPort, resp('SET', 'messages', ',hello'), (r) => r.endsWith('\r\n')), '+OK\r\n');
  assert.equal(await send(masterPort, resp('GET', 'messages'), (r) => r.endsWith(',hello\r\n')), '$6\r\n,hello\r\n');
  assert.equal(await send(masterPort, 'PING\r\n', (r) => r.endsWith('\r\n')), '+PONG\r\n');
  assert.equal(await send(masterPort, resp('GET', 'nothing'), (r) => r.endsWith('\r\n')), '$-1\r\n');
  assert.match(await send(masterPort, resp('FROB', 'x'), (r) => r.endsWith('\r\n')), /^-ERR unknown command 'FROB', with args beginning with: 'x' \r\n$/);

  const replicaPort = await freePort();
  const replica = start(['--port', String(replicaPort), '--slaveof', '127.0.0.1', String(masterPort)]);
  t.after(() => replica.child.kill('SIGKILL'));
  await eventually(() => assert.match(replica.out(), /MASTER <-> REPLICA sync: Finished with success/), 20_000);
  assert.match(replica.out(), /^1:S .* \* Connecting to MASTER 127\.0\.0\.1:\d+$/m);
  assert.equal(await send(replicaPort, resp('GET', 'messages'), (r) => r.endsWith(',hello\r\n')), '$6\r\n,hello\r\n');
  assert.match(await send(replicaPort, resp('SET', 'a', 'b'), (r) => r.endsWith('\r\n')), /^-READONLY /);
  assert.match(await send(replicaPort, resp('INFO', 'replication'), (r) => r.includes('master_link_status')), /role:slave\r\nmaster_host:127\.0\.0\.1/);
  assert.match(await send(masterPort, resp('INFO'), (r) => r.includes('connected_slaves')), /role:master\r\nconnected_slaves:1/);

  // a later write on the master reaches the replica
  await send(masterPort, resp('SET', 'messages', ',hello,again'), (r) => r.endsWith('\r\n'));
  await eventually(async () => {
    assert.equal(await send(replicaPort, resp('GET', 'messages'), wholeBulk), '$12\r\n,hello,again\r\n');
  }, 20_000);

  const exited = new Promise<number | null>((resolve) => master.child.on('exit', (code) => resolve(code)));
  master.child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('redis stand-in: a config file as first argument (the configure-redis page), CONFIG GET/SET; redis-cli prints raw and, on a terminal, for people', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-conf-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = path.join(IMAGES_DIR, 'redis-cli.cjs');
  const run = (port: number, args: string[], input = '') => new Promise<string>((resolve, reject) => {
    const p = execFile(process.execPath, [cli, '-p', String(port), ...args], (e, stdout) => (e && !stdout ? reject(e) : resolve(stdout)));
    p.stdin!.end(input);
  });

  // an empty configuration: redis' defaults
  fs.writeFileSync(path.join(dir, 'empty.conf'), '');
  const p1 = await freePort();
  const plain = start([path.join(dir, 'empty.conf'), '--port', String(p1)]);
  t.after(() => plain.child.kill('SIGKILL'));
  await eventually(() => assert.match(plain.out(), /Ready to accept connections/), 20_000);
  assert.match(plain.out(), /# Configuration loaded$/m);
  assert.doesNotMatch(plain.out(), /no config file specified/);
  assert.equal(await run(p1, ['CONFIG', 'GET', 'maxmemory']), 'maxmemory\n0\n');
  assert.equal(await run(p1, ['CONFIG', 'GET', 'maxmemory-policy']), 'maxmemory-policy\nnoeviction\n');

  // the page's configuration (with its trailing spaces); 2mb is 2 MiB
  fs.writeFileSync(path.join(dir, 'redis.conf'), 'maxmemory 2mb\nmaxmemory-policy allkeys-lru    \n');
  const p2 = await freePort();
  const configured = start([path.join(dir, 'redis.conf'), '--port', String(p2)]);
  t.after(() => configured.child.kill('SIGKILL'));
  await eventually(() => assert.match(configured.out(), /Ready to accept connections/), 20_000);
  assert.equal(await run(p2, ['CONFIG', 'GET', 'maxmemory']), 'maxmemory\n2097152\n');
  // commands from stdin, one a line
  assert.equal(await run(p2, [], 'CONFIG GET maxmemory-policy\nCONFIG SET maxmemory 1kb\nCONFIG GET maxmemory\n'), 'maxmemory-policy\nallkeys-lru\nOK\nmaxmemory\n1024\n');
  assert.equal(await run(p2, ['GET', 'nothing']), '\n');
  assert.equal(await send(p2, resp('CONFIG', 'GET', 'maxmemory*'), (r) => r.endsWith('allkeys-lru\r\n')), '*4\r\n$9\r\nmaxmemory\r\n$4\r\n1024\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n');

  // on a terminal (script(1) gives it one), the page's `1) "maxmemory"` lines
  const script = '/usr/bin/script';
  if (fs.existsSync(script)) {
    const shown = execFileSync(script, ['-qec', `${process.execPath} ${cli} -p ${p2} CONFIG GET maxmemory-policy`, '/dev/null'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(shown.replace(/\r/g, ''), '1) "maxmemory-policy"\n2) "allkeys-lru"\n');
  }

  // nobody listening: redis-cli's words, exit 1
  const closed = await freePort();
  await assert.rejects(new Promise((resolve, reject) => execFile(process.execPath, [cli, '-p', String(closed), 'PING'], (e, stdout) => (e ? reject(Object.assign(e, { stdout })) : resolve(stdout)))),
    (e: Error & { stdout: string; code: number }) => e.code === 1 && e.stdout === `Could not connect to Redis at 127.0.0.1:${closed}: Connection refused\n`);

  // a server that starts listening a moment after redis-cli tries (as a pod shows Running before
  // this stand-in listens): redis-cli gets its answer
  const late = await freePort();
  const asked = run(late, ['CONFIG', 'GET', 'maxmemory']);
  await new Promise((r) => setTimeout(r, 300));
  const slow = start([path.join(dir, 'empty.conf'), '--port', String(late)]);
  t.after(() => slow.child.kill('SIGKILL'));
  assert.equal(await asked, 'maxmemory\n0\n');
});

test('redis image: its entrypoint gives /data\'s files to the redis user (999) and runs the server as it; a config file still comes first', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-data-'));
  t.after(() => fs.rmSync(data, { recursive: true, force: true }));
  fs.mkdirSync(path.join(data, 'redis'));
  fs.writeFileSync(path.join(data, 'redis', 'test-file'), 'Hello\n');
  fs.writeFileSync(path.join(data, 'redis.conf'), `port ${await freePort()}\n`);
  const app = spawnCollected(process.execPath, [path.join(IMAGES_DIR, 'redis.cjs'), '--docker-entrypoint', path.join(data, 'redis.conf')], { cwd: data });
  t.after(() => app.child.kill('SIGKILL'));
  await eventually(() => assert.match(app.out(), /Configuration loaded/), 20_000);
  const status = fs.readFileSync(`/proc/${app.child.pid}/status`, 'utf8');
  assert.match(status, /^Uid:\s+999\s+999\s+999\s+999$/m);
  assert.match(status, /^Gid:\s+999\s+999\s+999\s+999$/m);
  assert.match(status, /^Groups:\s+999\s*$/m);
  for (const f of ['.', 'redis', 'redis/test-file']) assert.equal(fs.statSync(path.join(data, f)).uid, 999, f);
  assert.match(fs.readFileSync(path.join(IMAGES_DIR, 'redis', 'passwd'), 'utf8'), /^redis:x:999:999:/m);
});
