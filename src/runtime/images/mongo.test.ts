import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { IMAGES_DIR, ImageCatalog } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { freePort } from '../../testing/free-port.js';
import { spawnCollected } from '../../testing/collected-process.js';
import { requireTool, type SystemTool } from '../../testing/system-tools.js';

const SCRIPT = path.join(IMAGES_DIR, 'mongo.cjs');
// A real driver's first two messages (PyMongo 3.11, recorded between it and this stand-in): the
// handshake, OP_QUERY {isMaster: 1, client: {…}} on admin.$cmd, then OP_MSG {ping: 1, lsid, $db: admin}.
const IS_MASTER_OP_QUERY = Buffer.from('fe000000f6eaed8900000000d40700000000000061646d696e2e24636d640000000000ffffffffd70000001069736d6173746572000100000003636c69656e7400bc00000003647269766572002b000000026e616d65000800000050794d6f6e676f000276657273696f6e0007000000332e31312e300000036f73005b000000027479706500060000004c696e757800026e616d6500060000004c696e7578000261726368697465637475726500070000007838365f3634000276657273696f6e0010000000362e31382e34342d66632d76373639000002706c6174666f726d001700000043507974686f6e20332e31312e322e66696e616c2e30000000', 'hex');
const PING_OP_MSG = Buffer.from('880000006559d61c00000000dd0700000000000000730000001070696e670001000000036c736964001e00000005696400100000000421d7d7f16a5944d8b6b0cdef5aa4f9a00002246462000600000061646d696e00032472656164507265666572656e63650020000000026d6f646500110000007072696d617279507265666572726564000000', 'hex');

/** roundTrip sends one message and resolves with the whole answer (its length is its first int32). */
function roundTrip(port: number, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(msg));
    let got = Buffer.alloc(0);
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 && got.length >= got.readInt32LE(0)) { s.end(); resolve(got); }
    });
    s.on('error', reject);
  });
}

test('mongo:4.2 answers a driver\'s handshake (OP_REPLY) and ping ({ ok: 1.0 } in OP_MSG), and logs as mongod 4.2', async (t) => {
  assert.match(new ImageCatalog().resolve('mongo:4.2', false).entrypoint.join(' '), /^node \S+\/mongo\.cjs$/);
  const port = await freePort();
  // the page's args; the image's entrypoint runs them as mongod's
  const app = spawnCollected(process.execPath, [SCRIPT, '--bind_ip', '0.0.0.0', '--port', String(port)]);
  t.after(() => app.child.kill('SIGKILL'));
  await eventually(() => assert.match(app.out(), new RegExp(`I  NETWORK  \\[listener\\] waiting for connections on port ${port}\\n`)), 20_000);
  assert.match(app.out(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000 I  CONTROL  \[initandlisten\] db version v4\.2\.\d+$/m);

  const reply = await roundTrip(port, IS_MASTER_OP_QUERY);
  assert.equal(reply.readInt32LE(8), IS_MASTER_OP_QUERY.readInt32LE(4), 'responseTo is the request id');
  assert.equal(reply.readInt32LE(12), 1, 'OP_REPLY');
  assert.equal(reply.readInt32LE(32), 1, 'numberReturned');
  assert.ok(reply.includes(Buffer.from('\x08ismaster\x00\x01', 'latin1')), 'ismaster: true');
  assert.ok(reply.includes(Buffer.from('\x10maxWireVersion\x00\x08\x00\x00\x00', 'latin1')), 'maxWireVersion: 8 (4.2)');

  const pong = await roundTrip(port, PING_OP_MSG);
  assert.equal(pong.readInt32LE(12), 2013, 'OP_MSG');
  assert.equal(pong.readInt32LE(8), PING_OP_MSG.readInt32LE(4));
  // flags 0, section kind 0, then the document { ok: 1.0 } (a double, as mongod answers)
  assert.equal(pong.subarray(16).toString('hex'), '00000000' + '00' + '11000000' + '016f6b00' + '000000000000f03f' + '00');
  await eventually(() => assert.match(app.out(), /I  NETWORK  \[listener\] connection accepted from 127\.0\.0\.1:\d+ #2 \(\d connections? now open\)\n/), 20_000);

  app.child.kill('SIGTERM');
  assert.deepEqual(await app.exited, { code: 0, signal: null });
  assert.match(app.out(), /\[signalProcessingThread\] shutting down with code:0\n$/);
});

// a driver of its own, where the host has one (Debian's python3-pymongo): db.runCommand({ ping: 1 }) as the page runs it
const PYTHON = '/usr/bin/python3';
/** PYMONGO is Debian's MongoDB driver for python3 (.ci/run installs it; elsewhere the test skips with the apt line). */
const PYMONGO: SystemTool = {
  name: 'python3-pymongo', apt: 'python3-pymongo',
  check: () => fs.existsSync(PYTHON) && (() => { try { execFileSync(PYTHON, ['-c', 'import pymongo'], { stdio: 'ignore' }); return true; } catch { return false; } })(),
};
test('mongo:4.2 with a real driver: ping, the server version, an unknown command', requireTool(PYMONGO), async (t) => {
  const port = await freePort();
  const app = spawnCollected(process.execPath, [SCRIPT, 'mongod', '--port', String(port)]);
  t.after(() => app.child.kill('SIGKILL'));
  await eventually(() => assert.match(app.out(), /waiting for connections/), 20_000);
  const script = `
from pymongo import MongoClient
c = MongoClient('mongodb://127.0.0.1:${port}/', serverSelectionTimeoutMS=10000)
print(c.admin.command({'ping': 1}))
print(c.server_info()['version'])
try:
    c.test.command('nosuch')
except Exception as e:
    print(e.details)
`;
  const out = execFileSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  assert.equal(out, "{'ok': 1.0}\n4.2.24\n{'ok': 0.0, 'errmsg': \"no such command: 'nosuch'\", 'code': 59, 'codeName': 'CommandNotFound'}\n");
});
