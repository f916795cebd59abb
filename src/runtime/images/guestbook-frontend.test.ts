import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import vm from 'node:vm';
import { IMAGES_DIR, ImageCatalog } from '../image-catalog.js';
import { eventually } from '../../testing/test-cluster.js';
import { freePort } from '../../testing/free-port.js';
import { spawnCollected } from '../../testing/collected-process.js';

const FRONTEND = path.join(IMAGES_DIR, 'guestbook-frontend.cjs');
const REDIS = path.join(IMAGES_DIR, 'redis.cjs');

interface Proc { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> }

/** start runs a stand-in script with args and env, collecting stdout and stderr. */
function start(script: string, args: string[], env: Record<string, string> = {}): Proc {
  const p = spawnCollected(process.execPath, [script, ...args], { env: { PATH: process.env.PATH, ...env } });
  return { ...p, exited: p.exited.then((e) => e.code) };
}

/** redisAt runs a redis stand-in on addr:port (extra args e.g. --replicaof) and waits until it accepts connections. */
async function redisAt(t: { after: (fn: () => void) => void }, addr: string, port: number, extra: string[] = [], env: Record<string, string> = {}): Promise<Proc> {
  const r = start(REDIS, ['--bind', addr, '--port', String(port), ...extra], env);
  t.after(() => r.child.kill('SIGKILL'));
  await eventually(() => assert.match(r.out(), /Ready to accept connections/), 20_000);
  return r;
}

/** redisGet reads a key straight from a redis server (GET over RESP). */
async function redisGet(addr: string, port: number, key: string): Promise<string> {
  const sock = net.connect(port, addr);
  sock.on('error', () => {});
  let reply = '';
  sock.on('data', (d: Buffer) => { reply += d.toString(); });
  sock.write(`*2\r\n$3\r\nGET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n`);
  try {
    await eventually(() => assert.match(reply, /^(\$-1\r\n|\$\d+\r\n.*\r\n)$/s), 20_000);
    return reply;
  } finally {
    sock.destroy();
  }
}

/** frontend starts the guestbook on a free port and waits for Apache's start notice. */
async function frontend(t: { after: (fn: () => void) => void }, args: string[], env: Record<string, string>): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const proc = start(FRONTEND, ['--port', String(port), ...args], env);
  t.after(() => proc.child.kill('SIGKILL'));
  await eventually(() => assert.match(proc.err(), /resuming normal operations/), 20_000);
  return { proc, url: `http://127.0.0.1:${port}` };
}

async function get(url: string): Promise<{ status: number; type: string | null; body: string; powered: string | null }> {
  const res = await fetch(url, { headers: { 'user-agent': 'curl/7.88.1' } });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text(), powered: res.headers.get('x-powered-by') };
}

