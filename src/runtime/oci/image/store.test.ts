import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../util/clock.js';
import { ImagePullError } from '../../types.js';
import { imageOf, indexOf, layerOf, tarOf, type Blob, type TestImage } from '../testing/image-builder.js';
import { ImageStore } from './store.js';

// A fake registry in this process (no docker-registry needed): it serves manifests and blobs from
// memory, can demand a bearer token from its own realm, and can corrupt one blob.
interface FakeRegistry {
  host: string;
  blobs: Map<string, Buffer>;
  manifests: Map<string, Blob>;
  requests: string[];
  corrupt?: string;
  tokenUser?: string;
  close(): Promise<void>;
}

async function fakeRegistry(o: { bearer?: { user: string; password: string }; tls?: { key: Buffer; cert: Buffer } } = {}): Promise<FakeRegistry> {
  const reg = { blobs: new Map(), manifests: new Map(), requests: [] as string[] } as unknown as FakeRegistry;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url!, 'http://x');
    reg.requests.push(`${req.method} ${url.pathname}`);
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== 'id-token-of-bob') return void res.writeHead(401).end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `tok:${form.get('scope')}` }));
      });
      return;
    }
    if (url.pathname === '/token') {
      const expected = o.bearer ? 'Basic ' + Buffer.from(`${o.bearer.user}:${o.bearer.password}`).toString('base64') : undefined;
      if (req.headers.authorization !== expected) return void res.writeHead(401).end();
      assert.equal(url.searchParams.get('service'), 'fake');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `tok:${url.searchParams.get('scope')}` }));
      return;
    }
    if (o.bearer && req.headers.authorization !== 'Bearer tok:repository:app:pull') {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${reg.host}/token",service="fake",scope="repository:app:pull"`, 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (!m) return void res.writeHead(404).end();
    if (m[2] === 'manifests') {
      const man = reg.manifests.get(`${m[1]}:${m[3]}`) ?? [...reg.manifests.values()].find((x) => x.digest === m[3]);
      if (!man) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': man.mediaType, 'docker-content-digest': man.digest, 'content-length': man.data.length });
      return void res.end(req.method === 'HEAD' ? undefined : man.data);
    }
    let data = reg.blobs.get(m[3]!);
    if (!data) return void res.writeHead(404).end();
    if (reg.corrupt === m[3]) data = Buffer.from(data.map((b, i) => (i === 100 ? b ^ 0xff : b)));
    res.writeHead(200, { 'content-length': data.length }).end(data);
  };
  const server: Server = o.tls ? createHttpsServer(o.tls, handler) : createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  reg.host = `127.0.0.1:${addr.port}`;
  reg.close = () => new Promise((r) => server.close(() => r()));
  return reg;
}

function publish(reg: FakeRegistry, repoTag: string, img: TestImage): void {
  for (const b of [img.config, ...img.layers]) reg.blobs.set(b.digest, b.data);
  const [repo, tag] = repoTag.split(':');
  reg.manifests.set(`${repo}:${tag}`, img.manifest);
  reg.manifests.set(`${repo}:${img.manifest.digest}`, img.manifest);
}

async function smallImage(content: string, arch?: string): Promise<TestImage> {
  const layer = layerOf(await tarOf([{ name: 'bin', type: 'directory' }, { name: 'bin/hello', content, mode: 0o755 }]), 'oci', 'gzip');
  return imageOf([layer], { cmd: ['/bin/hello'], ...(arch ? { architecture: arch } : {}) });
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tskube-store-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a blob whose content does not match its digest is refused and not kept', async () => {
  const reg = await fakeRegistry();
  try {
    const img = await smallImage('x'.repeat(5000));
    publish(reg, 'app:1', img);
    reg.corrupt = img.layers[0]!.digest;
    const store = new ImageStore({ root: join(dir, 'mismatch') });
    await assert.rejects(store.pull(`${reg.host}/app:1`), (err: Error) => {
      assert.ok(err instanceof ImagePullError);
      assert.match(err.message, new RegExp(`^failed to pull and unpack image "${reg.host}/app:1": failed commit on ref "layer-${img.layers[0]!.digest}": unexpected commit digest sha256:[a-f0-9]{64}, expected ${img.layers[0]!.digest}: failed precondition$`));
      return true;
    });
    assert.equal(store.list().length, 0);
    assert.ok(!(await readdir(join(dir, 'mismatch/blobs/sha256'))).includes(img.layers[0]!.digest.slice(7)));
    reg.corrupt = undefined;
    assert.equal((await store.pull(`${reg.host}/app:1`)).id, img.config.digest);
  } finally {
    await reg.close();
  }
});

