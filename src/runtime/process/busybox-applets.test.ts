import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUSYBOX_BINARY, prepareBusyboxApplets } from './busybox-applets.js';
import { BUSYBOX_CONTAINER_DIR, ProcessRuntime, withApplets } from './process-runtime.js';
import { parseCriLine } from '../cri-log.js';
import type { ContainerInfo, PodSandboxConfig } from '../types.js';
import { requireTool, ROOT, UNSHARE } from '../../testing/system-tools.js';
import { BUSYBOX } from '../../network/testing/nft-tool.js';

const APPLETS = ['nslookup', 'wget', 'nc', 'ping', 'hostname', 'ifconfig', 'sh'];

test('without the busybox binary there is no applet directory (the host\'s tools serve)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-test-'));
  assert.equal(prepareBusyboxApplets(path.join(dir, 'bin'), path.join(dir, 'no-busybox')), undefined);
  assert.equal(fs.existsSync(path.join(dir, 'bin')), false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('every applet of busybox-static is a link to it; preparing twice is harmless', requireTool(BUSYBOX), () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-test-'));
  const bin = path.join(dir, 'bin');
  for (let i = 0; i < 2; i++) {
    assert.equal(prepareBusyboxApplets(bin), bin);
    for (const a of APPLETS) assert.equal(fs.readlinkSync(path.join(bin, a)), BUSYBOX_BINARY, a);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('ps prints the busybox image\'s columns, TIME too; itself as ps and its arguments; options it does not print go to busybox', requireTool(BUSYBOX), () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-test-'));
  const bin = path.join(dir, 'bin');
  prepareBusyboxApplets(bin);
  const ps = (args: string[]) => execFileSync(path.join(bin, 'ps'), args, { encoding: 'utf8' });
  const out = ps(['aux']).split('\n');
  assert.equal(out[0], 'PID   USER     TIME  COMMAND');
  // its own line: the pid right-aligned in 5, the user in 8, minutes:seconds, the command as typed
  assert.ok(out.some((l) => /^ {0,4}\d+ root\s{5}\s*\d+:\d\d ps aux$/.test(l)), out.join('\n'));
  assert.ok(out.every((l, i) => i === 0 || l === '' || /^ {0,4}\d+ \S.{7} +\d+:\d\d \S/.test(l)), out.join('\n'));
  // -o is busybox's own
  assert.match(ps(['-o', 'pid,comm']).split('\n')[0], /^PID\s+COMMAND$/);
  fs.rmSync(dir, { recursive: true, force: true });
});

const sandboxConfig: PodSandboxConfig = {
  metadata: { name: 'bb', namespace: 'default', uid: 'uid-bb', attempt: 0 }, hostname: 'bb',
  dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
  linux: { namespaceOptions: { network: 'NODE' } },
};

async function waitExited(rt: ProcessRuntime, id: string): Promise<ContainerInfo> {
  for (;;) {
    const s = await rt.containerStatus(id);
    if (s?.phase === 'exited') return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const isolation of ['host', 'namespaces'] as const) {
  test(`process runtime (${isolation}): image busybox finds busybox's applets first on its PATH; other images do not`, requireTool(BUSYBOX, ...(isolation === 'namespaces' ? [ROOT, UNSHARE] : [])), async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bb-rt-'));
    const rt = new ProcessRuntime({ rootDir: dir, isolation });
    const image = await rt.resolveImage('busybox:1.28', false);
    assert.deepEqual(image.cmd, ['sh']);
    const bin = isolation === 'namespaces' ? BUSYBOX_CONTAINER_DIR : path.join(dir, 'busybox', 'bin');
    assert.equal(image.env?.PATH?.split(':')[0], bin);
    assert.equal((await rt.resolveImage('alpine', false)).env?.PATH, undefined);
    const sb = await rt.runPodSandbox(sandboxConfig);
    const logPath = path.join(dir, 'c.log');
    const id = await rt.createContainer(sb, {
      podUid: 'uid-bb', podName: 'bb', podNamespace: 'default', attempt: 0, image: 'busybox', name: 'c', logPath, mounts: [],
      env: { ...image.env }, argv: ['sh', '-c', `for a in ${APPLETS.join(' ')}; do readlink "$(which $a)"; done`],
    }, sandboxConfig);
    await rt.startContainer(id);
    const exited = await waitExited(rt, id);
    const raw = fs.readFileSync(logPath, 'utf8');
    const out = raw.trim().split('\n').map((l) => parseCriLine(l)?.message ?? l);
    assert.equal(exited.exitCode, 0, out.join('\n'));
    assert.deepEqual(out, APPLETS.map(() => BUSYBOX_BINARY));
    await rt.removePodSandbox(sb);
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test('withApplets: the applet directory goes first on an image\'s PATH, or where the catalog\'s PATH says ${APPLETS}', () => {
  assert.equal(withApplets('/usr/sbin:/usr/bin:/sbin:/bin', '/.tskube/busybox/bin'), '/.tskube/busybox/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  assert.equal(withApplets('/usr/local/bin:${APPLETS}:/usr/bin:/bin', '/.tskube/busybox/bin'), '/usr/local/bin:/.tskube/busybox/bin:/usr/bin:/bin');
});
