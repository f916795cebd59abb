import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import { containerMounts, localPathDir, prepareVolumes, teardownVolumes, VolumeMountError, volumesShowPodIP, type VolumeSource } from './volumes.js';
import { requireTool, ROOT } from '../testing/system-tools.js';
import { ContainerConfigError } from './container-env.js';

let root: string;
before(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-volumes-')); });
after(() => { fs.rmSync(root, { recursive: true, force: true }); });

const NODE = { cpu: 4, memory: 8 * 2 ** 30 };

/** source serves ConfigMaps, Secrets (decoded) and claims from plain maps, as clientConfigSource does from the API. */
function source(o: { configMaps?: Record<string, { data?: Record<string, string>; binaryData?: Record<string, string> }>; secrets?: Record<string, Record<string, string>>; claims?: Record<string, string> } = {}): VolumeSource {
  return {
    configMap: async (_ns, name) => o.configMaps?.[name],
    secret: async (_ns, name) => o.secrets?.[name],
    pvcPath: async (_ns, claim) => o.claims?.[claim],
  };
}

const podWith = (volumes: Volume[], extra: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'web', namespace: 'shop', uid: 'uid-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'hi' } },
  spec: { containers: [{ name: 'app', image: 'busybox', resources: { limits: { memory: '64Mi', cpu: '250m' } } }], volumes, ...extra },
});

let n = 0;
/** prepare runs prepareVolumes in a fresh pod directory and returns the host path of each volume. */
async function prepare(volumes: Volume[], src: VolumeSource = source(), pod = podWith(volumes)): Promise<{ paths: Map<string, string>; podDir: string }> {
  const podDir = path.join(root, `pod-${++n}`);
  return { paths: await prepareVolumes(pod, podDir, src, NODE, '10.0.0.5', '192.168.1.2'), podDir };
}

/** tree lists the files a container sees under dir as `relative/path (mode): content` (through the atomic writer's links; its `..` entries hidden). */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d).sort((a, b) => a.localeCompare(b))) {
      if (e.startsWith('..')) continue;
      const p = path.join(d, e);
      if (fs.statSync(p).isDirectory()) walk(p);
      else out.push(`${path.relative(dir, p)} (${(fs.statSync(p).mode & 0o777).toString(8)}): ${fs.readFileSync(p, 'utf8')}`);
    }
  };
  walk(dir);
  return out;
}

async function failsWith(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof VolumeMountError, String(e));
    assert.equal(e.reason, 'FailedMount');
    assert.equal(e.message, message);
    return true;
  });
}

test('configMap volumes: every key, items at their paths, defaultMode and per-item mode, binaryData', async () => {
  const src = source({ configMaps: { cfg: { data: { 'app.conf': 'port=80', 'log.conf': 'level=info' }, binaryData: { 'logo.bin': Buffer.from('PNG').toString('base64') } } } });
  const cases: { name: string; volume: Volume['configMap']; want: string[] }[] = [
    { name: 'all keys, mode 0644', volume: { name: 'cfg' }, want: ['app.conf (644): port=80', 'log.conf (644): level=info', 'logo.bin (644): PNG'] },
    { name: 'defaultMode', volume: { name: 'cfg', defaultMode: 0o400 }, want: ['app.conf (400): port=80', 'log.conf (400): level=info', 'logo.bin (400): PNG'] },
    {
      name: 'items with paths and modes', volume: { name: 'cfg', defaultMode: 0o440, items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }, { key: 'log.conf', path: 'log' }] },
      want: ['conf/app.conf (600): port=80', 'log (440): level=info'],
    },
    { name: 'optional with a missing item key', volume: { name: 'cfg', optional: true, items: [{ key: 'nope', path: 'x' }, { key: 'app.conf', path: 'a' }] }, want: ['a (644): port=80'] },
    { name: 'missing optional configmap: empty directory', volume: { name: 'absent', optional: true }, want: [] },
  ];
  for (const c of cases) {
    const { paths, podDir } = await prepare([{ name: 'config', configMap: c.volume }], src);
    assert.equal(paths.get('config'), path.join(podDir, 'volumes', 'config'), c.name);
    assert.deepEqual(tree(paths.get('config')!), c.want, c.name);
    // the emptyDir it wraps: world-writable root, as the kubelet's
    assert.equal(fs.statSync(paths.get('config')!).mode & 0o7777, 0o777, c.name);
  }
});

