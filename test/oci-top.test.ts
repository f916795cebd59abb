// End-to-end on `tskube up --runtime oci` with the real kubectl: `kubectl top` measures runc
// containers from the cgroups runc made (a CPU burner limited to 100m reads about a tenth of a
// core), an image reference that does not parse is InvalidImageName as the kubelet words it, the
// node agents' image GC is wired with its flags (a 1 % high threshold cannot be met: the kubelet's
// FreeDiskSpaceFailed warning on the Node), and `tskube images rm` of a running pod's image keeps
// the files the container runs from until the container is removed, as containerd does.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUSYBOX_STATIC, DOCKER_REGISTRY, KUBECTL, describeNeeding, requireTool, ROOT, RUNC } from '../src/testing/system-tools.js';
import { CNI_PLUGINS } from '../src/network/testing/cni-tool.js';
import { buildBusyboxImage, pushImage, startRegistry, type TestRegistry } from '../src/runtime/oci/testing/index.js';
import { kubectl, parseTable, startCluster, waitFor, type Cluster } from './harness.js';

const run = promisify(execFile);
const REPO_ROOT = new URL('..', import.meta.url).pathname;
const millicores = (s: string | undefined) => Number(/^(\d+)m$/.exec(s ?? '')?.[1] ?? NaN);

describeNeeding('kubectl top, InvalidImageName, image GC and images rm on tskube up --runtime oci', { timeout: 10 * 60_000, ...requireTool(ROOT, RUNC, DOCKER_REGISTRY, BUSYBOX_STATIC, KUBECTL, CNI_PLUGINS) }, () => {
  let reg: TestRegistry;
  let cluster: Cluster;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tskube-oci-top-'));
    reg = await startRegistry();
    await pushImage(reg.host, 'library/busybox:latest', await buildBusyboxImage());
    writeFileSync(join(dir, 'registries.yaml'), `mirrors:\n  docker.io:\n    endpoint: ["http://${reg.host}"]\n`);
    cluster = await startCluster({
      nodes: 1,
      extraArgs: ['--runtime', 'oci', '--registries', join(dir, 'registries.yaml'), '--image-gc-high-threshold', '1', '--image-gc-low-threshold', '0'],
    });
    await waitFor(async () => /\bReady\b/.test((await kubectl(cluster, ['get', 'nodes', '--no-headers'])).stdout), 'host01 Ready', 480);
  }, { timeout: 3 * 60_000 });

  after(async () => {
    await cluster?.stop();
    await reg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  const k = (...args: string[]) => kubectl(cluster, args);
  const apply = async (yaml: string) => {
    const r = await kubectl(cluster, ['apply', '-f', '-'], { input: yaml });
    assert.equal(r.code, 0, r.stderr);
  };

  it('kubectl top pod: a CPU burner limited to 100m uses about a tenth of a core', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: burner}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: burn
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'while :; do :; done']
    resources: {limits: {cpu: 100m, memory: 32Mi}}
`);
    await waitFor(async () => parseTable((await k('get', 'pod', 'burner')).stdout).rows[0]?.STATUS === 'Running', 'burner Running', 480);
    // Rates settle over a scrape window or two: poll until a reading within 50m–200m, and keep the last one seen.
    let last = '';
    const cpu = await waitFor(async () => {
      const r = await k('top', 'pod', 'burner', '--no-headers');
      last = r.stdout + r.stderr;
      const m = millicores(r.stdout.trim().split(/\s+/)[1]);
      return m >= 50 && m <= 200 ? m : undefined;
    }, 'kubectl top pod burner within 50m–200m', 480, 500).catch((e: Error) => { throw new Error(`${e.message}; last: ${last}`); });
    assert.ok(cpu >= 50 && cpu <= 200);
    const containers = parseTable((await k('top', 'pod', 'burner', '--containers')).stdout).rows;
    assert.deepEqual(containers.map((r) => [r.POD, r.NAME]), [['burner', 'burn']]);
  });

  it('an image reference that does not parse is InvalidImageName, as the kubelet words it', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: badref}
spec:
  containers:
  - name: c
    image: "busybox::1"
`);
    const row = await waitFor(async () => {
      const r = parseTable((await k('get', 'pod', 'badref')).stdout).rows[0];
      return r?.STATUS === 'InvalidImageName' ? r : undefined;
    }, 'badref InvalidImageName', 480);
    assert.equal(row.READY, '0/1');
    const pod = JSON.parse((await k('get', 'pod', 'badref', '-o', 'json')).stdout);
    const message = 'Failed to apply default image tag "busybox::1": couldn\'t parse image reference "busybox::1": invalid reference format';
    assert.deepEqual(pod.status.containerStatuses[0].state, { waiting: { reason: 'InvalidImageName', message } });
    const events = await waitFor(async () => {
      const out = (await k('get', 'events', '--field-selector', 'involvedObject.name=badref', '-o', 'json')).stdout;
      const items = JSON.parse(out).items as { type: string; reason: string; message: string }[];
      return items.some((e) => e.reason === 'InspectFailed') && items.some((e) => e.reason === 'Failed') ? items : undefined;
    }, 'InspectFailed and Failed events', 120);
    assert.ok(events.some((e) => e.type === 'Warning' && e.reason === 'InspectFailed' && e.message === message));
    assert.ok(events.some((e) => e.type === 'Warning' && e.reason === 'Failed' && e.message === 'Error: InvalidImageName'));
    assert.ok(!events.some((e) => e.reason === 'Pulling'), 'nothing is pulled');
  });

  it('image GC runs with its flags: a 1 % high threshold cannot be met, FreeDiskSpaceFailed on the Node', async () => {
    const ev = await waitFor(async () => {
      const out = (await k('get', 'events', '--field-selector', 'involvedObject.kind=Node,reason=FreeDiskSpaceFailed', '-o', 'json')).stdout;
      return (JSON.parse(out).items as { type: string; message: string; involvedObject: { name: string }; source: { component: string } }[])[0];
    }, 'FreeDiskSpaceFailed event', 120);
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.involvedObject.name, 'host01');
    assert.equal(ev.source.component, 'kubelet');
    assert.match(ev.message, /^Failed to garbage collect required amount of images\. Attempted to free \d+ bytes, but only found \d+ bytes eligible to free\.$/);
  });

  it('tskube images rm of a running pod\'s image: gone from the list, its files stay until the container is removed', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: holder}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sleep, '3600']