test('bearer token challenge: the token is fetched from the realm with the credentials', async () => {
  const reg = await fakeRegistry({ bearer: { user: 'bob', password: 'pw' } });
  try {
    const img = await smallImage('token');
    publish(reg, 'app:1', img);
    const store = new ImageStore({ root: join(dir, 'bearer') });
    await assert.rejects(store.pull(`${reg.host}/app:1`), /failed to fetch anonymous token: unexpected status from GET request to http:\/\/127\.0\.0\.1:\d+\/token\?service=fake&scope=repository%3Aapp%3Apull: 401 Unauthorized/);
    const got = await store.pull(`${reg.host}/app:1`, { username: 'bob', password: 'pw' });
    assert.equal(got.id, img.config.digest);
    // an identity token (docker login's refresh token) is traded for an access token by POST
    const other = new ImageStore({ root: join(dir, 'bearer-identity') });
    assert.equal((await other.pull(`${reg.host}/app:1`, { identityToken: 'id-token-of-bob' })).id, img.config.digest);
  } finally {
    await reg.close();
  }
});

test('concurrent pulls of one image download each blob once; an index resolves to linux/amd64 on x64', async () => {
  const reg = await fakeRegistry();
  try {
    const amd = await smallImage('amd', 'amd64');
    const arm = await smallImage('arm', 'arm64');
    const index = indexOf([arm, amd], 'docker');
    for (const i of [amd, arm]) publish(reg, `multi:${i.manifest.digest}`, i);
    reg.manifests.set('multi:latest', index);
    const store = new ImageStore({ root: join(dir, 'once') });
    const pulls = await Promise.all([1, 2, 3].map(() => store.pull(`${reg.host}/multi`)));
    const want = process.arch === 'arm64' ? arm : amd;
    assert.ok(pulls.every((p) => p.id === want.config.digest));
    assert.equal(reg.requests.filter((r) => r === `GET /v2/multi/blobs/${want.layers[0]!.digest}`).length, 1);
    assert.deepEqual(pulls[0]!.repoDigests, [`${reg.host}/multi@${index.digest}`]);
  } finally {
    await reg.close();
  }
});

test('mirrors from registries.yaml are tried first, with their own credentials', async () => {
  const mirror = await fakeRegistry();
  try {
    const img = await smallImage('mirrored');
    publish(mirror, 'library/busybox:1', img);
    const file = join(dir, 'registries.yaml');
    await writeFile(file, `mirrors:\n  docker.io:\n    endpoint: ["http://${mirror.host}"]\n`);
    const store = new ImageStore({ root: join(dir, 'mirror'), registriesFile: file });
    const got = await store.pull('busybox:1');
    assert.equal(got.id, img.config.digest);
    assert.deepEqual(got.repoTags, ['docker.io/library/busybox:1']);
  } finally {
    await mirror.close();
  }
});

test('image GC: above the high threshold, unused images go least recently used first, down to the low threshold, none younger than imageMinimumGCAge', async () => {
  const reg = await fakeRegistry();
  try {
    const clock = new FakeClock();
    let available = 1999;
    const store = new ImageStore({ root: join(dir, 'gc'), clock, fsStats: async () => ({ capacityBytes: 10_000, availableBytes: available }) });
    const imgs: TestImage[] = [];
    for (const n of ['a', 'b', 'c', 'd']) {
      const img = await smallImage(n.repeat(3000));
      imgs.push(img);
      publish(reg, `${n}:1`, img);
      await store.pull(`${reg.host}/${n}:1`);
      await clock.step(60_000);
    }
    const inUse = new Set([`${reg.host}/a:1`]);
    const [a, b, c, d] = imgs.map((i) => i.config.digest);
    // 81% used, high 80, low 80: 1 byte to free, so only the least recently used unused image goes ("a" is in use)
    assert.deepEqual(await store.garbageCollect({ highThresholdPercent: 80, lowThresholdPercent: 80, inUse }), [b]);
    // nearly full: all unused images older than 2 minutes go; "d" was pulled a minute ago
    available = 50;
    assert.deepEqual(await store.garbageCollect({ highThresholdPercent: 85, lowThresholdPercent: 80, inUse }), [c]);
    await clock.step(120_000);
    assert.deepEqual(await store.garbageCollect({ highThresholdPercent: 85, lowThresholdPercent: 80, inUse }), [d]);
    assert.deepEqual(store.list().map((i) => i.id), [a]);
    available = 9000;
    assert.deepEqual(await store.garbageCollect({ highThresholdPercent: 85, lowThresholdPercent: 80, inUse: new Set() }), []);
  } finally {
    await reg.close();
  }
});