test('configMap errors: a missing configmap or key fails the mount with kubelet\'s message', async () => {
  const src = source({ configMaps: { cfg: { data: { a: '1' } } } });
  await failsWith(prepare([{ name: 'config', configMap: { name: 'absent' } }], src), 'MountVolume.SetUp failed for volume "config" : configmap "absent" not found');
  await failsWith(prepare([{ name: 'config', configMap: { name: 'cfg', items: [{ key: 'b', path: 'b' }] } }], src),
    'MountVolume.SetUp failed for volume "config" : configmap references non-existent config key: b');
});

test('secret volumes: decoded data, items, defaultMode; missing secret or key fails the mount', async () => {
  const src = source({ secrets: { creds: { username: 'admin', password: 's3cr3t' } } });
  const all = await prepare([{ name: 'creds', secret: { secretName: 'creds' } }], src);
  assert.deepEqual(tree(all.paths.get('creds')!), ['password (644): s3cr3t', 'username (644): admin']);
  const some = await prepare([{ name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400, items: [{ key: 'password', path: 'db/pass' }] } }], src);
  assert.deepEqual(tree(some.paths.get('creds')!), ['db/pass (400): s3cr3t']);
  const opt = await prepare([{ name: 'creds', secret: { secretName: 'absent', optional: true } }], src);
  assert.deepEqual(tree(opt.paths.get('creds')!), []);
  await failsWith(prepare([{ name: 'creds', secret: { secretName: 'absent' } }], src), 'MountVolume.SetUp failed for volume "creds" : secret "absent" not found');
  await failsWith(prepare([{ name: 'creds', secret: { secretName: 'creds', items: [{ key: 'token', path: 't' }] } }], src),
    'MountVolume.SetUp failed for volume "creds" : references non-existent secret key: token');
});

