import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
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
