// End-to-end: the oci runtime's image store against a real registry (Debian's docker-registry on
// 127.0.0.1) holding busybox-static images pushed through the distribution API, and `tskube images`.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUSYBOX_STATIC, DOCKER_REGISTRY, describeNeeding, requireTool } from '../src/testing/system-tools.js';
import { buildBusyboxImage, pushImage, pushIndex, startRegistry, writeDockerSaveTar, writeOciLayoutTar, type TestImage, type TestRegistry } from '../src/runtime/oci/testing/index.js';
import { ImageStore, OciImageService, imageInfoOf } from '../src/runtime/oci/image/index.js';
import { ImagePullError } from '../src/runtime/types.js';

const run = promisify(execFile);

describeNeeding('oci images from a real registry', { timeout: 5 * 60_000, ...requireTool(DOCKER_REGISTRY, BUSYBOX_STATIC) }, () => {
  let reg: TestRegistry;
  let priv: TestRegistry;
  let dir: string;
  let base: TestImage;
  let web: TestImage;
  let store: ImageStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-oci-images-'));
    [reg, priv] = await Promise.all([startRegistry(), startRegistry({ htpasswd: { user: 'alice', password: 'wonderland' } })]);
    base = await buildBusyboxImage({ env: { GREETING: 'hello' }, workingDir: '/tmp', user: '1000' });
    web = await buildBusyboxImage({
      entrypoint: ['/bin/httpd', '-f'],
      cmd: ['-p', '8080'],
      extraLayers: [[{ name: 'www', type: 'directory' }, { name: 'www/index.html', content: 'hi from layer 2\n' }, { name: 'etc/.wh.group' }]],
    });
    await pushImage(reg.host, 'library/busybox:1.36', base);
    await pushImage(reg.host, 'team/web:v1', web);
    await pushImage(priv.host, 'secret/busybox:1', base, { username: 'alice', password: 'wonderland' });
    store = new ImageStore({ root: join(dir, 'images') });
  }, { timeout: 120_000 });

  after(async () => {
    await Promise.all([reg?.stop(), priv?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('pulls by tag: config, names, and a rootfs with busybox that runs', async () => {
    const img = await store.pull(`${reg.host}/library/busybox:1.36`);
    assert.equal(img.id, base.config.digest);
    assert.deepEqual(img.repoTags, [`${reg.host}/library/busybox:1.36`]);
    assert.deepEqual(img.repoDigests, [`${reg.host}/library/busybox@${base.manifest.digest}`]);
    assert.equal(img.config.env.GREETING, 'hello');
    assert.equal(img.config.workingDir, '/tmp');
    assert.deepEqual(img.config.cmd, ['sh']);
    const info = imageInfoOf(img, `${reg.host}/library/busybox:1.36`);
    assert.deepEqual(info.user, { uid: 1000 });
    assert.equal(info.imageID, `${reg.host}/library/busybox@${base.manifest.digest}`);
    const rootfs = await store.rootfsOf(img);
    const { stdout } = await run(join(rootfs, 'bin/busybox'), ['--help']).catch((e: { stdout: string }) => e);
    assert.match(stdout, /BusyBox v1\./);
    assert.equal((await stat(join(rootfs, 'bin/sh'))).isFile(), true);
    assert.match(await readFile(join(rootfs, 'etc/passwd'), 'utf8'), /^app:x:1000/m);
    assert.equal(store.get('sha256:' + img.id.slice(7))?.id, img.id);
    assert.equal(store.get(img.id.slice(7, 19))?.id, img.id);
  });

  it('pulls by digest, and the same image by digest is one image with both names', async () => {
    const img = await store.pull(`${reg.host}/library/busybox@${base.manifest.digest}`);
    assert.equal(img.id, base.config.digest);
    assert.equal(store.list().filter((i) => i.id === base.config.digest).length, 1);
    assert.equal(store.get(`${reg.host}/library/busybox@${base.manifest.digest}`)?.id, img.id);
  });

  it('a 2-layer image shares its base layer with the other image; its whiteout removes a lower file', async () => {
    const img = await store.pull(`${reg.host}/team/web:v1`);
    assert.equal(img.layers.length, 2);
    const first = store.get(`${reg.host}/library/busybox:1.36`)!;
    assert.equal(img.layers[0], first.layers[0]);
    const blobs = await readdir(join(dir, 'images/blobs/sha256'));
    assert.equal(blobs.filter((b) => b === img.layers[0]!.slice(7)).length, 1);
    assert.deepEqual(img.config.entrypoint, ['/bin/httpd', '-f']);
    const rootfs = await store.rootfsOf(img);
    assert.equal(await readFile(join(rootfs, 'www/index.html'), 'utf8'), 'hi from layer 2\n');
    await assert.rejects(stat(join(rootfs, 'etc/group')));
    // removing one image keeps the shared layer for the other
    await store.remove(`${reg.host}/team/web:v1`);
    assert.equal(store.get(`${reg.host}/team/web:v1`), undefined);
    await stat(store.blobPath(first.layers[0]!));
    await assert.rejects(stat(store.blobPath(img.layers[1]!)));
  });

  it('an index resolves to this machine\'s platform; concurrent pulls of it are done once', async () => {
    const arm = await buildBusyboxImage({ architecture: 'arm64', env: { ARCH: 'arm64' } });
    const amd = await buildBusyboxImage({ architecture: 'amd64', env: { ARCH: 'amd64' } });
    const other = process.arch === 'arm64' ? amd : arm;
    const mine = process.arch === 'arm64' ? arm : amd;
    const indexDigest = await pushIndex(reg.host, 'multi/bb:1', [other, mine]);
    const [a, b] = await Promise.all([store.pull(`${reg.host}/multi/bb:1`), store.pull(`${reg.host}/multi/bb:1`)]);
    assert.equal(a, b);
    assert.equal(a.id, mine.config.digest);
    assert.deepEqual(a.repoDigests, [`${reg.host}/multi/bb@${indexDigest}`]);
    assert.equal(a.manifestDigest, mine.manifest.digest);
  });

  it('a basic-auth registry works with credentials and fails without, worded as containerd', async () => {
    const ref = `${priv.host}/secret/busybox:1`;
    await assert.rejects(store.pull(ref), (err: Error) => {
      assert.ok(err instanceof ImagePullError);
      assert.equal(err.message, `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": unexpected status from HEAD request to http://${priv.host}/v2/secret/busybox/manifests/1: 401 Unauthorized`);
      return true;
    });
    await assert.rejects(store.pull(ref, { username: 'alice', password: 'nope' }), /401 Unauthorized/);
    const svc = new OciImageService(store);
    const imageRef = await svc.pullImage(ref, { auth: Buffer.from('alice:wonderland').toString('base64') });
    assert.equal(imageRef, `${priv.host}/secret/busybox@${base.manifest.digest}`);
    assert.deepEqual((await svc.imageStatus(ref))?.repoTags.includes(ref), true);
  });

  it('a wrong name fails with a clear message', async () => {
    const ref = `${reg.host}/library/nonexistent:latest`;
    await assert.rejects(store.pull(`${reg.host}/library/nonexistent`), (err: Error) => {
      assert.ok(err instanceof ImagePullError);
      assert.equal(err.message, `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`);
      return true;
    });
    await assert.rejects(store.pull(`${reg.host}/library/busybox:nosuchtag`), /: not found$/);
    await assert.rejects(store.pull('127.0.0.1:1/x'), /failed to do request: Head "http:\/\/127\.0\.0\.1:1\/v2\/x\/manifests\/latest": dial tcp 127\.0\.0\.1:1: connect: connection refused/);
  });

  it('imports a docker save tarball and an OCI layout, then gets them by name', async () => {
    const saved = await buildBusyboxImage({ cmd: ['echo', 'imported'], format: 'docker' });
    await writeDockerSaveTar(saved, join(dir, 'save.tar'), 'myapp:1.0');
    const [img] = await store.importTar(join(dir, 'save.tar'));
    assert.equal(img!.id, saved.config.digest);
    assert.equal(store.get('myapp:1.0')?.id, saved.config.digest);
    assert.equal(store.get('docker.io/library/myapp:1.0')?.id, saved.config.digest);
    assert.deepEqual(store.get('myapp:1.0')!.config.cmd, ['echo', 'imported']);
    assert.match(await readFile(join(await store.rootfsOf(img!), 'etc/passwd'), 'utf8'), /^root:/);

    const layout = await buildBusyboxImage({ cmd: ['echo', 'oci'], extraLayers: [[{ name: 'x', content: 'y' }]] });
    await writeOciLayoutTar(layout, join(dir, 'oci.tar'), 'registry.example.com/team/app:2');
    const [o] = await store.importTar(join(dir, 'oci.tar'));
    assert.equal(o!.id, layout.config.digest);
    assert.deepEqual(store.get('registry.example.com/team/app:2')?.repoDigests, [`registry.example.com/team/app@${layout.manifest.digest}`]);
    assert.equal(await readFile(join(await store.rootfsOf(o!), 'x'), 'utf8'), 'y');
  });
});

describeNeeding('tskube images import, ls and rm', { timeout: 3 * 60_000, ...requireTool(BUSYBOX_STATIC) }, () => {
  let dir: string;
  const tskube = (args: string[]) => run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'src/cli/main.ts'), 'images', ...args, '--data-dir', dir]);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-images-cli-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('imports a docker save tarball into the first node, lists it as crictl does, removes it', async () => {
    const img = await buildBusyboxImage({ cmd: ['echo', 'cli'] });
    await writeDockerSaveTar(img, join(dir, 'app.tar'), 'myapp:2.0');
    const imported = await tskube(['import', join(dir, 'app.tar')]);
    assert.equal(imported.stdout, 'Loaded image: docker.io/library/myapp:2.0\n');
    // the node's store is where the oci runtime of `tskube up`'s first node looks
    const store = new ImageStore({ root: join(dir, 'nodes', 'host01', 'images') });
    assert.equal(store.get('myapp:2.0')?.id, img.config.digest);
    const ls = await tskube(['ls']);
    const lines = ls.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/);
    assert.match(lines[1]!, new RegExp(`^docker\\.io/library/myapp\\s+2\\.0\\s+${img.config.digest.slice(7, 20)}\\s+\\d+(\\.\\d+)?[kM]B$`));
    const removed = await tskube(['rm', 'myapp:2.0']);
    assert.equal(removed.stdout, 'Deleted: docker.io/library/myapp:2.0\n');
    assert.equal(store.get('myapp:2.0'), undefined);
    await assert.rejects(tskube(['rm', 'myapp:2.0']), (err: { stderr: string; code: number }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /no such image "docker\.io\/library\/myapp:2\.0" present/);
      return true;
    });
  });
});