test('downwardAPI volumes: pod fields, labels and annotations, resource limits with divisors, modes', async () => {
  const { paths } = await prepare([{
    name: 'info', downwardAPI: {
      defaultMode: 0o444,
      items: [
        { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
        { path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } },
        { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' }, mode: 0o400 },
        { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
        { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
        { path: 'mem_mi', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
        { path: 'cpu_m', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } },
        { path: 'cpu_req', resourceFieldRef: { containerName: 'app', resource: 'requests.cpu' } },
      ],
    },
  }]);
  assert.deepEqual(tree(paths.get('info')!), [
    'annotations (444): note="hi"',
    'cpu_m (444): 250',
    'cpu_req (444): 0',
    'labels (400): app="web"\ntier="front"',
    'mem_mi (444): 64',
    'name (444): web',
    'namespace (444): shop',
    'tier (444): front',
    'uid (444): uid-1',
  ]);
  // the Memory emptyDir it wraps: a tmpfs root, drwxrwxrwt in `ls -la`
  assert.equal(fs.statSync(paths.get('info')!).mode & 0o7777, 0o1777);
});

test('emptyDir is a fresh directory of the pod, kept across calls', async () => {
  const { paths, podDir } = await prepare([{ name: 'scratch', emptyDir: {} }, { name: 'mem', emptyDir: { medium: 'Memory' } }]);
  for (const name of ['scratch', 'mem']) {
    const p = paths.get(name)!;
    assert.equal(p, path.join(podDir, 'volumes', name));
    assert.ok(fs.statSync(p).isDirectory());
    assert.deepEqual(fs.readdirSync(p), []);
  }
  // kubelet's emptyDir is world-writable whatever the umask (non-root containers write to it).
  assert.equal(fs.statSync(paths.get('scratch')!).mode & 0o777, 0o777);
  assert.equal(fs.statSync(paths.get('mem')!).mode & 0o7777, 0o1777, 'a Memory emptyDir is a tmpfs root: sticky');
  assert.equal(fs.statSync(paths.get('scratch')!).mode & 0o7777, 0o777);
  fs.writeFileSync(path.join(paths.get('scratch')!, 'data'), 'kept');
  const again = await prepareVolumes(podWith([{ name: 'scratch', emptyDir: {} }]), podDir, source(), NODE, '', '');
  assert.equal(fs.readFileSync(path.join(again.get('scratch')!, 'data'), 'utf8'), 'kept');
  await teardownVolumes(podDir);
});

test('emptyDir medium Memory is a tmpfs (as root), unmounted by teardownVolumes', requireTool(ROOT), async () => {
  const { paths, podDir } = await prepare([{ name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }]);
  const mountpoint = (p: string) => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === p);
  assert.match(mountpoint(paths.get('mem')!) ?? '', / - tmpfs /);
  // A second sync does not mount it again.
  await prepareVolumes(podWith([{ name: 'mem', emptyDir: { medium: 'Memory' } }]), podDir, source(), NODE, '', '');
  assert.equal(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === paths.get('mem')).length, 1);
  await teardownVolumes(podDir);
  assert.equal(mountpoint(paths.get('mem')!), undefined);
});

test('hostPath: the host directory itself; created for "" / DirectoryOrCreate / FileOrCreate; type checks fail', async () => {
  const host = path.join(root, 'host');
  fs.mkdirSync(path.join(host, 'existing'), { recursive: true });
  const cases: { name: string; hp: { path: string; type?: string }; kind?: 'dir' | 'file'; error?: string }[] = [
    { name: 'existing directory', hp: { path: path.join(host, 'existing') }, kind: 'dir' },
    { name: 'missing, no type: created', hp: { path: path.join(host, 'made') }, kind: 'dir' },
    { name: 'DirectoryOrCreate', hp: { path: path.join(host, 'a/b'), type: 'DirectoryOrCreate' }, kind: 'dir' },
    { name: 'FileOrCreate', hp: { path: path.join(host, 'f/file.log'), type: 'FileOrCreate' }, kind: 'file' },
    { name: 'Directory missing', hp: { path: path.join(host, 'nodir'), type: 'Directory' }, error: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${path.join(host, 'nodir')} is not a directory` },
    { name: 'File missing', hp: { path: path.join(host, 'nofile'), type: 'File' }, error: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${path.join(host, 'nofile')} is not a file` },
  ];
  for (const c of cases) {
    const vol: Volume = { name: 'h', hostPath: c.hp };
    if (c.error) { await failsWith(prepare([vol]), c.error); continue; }
    const { paths } = await prepare([vol]);
    assert.equal(paths.get('h'), c.hp.path, c.name);
    const st = fs.statSync(c.hp.path);
    assert.ok(c.kind === 'dir' ? st.isDirectory() : st.isFile(), c.name);
  }
});

test('persistentVolumeClaim: the bound volume\'s directory, an error while unbound', async () => {
  const pvDir = path.join(root, 'pv-1');
  const src = source({ claims: { data: pvDir } });
  const { paths } = await prepare([{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }], src);
  assert.equal(paths.get('d'), pvDir);
  assert.ok(fs.statSync(pvDir).isDirectory());
  await failsWith(prepare([{ name: 'd', persistentVolumeClaim: { claimName: 'pending' } }, { name: 'cfg', emptyDir: {} }], src),
    'Unable to attach or mount volumes: unmounted volumes=[d], unattached volumes=[cfg d]: error processing PVC shop/pending: PVC is not bound');
  assert.equal(localPathDir('/var/lib/tskube/nodes/host01'), '/var/lib/tskube/nodes/host01/local-path');
});

test('projected volumes combine configMap, secret and downwardAPI with one defaultMode', async () => {
  const src = source({ configMaps: { cfg: { data: { a: '1', b: '2' } } }, secrets: { s: { key: 'v' } } });
  const { paths } = await prepare([{
    name: 'all', projected: {
      defaultMode: 0o440,
      sources: [
        { configMap: { name: 'cfg', items: [{ key: 'a', path: 'cfg/a' }] } },
        { secret: { name: 's' } },
        { downwardAPI: { items: [{ path: 'pod', fieldRef: { fieldPath: 'metadata.name' }, mode: 0o400 }] } },
        { configMap: { name: 'absent', optional: true } },
        { downwardAPI: { items: [{ path: 'mem', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } }] } },
      ],
    },
  }], src);
  assert.deepEqual(tree(paths.get('all')!), ['cfg/a (440): 1', 'key (440): v', 'mem (440): 64', 'pod (400): web']);
  // A source that is not optional must exist (kubelet's projected volume collects the error).
  await failsWith(prepare([{ name: 'all', projected: { sources: [{ configMap: { name: 'absent' } }] } }], src),
    'MountVolume.SetUp failed for volume "all" : configmap "absent" not found');
  await failsWith(prepare([{ name: 'all', projected: { sources: [{ secret: { name: 'absent' } }] } }], src),
    'MountVolume.SetUp failed for volume "all" : secret "absent" not found');
});