test('removing an image a container uses keeps its root filesystem until the container releases it, as containerd keeps its snapshots', async () => {
  const reg = await fakeRegistry();
  try {
    const store = new ImageStore({ root: join(dir, 'held') });
    const img = await smallImage('held');
    publish(reg, 'held:1', img);
    const got = await store.pull(`${reg.host}/held:1`);
    const rootfs = await store.rootfsOf(got);
    await store.holdRootfs(got.id, 'c1');
    await store.holdRootfs(got.id, 'c2');
    assert.deepEqual(await store.remove(`${reg.host}/held:1`), ['c1', 'c2']);
    assert.equal(store.get(`${reg.host}/held:1`), undefined);
    assert.equal(await readFile(join(rootfs, 'bin/hello'), 'utf8'), 'held');
    await store.releaseRootfs(got.id, 'c1');
    assert.equal(await readFile(join(rootfs, 'bin/hello'), 'utf8'), 'held');
    await store.releaseRootfs(got.id, 'c2');
    await assert.rejects(readFile(join(rootfs, 'bin/hello')), { code: 'ENOENT' });
    // an image still listed keeps its root filesystem when its last container goes
    const again = await store.pull(`${reg.host}/held:1`);
    const rootfs2 = await store.rootfsOf(again);
    await store.holdRootfs(again.id, 'c3');
    await store.releaseRootfs(again.id, 'c3');
    assert.equal(await readFile(join(rootfs2, 'bin/hello'), 'utf8'), 'held');
    assert.deepEqual(await store.remove(again.id), []);
    await assert.rejects(readFile(join(rootfs2, 'bin/hello')), { code: 'ENOENT' });
    // holds of containers that no longer exist are pruned (and the files of a removed image go with them)
    const third = await store.pull(`${reg.host}/held:1`);
    const rootfs3 = await store.rootfsOf(third);
    await store.holdRootfs(third.id, 'live');
    await store.holdRootfs(third.id, 'gone');
    await store.remove(third.id);
    await store.pruneRootfsHolders((h) => h === 'live');
    assert.deepEqual(await store.rootfsHolders(third.id), ['live']);
    assert.equal(await readFile(join(rootfs3, 'bin/hello'), 'utf8'), 'held');
    await store.pruneRootfsHolders(() => false);
    await assert.rejects(readFile(join(rootfs3, 'bin/hello')), { code: 'ENOENT' });
  } finally {
    await reg.close();
  }
});

test("a repository the token does not cover is worded as Docker Hub's: pull access denied, with the server's message", async () => {
  const reg = await fakeRegistry({ bearer: { user: 'bob', password: 'pw' } });
  try {
    const store = new ImageStore({ root: join(dir, 'denied') });
    // the realm gives bob a token for "app" only; "other" stays unauthorized
    await assert.rejects(store.pull(`${reg.host}/other:1`, { username: 'bob', password: 'pw' }), (err: Error) => {
      assert.equal(err.message, `failed to pull and unpack image "${reg.host}/other:1": failed to resolve reference "${reg.host}/other:1": pull access denied, repository does not exist or may require authorization: server message: unauthorized: authentication required`);
      return true;
    });
  } finally {
    await reg.close();
  }
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

test('a TLS registry with a self-signed certificate: refused, then trusted by ca_file or insecure_skip_verify in registries.yaml', { skip: hasOpenssl ? false : 'openssl not installed — apt-get install openssl' }, async () => {
  const tlsDir = join(dir, 'tls');
  execFileSync('mkdir', ['-p', tlsDir]);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', join(tlsDir, 'key.pem'), '-out', join(tlsDir, 'cert.pem')], { stdio: 'ignore' });
  const reg = await fakeRegistry({ tls: { key: await readFile(join(tlsDir, 'key.pem')), cert: await readFile(join(tlsDir, 'cert.pem')) } });
  try {
    const img = await smallImage('tls');
    publish(reg, 'app:1', img);
    const ref = `${reg.host}/app:1`;
    const mirrors = `mirrors:\n  "${reg.host}":\n    endpoint: ["https://${reg.host}"]\n`;
    const plain = join(dir, 'tls-plain.yaml');
    await writeFile(plain, mirrors);
    await assert.rejects(new ImageStore({ root: join(dir, 'tls0'), registriesFile: plain }).pull(ref), /failed to do request: Head "https:\/\/127\.0\.0\.1:\d+\/v2\/app\/manifests\/1": self[- ]signed certificate/);
    const withCa = join(dir, 'tls-ca.yaml');
    await writeFile(withCa, `${mirrors}configs:\n  "${reg.host}":\n    tls:\n      ca_file: ${join(tlsDir, 'cert.pem')}\n`);
    assert.equal((await new ImageStore({ root: join(dir, 'tls1'), registriesFile: withCa }).pull(ref)).id, img.config.digest);
    const insecure = join(dir, 'tls-insecure.yaml');
    await writeFile(insecure, `${mirrors}configs:\n  "${reg.host}":\n    tls:\n      insecure_skip_verify: true\n`);
    assert.equal((await new ImageStore({ root: join(dir, 'tls2'), registriesFile: insecure }).pull(ref)).id, img.config.digest);
  } finally {
    await reg.close();
  }
});