test('guestbook frontend (leader/follower names, GET_HOSTS_FROM=env): set writes to the leader, get reads the follower; page, logs, TERM', async (t) => {
  const redisPort = await freePort();
  // two independent servers on one port: what the follower answers proves where the page reads
  await redisAt(t, '127.0.0.1', redisPort);
  await redisAt(t, '127.0.0.2', redisPort);
  const { proc, url } = await frontend(t, ['--redis-port', String(redisPort)], {
    GET_HOSTS_FROM: 'env', REDIS_LEADER_SERVICE_HOST: '127.0.0.1', REDIS_FOLLOWER_SERVICE_HOST: '127.0.0.2', PHP_VERSION: '7.4.7',
  });
  assert.match(proc.err(), /^AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using [\d.]+\. Set the 'ServerName' directive globally to suppress this message\n/);
  assert.match(proc.err(), /^\[\w{3} \w{3} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4}\] \[mpm_prefork:notice\] \[pid 1\] AH00163: Apache\/2\.4\.38 \(Debian\) PHP\/7\.4\.7 configured -- resuming normal operations$/m);

  const set = await get(`${url}/guestbook.php?cmd=set&key=messages&value=,hello,world`);
  assert.deepEqual(set, { status: 200, type: 'application/json', body: '{"message": "Updated"}', powered: 'PHP/7.4.7' });
  assert.equal(await redisGet('127.0.0.1', redisPort, 'messages'), '$12\r\n,hello,world\r\n');
  assert.equal(await redisGet('127.0.0.2', redisPort, 'messages'), '$-1\r\n', 'nothing was written to the follower');

  // the follower has no such key: PHP's null pastes as the empty string
  assert.equal((await get(`${url}/guestbook.php?cmd=get&key=messages`)).body, '{"data": ""}');

  // the access log: Apache's combined format on stdout
  assert.match(proc.out(), /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/guestbook\.php\?cmd=set&key=messages&value=,hello,world HTTP\/1\.1" 200 \d+ "-" "curl\/7\.88\.1"$/m);

  const page = await get(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(page.body, /<title>Guestbook<\/title>/);
  assert.match(page.body, /<form id="guestbook">/);
  const script = (await get(`${url}/controllers.js`)).body;
  assert.match(script, /guestbook\.php\?cmd=get&key=messages/);
  assert.match(script, /guestbook\.php\?cmd=set&key=messages&value=/);
  assert.equal((await get(`${url}/nothing-here`)).status, 404);
  assert.match((await get(`${url}/guestbook.php`)).body, /<title>PHP 7\.4\.7 - phpinfo\(\)<\/title>/);

  proc.child.kill('SIGTERM');
  assert.equal(await proc.exited, 0);
});

test('guestbook frontend: a value comes back through a replica of the leader', async (t) => {
  const redisPort = await freePort();
  // redis 6.0.5 (the tutorial's leader and the follower image's base) words its start as redis 6 does
  const leader = await redisAt(t, '127.0.0.1', redisPort, [], { REDIS_VERSION: '6.0.5' });
  assert.match(leader.out(), /^1:C \d\d \w{3} \d{4} [\d:.]+ # Redis version=6\.0\.5, bits=64, commit=00000000, modified=0, pid=1, just started$/m);
  assert.match(leader.out(), /^1:M .* \* Ready to accept connections$/m);
  const replica = await redisAt(t, '127.0.0.2', redisPort, ['--replicaof', '127.0.0.1', String(redisPort)], { REDIS_VERSION: '6.0.5' });
  await eventually(() => assert.match(replica.out(), /MASTER <-> REPLICA sync: Finished with success/), 20_000);
  assert.match(replica.out(), /^1:S .* \* Connecting to MASTER 127\.0\.0\.1:\d+$/m);
  assert.match(replica.out(), /^1:S .* \* Master replied to PING, replication can continue\.\.\.$/m);
  // the leader logs the replica by its address and listening port
  assert.match(leader.out(), new RegExp(`^1:M .* \\* Replica 127\\.0\\.0\\.2:${redisPort} asks for synchronization$`, 'm'));
  assert.match(leader.out(), new RegExp(`^1:M .* \\* Synchronization with replica 127\\.0\\.0\\.2:${redisPort} succeeded$`, 'm'));
  const { url } = await frontend(t, ['--redis-port', String(redisPort)], {
    GET_HOSTS_FROM: 'env', REDIS_LEADER_SERVICE_HOST: '127.0.0.1', REDIS_FOLLOWER_SERVICE_HOST: '127.0.0.2',
  });
  assert.equal((await get(`${url}/guestbook.php?cmd=set&key=messages&value=,from+the+tutorial`)).body, '{"message": "Updated"}');
  await eventually(async () => {
    assert.equal((await get(`${url}/guestbook.php?cmd=get&key=messages`)).body, '{"data": ",from the tutorial"}');
  }, 20_000);
});

/** FakeElement is the little of a DOM element the page's script touches. */
class FakeElement {
  private text = '';
  value = '';
  children: FakeElement[] = [];
  get textContent(): string { return this.text; }
  /** as in a DOM, setting the text replaces the element's children */
  set textContent(t: string) { this.text = t; this.children = []; }
  listeners = new Map<string, (e: { preventDefault(): void }) => void>();
  appendChild(child: FakeElement): void { this.children.push(child); }
  addEventListener(type: string, fn: (e: { preventDefault(): void }) => void): void { this.listeners.set(type, fn); }
}

test('guestbook frontend: the page\'s script lists the stored messages and submits the whole list, as the real page does', async (t) => {
  const redisPort = await freePort();
  await redisAt(t, '127.0.0.5', redisPort);
  const { url } = await frontend(t, ['--redis-port', String(redisPort)], {
    GET_HOSTS_FROM: 'env', REDIS_LEADER_SERVICE_HOST: '127.0.0.5', REDIS_FOLLOWER_SERVICE_HOST: '127.0.0.5',
  });
  assert.equal((await get(`${url}/guestbook.php?cmd=set&key=messages&value=first,second`)).body, '{"message": "Updated"}');

  // run controllers.js against a stand-in document, its relative URLs against the frontend
  const ids = new Map(['guestbook', 'msg', 'status', 'messages'].map((id) => [id, new FakeElement()]));
  const onLoad: Array<() => void> = [];
  const requested: string[] = [];
  const context = vm.createContext({
    document: {
      getElementById: (id: string) => ids.get(id),
      createElement: () => new FakeElement(),
      addEventListener: (type: string, fn: () => void) => { if (type === 'DOMContentLoaded') onLoad.push(fn); },
    },
    fetch: (rel: string) => { requested.push(rel); return fetch(`${url}/${rel}`); },
  });
  vm.runInContext((await get(`${url}/controllers.js`)).body, context);
  onLoad.forEach((fn) => fn());
  const shown = () => ids.get('messages')!.children.map((d) => d.textContent);
  await eventually(() => assert.deepEqual(shown(), ['first', 'second']), 20_000);

  ids.get('msg')!.value = 'third & <last>';
  ids.get('guestbook')!.listeners.get('submit')!({ preventDefault() {} });
  assert.deepEqual(shown(), ['first', 'second', 'third & <last>']);
  await eventually(() => assert.equal(ids.get('status')!.textContent, 'Updated.'), 20_000);
  assert.equal(requested.at(-1), 'guestbook.php?cmd=set&key=messages&value=first%2Csecond%2Cthird%20%26%20%3Clast%3E');
  assert.equal((await get(`${url}/guestbook.php?cmd=get&key=messages`)).body, '{"data": "first,second,third & <last>"}');
});

test('guestbook frontend --names master (the older images, seed 004): redis-master and redis-slave by environment; PHP notices and Predis errors', async (t) => {
  const redisPort = await freePort();
  await redisAt(t, '127.0.0.3', redisPort);
  const { url } = await frontend(t, ['--names', 'master', '--redis-port', String(redisPort)], {
    GET_HOSTS_FROM: 'env', REDIS_MASTER_SERVICE_HOST: '127.0.0.3', REDIS_SLAVE_SERVICE_HOST: '127.0.0.4', PHP_VERSION: '5.6.40',
  });
  assert.equal((await get(`${url}/guestbook.php?cmd=set&key=messages&value=a`)).body, '{"message": "Updated"}');
  assert.equal(await redisGet('127.0.0.3', redisPort, 'messages'), '$1\r\na\r\n');
  // nothing listens on the slave's address: Predis' exception, shown by PHP as a fatal error
  const down = await get(`${url}/guestbook.php?cmd=get&key=messages`);
  assert.equal(down.status, 200);
  assert.match(down.body, new RegExp(`<b>Fatal error</b>:  Uncaught Predis\\\\Connection\\\\ConnectionException: Connection refused \\[tcp://127\\.0\\.0\\.4:${redisPort}\\]`));
  // a request without key: PHP 5's notice, then the page goes on with an empty key
  const noKey = await get(`${url}/guestbook.php?cmd=set&value=b`);
  assert.match(noKey.body, /^<br \/>\n<b>Notice<\/b>:  Undefined index: key in <b>\/var\/www\/html\/guestbook\.php<\/b> on line <b>\d+<\/b><br \/>\n\{"message": "Updated"\}$/);
  const info = await get(`${url}/guestbook.php`);
  assert.match(info.body, /PHP Version 5\.6\.40/);
  assert.match(info.body, /REDIS_MASTER_SERVICE_HOST/);
});

test('guestbook frontend with GET_HOSTS_FROM=dns asks for the Services by name', async (t) => {
  const { url } = await frontend(t, ['--redis-port', '6379'], { GET_HOSTS_FROM: 'dns' });
  // this host's resolver does not know the cluster's Service names
  const r = await get(`${url}/guestbook.php?cmd=get&key=messages`);
  assert.match(r.body, /Uncaught Predis\\Connection\\ConnectionException: .*\[tcp:\/\/redis-follower:6379\]/);
  const w = await get(`${url}/guestbook.php?cmd=set&key=messages&value=x`);
  assert.match(w.body, /\[tcp:\/\/redis-leader:6379\]/);
});

test('the catalog maps the guestbook images to the frontend and the follower', () => {
  const catalog = new ImageCatalog();
  const leader = ['us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5', 'gcr.io/google_samples/gb-frontend:v5', 'gcr.io/google-samples/gb-frontend:v5'];
  for (const image of leader) {
    const { entrypoint, env } = catalog.resolve(image, false);
    assert.match(entrypoint.join(' '), /^node \S+\/guestbook-frontend\.cjs --names leader$/, image);
    assert.equal(env?.PHP_VERSION, '7.4.7', image);
  }
  for (const image of ['gcr.io/google-samples/gb-frontend:v4', 'gcr.io/google_samples/gb-frontend:v4', 'kubeguide/guestbook-php-frontend', 'kubeguide/guestbook-php-frontend:latest']) {
    assert.match(catalog.resolve(image, false).entrypoint.join(' '), /^node \S+\/guestbook-frontend\.cjs --names master$/, image);
  }
  // the followers' run.sh: a replica of the leader found by Service environment or by DNS name
  const runs = [
    ['us-docker.pkg.dev/google-samples/containers/gke/gb-redis-follower:v2', 'REDIS_LEADER_SERVICE_HOST', 'redis-leader', '--replicaof'],
    ['gcr.io/google_samples/gb-redis-follower:v2', 'REDIS_LEADER_SERVICE_HOST', 'redis-leader', '--replicaof'],
    ['gcr.io/google_samples/gb-redisslave:v3', 'REDIS_MASTER_SERVICE_HOST', 'redis-master', '--slaveof'],
  ] as const;
  for (const [image, variable, name, flag] of runs) {
    const script = catalog.resolve(image, false).entrypoint[2].replace('exec node', 'echo node');
    for (const [env, master] of [[{ GET_HOSTS_FROM: 'env', [variable]: '10.96.0.7' }, '10.96.0.7'], [{}, name]] as const) {
      const out = execFileSync('sh', ['-c', script], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
      assert.match(out.trim(), new RegExp(`redis\\.cjs ${flag} ${master.replaceAll('.', '\\.')} 6379$`), image);
    }
  }
  // the tutorial's leader is redis 6.0.5, logging as redis 6 does
  assert.equal(catalog.resolve('docker.io/redis:6.0.5', false).env?.REDIS_VERSION, '6.0.5');
  assert.match(catalog.resolve('registry.k8s.io/redis@sha256:cb111d1bd870a6a471385a4a69ad17469d326e9dd91e0e455350cacf36e1b3ee', false).entrypoint.join(' '), /redis\.cjs$/);
});