test('fsGroup: volume files get the group with group read (read-only volumes) or read-write (emptyDir), directories setgid', async () => {
  const src = source({ secrets: { s: { key: 'v' } } });
  const pod = podWith([{ name: 'sec', secret: { secretName: 's', defaultMode: 0o400 } }, { name: 'scratch', emptyDir: {} }], { securityContext: { fsGroup: 1001 } });
  const { paths } = await prepare(pod.spec!.volumes!, src, pod);
  const f = fs.statSync(path.join(paths.get('sec')!, 'key'));
  assert.equal(f.gid, 1001);
  assert.equal(f.mode & 0o7777, 0o440);
  const d = fs.statSync(paths.get('scratch')!);
  assert.equal(d.gid, 1001);
  assert.equal(d.mode & 0o7777, 0o2777);
});

test('a serviceAccountToken projection writes the token requested for the pod (kube-api-access: token, ca.crt, namespace)', async () => {
  const vol: Volume = {
    name: 'kube-api-access-x',
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
  const asked: unknown[] = [];
  const src: VolumeSource = {
    ...source({ configMaps: { 'kube-root-ca.crt': { data: { 'ca.crt': 'PEM' } } } }),
    serviceAccountToken: async (ns, sa, wish) => { asked.push({ ns, sa, ...wish }); return 'header.claims.sig'; },
  };
  const { paths } = await prepare([vol], src, podWith([vol], { serviceAccountName: 'robot' }));
  assert.deepEqual(tree(paths.get('kube-api-access-x')!), ['ca.crt (644): PEM', 'namespace (644): shop', 'token (644): header.claims.sig']);
  assert.deepEqual(asked, [{ ns: 'shop', sa: 'robot', audience: undefined, expirationSeconds: 3607, podName: 'web', podUID: 'uid-1' }]);
});

test('a token that cannot be had fails the mount and writes no empty token', async () => {
  const vol: Volume = { name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 600 } }] } };
  const src: VolumeSource = { ...source(), serviceAccountToken: async () => { throw new Error('serviceaccounts "default" not found'); } };
  const podDir = path.join(root, 'token-pod');
  await failsWith(prepareVolumes(podWith([vol]), podDir, src, NODE, '', ''), 'MountVolume.SetUp failed for volume "tok" : failed to fetch token: serviceaccounts "default" not found');
  assert.equal(fs.existsSync(path.join(podDir, 'volumes', 'tok', 'token')), false);
});