`);
    await waitFor(async () => parseTable((await k('get', 'pod', 'holder')).stdout).rows[0]?.STATUS === 'Running', 'holder Running', 480);
    const tskube = (...args: string[]) => run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), 'images', ...args, '--data-dir', cluster.dataDir], { cwd: REPO_ROOT });
    const rootfsDir = join(cluster.dataDir, 'nodes', 'host01', 'images', 'rootfs');
    const before = readdirSync(rootfsDir).filter((d) => !d.startsWith('.'));
    assert.equal(before.length, 1);
    const rm = await tskube('rm', 'busybox');
    assert.equal(rm.stdout, 'Deleted: docker.io/library/busybox:latest\n');
    assert.match(rm.stderr, /^note: image docker\.io\/library\/busybox:latest is in use by container [0-9a-f]{64}(, [0-9a-f]{64})*: its files stay until (the container is|those containers are) removed\n$/);
    assert.doesNotMatch((await tskube('ls')).stdout, /busybox/);
    // the running container still runs from the image's files
    const ex = await k('exec', 'holder', '--', 'busybox', 'true');
    assert.equal(ex.code, 0, ex.stderr);
    assert.ok(existsSync(join(rootfsDir, before[0]!)));
    // the burner's container used the image too: once both pods are gone, so are the files
    assert.equal((await k('delete', 'pod', 'holder', 'burner', '--wait=true')).code, 0);
    await waitFor(async () => !existsSync(join(rootfsDir, before[0]!)), 'the image\'s root filesystem removed with its last container', 240);
  });
});
