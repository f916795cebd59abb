import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { BUSYBOX_STATIC, DOCKER_REGISTRY, describeNeeding, requireTool } from '../../../testing/system-tools.js';
import { buildBusyboxImage, pushImage, pushIndex, sha256Digest, startRegistry, writeDockerSaveTar, writeOciLayoutTar, type TestRegistry } from './index.js';

async function tarNames(tar: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const ex = extract();
  ex.end(tar);
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.set(entry.header.name, Buffer.concat(chunks));
  }
  return out;
}

describeNeeding('busybox test image', requireTool(BUSYBOX_STATIC), () => {
  test('one gzip layer with busybox, its applets, passwd and the config', async () => {
    const img = await buildBusyboxImage({ env: { A: '1' }, user: '1000' });
    assert.equal(img.layers.length, 1);
    const files = await tarNames(gunzipSync(img.layers[0]!.data));
    assert.ok(files.get('bin/busybox')!.length > 100_000);
    assert.ok(files.has('bin/sh') && files.has('bin/id'));
    assert.match(files.get('etc/passwd')!.toString(), /^app:x:1000:1000:/m);
    const config = JSON.parse(img.config.data.toString());
    assert.deepEqual(config.config.Cmd, ['sh']);
    assert.deepEqual(config.config.Env.slice(1), ['A=1']);
    assert.equal(config.config.User, '1000');
    assert.equal(config.rootfs.diff_ids[0], sha256Digest(img.layers[0]!.tar));
    assert.equal(img.manifest.digest, sha256Digest(img.manifest.data));
  });

  test('the base layer is identical between images (layers are shared)', async () => {
    const a = await buildBusyboxImage();
    const b = await buildBusyboxImage({ extraLayers: [[{ name: 'hello.txt', content: 'hi' }]], cmd: ['cat', '/hello.txt'] });
    assert.equal(b.layers.length, 2);
    assert.equal(a.layers[0]!.digest, b.layers[0]!.digest);
    assert.notEqual(a.manifest.digest, b.manifest.digest);
  });

  test('docker save and OCI layout tarballs hold manifest, config and layers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tskube-tarball-'));
    try {
      const img = await buildBusyboxImage();
      await writeDockerSaveTar(img, join(dir, 'save.tar'), 'example.com/bb:1');
      const save = await tarNames(await readFile(join(dir, 'save.tar')));
      const manifest = JSON.parse(save.get('manifest.json')!.toString());
      assert.deepEqual(manifest[0].RepoTags, ['example.com/bb:1']);
      assert.ok(save.has(manifest[0].Layers[0]));
      await writeOciLayoutTar(img, join(dir, 'oci.tar'), 'example.com/bb:1');
      const oci = await tarNames(await readFile(join(dir, 'oci.tar')));
      const index = JSON.parse(oci.get('index.json')!.toString());
      assert.equal(index.manifests[0].digest, img.manifest.digest);
      assert.ok(oci.has(`blobs/sha256/${img.layers[0]!.digest.slice(7)}`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describeNeeding('test registry', requireTool(DOCKER_REGISTRY, BUSYBOX_STATIC), () => {
  let open: TestRegistry;
  let closed: TestRegistry;
  before(async () => {
    [open, closed] = await Promise.all([startRegistry(), startRegistry({ htpasswd: { user: 'alice', password: 's3cret' } })]);
  });
  after(async () => {
    await Promise.all([open?.stop(), closed?.stop()]);
  });

  test('push an image, then fetch its manifest by tag', async () => {
    const img = await buildBusyboxImage();
    const digest = await pushImage(open.host, 'library/busybox:1.0', img);
    const res = await fetch(`http://${open.host}/v2/library/busybox/manifests/1.0`, { headers: { accept: img.manifest.mediaType } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), digest);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), img.manifest.data);
  });

  test('push an index over two platforms', async () => {
    const amd = await buildBusyboxImage({ architecture: 'amd64' });
    const arm = await buildBusyboxImage({ architecture: 'arm64' });
    const digest = await pushIndex(open.host, 'multi:latest', [amd, arm]);
    const res = await fetch(`http://${open.host}/v2/multi/manifests/latest`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
    assert.equal(res.headers.get('docker-content-digest'), digest);
    const index = await res.json();
    assert.deepEqual(index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture), ['amd64', 'arm64']);
  });

  test('a registry with htpasswd refuses anonymous pushes and takes the user', async () => {
    const img = await buildBusyboxImage();
    await assert.rejects(pushImage(closed.host, 'private/bb:1', img), /401/);
    await pushImage(closed.host, 'private/bb:1', img, { username: 'alice', password: 's3cret' });
    const res = await fetch(`http://${closed.host}/v2/private/bb/manifests/1`, {
      headers: { accept: img.manifest.mediaType, authorization: 'Basic ' + Buffer.from('alice:s3cret').toString('base64') },
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  });
});