test('contents follow the source on a later call; paths escaping the volume are never written', async () => {
  const data: Record<string, string> = { 'k': 'one', '../../escape': 'x' };
  const src = source({ configMaps: { cfg: { data } } });
  const pod = podWith([{ name: 'c', configMap: { name: 'cfg' } }]);
  const podDir = path.join(root, 'refresh');
  const first = await prepareVolumes(pod, podDir, src, NODE, '', '');
  assert.deepEqual(tree(first.get('c')!), ['k (644): one']);
  assert.equal(fs.existsSync(path.join(podDir, 'escape')), false);
  data.k = 'two';
  await prepareVolumes(pod, podDir, src, NODE, '', '');
  assert.deepEqual(tree(first.get('c')!), ['k (644): two']);
  // A key that is gone takes its file with it; a new key (in a new directory) appears.
  delete data.k;
  data['sub/new'] = 'three';
  await prepareVolumes(pod, podDir, src, NODE, '', '');
  assert.deepEqual(tree(first.get('c')!), ['sub/new (644): three']);
  // An optional ConfigMap or Secret that is deleted empties its volume.
  const cms: Record<string, { data: Record<string, string> }> = { opt: { data: { a: '1' } } };
  const secrets: Record<string, Record<string, string>> = { opt: { s: '2' } };
  const optSrc: VolumeSource = { configMap: async (_n, name) => cms[name], secret: async (_n, name) => secrets[name], pvcPath: async () => undefined };
  const optPod = podWith([{ name: 'o', configMap: { name: 'opt', optional: true } }, { name: 's', secret: { secretName: 'opt', optional: true } }]);
  const optDir = path.join(root, 'optional');
  const got = await prepareVolumes(optPod, optDir, optSrc, NODE, '', '');
  assert.deepEqual([tree(got.get('o')!), tree(got.get('s')!)], [['a (644): 1'], ['s (644): 2']]);
  delete cms.opt;
  delete secrets.opt;
  await prepareVolumes(optPod, optDir, optSrc, NODE, '', '');
  assert.deepEqual([tree(got.get('o')!), tree(got.get('s')!)], [[], []]);
});

test('containerMounts maps volumeMounts onto prepared paths, with subPath and readOnly', async () => {
  const { paths } = await prepare([{ name: 'scratch', emptyDir: {} }]);
  const mounts = containerMounts({
    volumeMounts: [
      { name: 'scratch', mountPath: '/data' },
      { name: 'scratch', mountPath: '/logs', subPath: 'logs', readOnly: true },
      { name: 'unknown', mountPath: '/x' },
    ],
  }, paths);
  assert.deepEqual(mounts, [
    { hostPath: paths.get('scratch'), containerPath: '/data', readOnly: undefined },
    { hostPath: path.join(paths.get('scratch')!, 'logs'), containerPath: '/logs', readOnly: true },
  ]);
  assert.ok(fs.statSync(path.join(paths.get('scratch')!, 'logs')).isDirectory(), 'a missing subPath is created');
});

test('subPathExpr expands the container\'s variables; unset or empty ones, absolute paths and .. are refused (CreateContainerConfigError)', async () => {
  const { paths } = await prepare([{ name: 'workdir', emptyDir: {} }]);
  const mount = (expr: string, env: Record<string, string>) => containerMounts({ volumeMounts: [{ name: 'workdir', mountPath: '/logscontainer', subPathExpr: expr }] }, paths, env);
  assert.deepEqual(mount('$(POD_NAME)/logs', { POD_NAME: 'web-0' }), [{ hostPath: path.join(paths.get('workdir')!, 'web-0/logs'), containerPath: '/logscontainer', readOnly: undefined }]);
  const refused = (expr: string, env: Record<string, string>, message: string) => assert.throws(() => mount(expr, env), (e: unknown) => e instanceof ContainerConfigError && e.message === message);
  refused('$(ANNOTATION)', {}, 'missing value for ANNOTATION');
  refused('$(ANNOTATION)/$(B)', { ANNOTATION: '' }, 'missing value for ANNOTATION, B');
  refused('$(POD_NAME)', { POD_NAME: '/tmp' }, 'error SubPath `/tmp` must not be an absolute path');
  refused('$(POD_NAME)', { POD_NAME: '..' }, 'unable to provision SubPath `..`: must not contain \'..\'');
});

test('volumesShowPodIP: only a downward API file of a status field depends on the pod IP', () => {
  const pod = (volumes: NonNullable<Pod['spec']>['volumes']): Pod => ({ metadata: { name: 'p' }, spec: { containers: [], volumes } });
  const sa = { name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } };
  assert.equal(volumesShowPodIP(pod([sa, { name: 'd', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }])), false);
  assert.equal(volumesShowPodIP(pod(undefined)), false);
  assert.equal(volumesShowPodIP(pod([{ name: 'd', downwardAPI: { items: [{ path: 'ip', fieldRef: { fieldPath: 'status.podIP' } }] } }])), true);
  assert.equal(volumesShowPodIP(pod([{ name: 'p', projected: { sources: [{ downwardAPI: { items: [{ path: 'ips', fieldRef: { fieldPath: 'status.podIPs' } }] } }] } }])), true);
});
