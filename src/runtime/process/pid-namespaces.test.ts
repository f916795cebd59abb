import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcessRuntime } from './process-runtime.js';
import type { ExecSession, PodSandboxConfig } from '../types.js';
import { requireTool, ROOT, UNSHARE } from '../../testing/system-tools.js';

const base = { podUid: 'u-pid', podName: 'pidpod', podNamespace: 'default', attempt: 0, image: 'busybox', env: {}, mounts: [] };
const cfg: PodSandboxConfig = { metadata: { name: 'pidpod', namespace: 'default', uid: 'u-pid', attempt: 0 }, hostname: 'pidpod', linux: { namespaceOptions: { network: 'NODE' } } };

async function run(session: ExecSession): Promise<string> {
  let out = '';
  session.stdout.on('data', (d: Buffer) => { out += d; });
  session.stderr?.on('data', (d: Buffer) => { out += d; });
  await session.exit;
  return out;
}
/** commands lists the command lines a container sees in its /proc (its PID namespace). */
const commands = (rt: ProcessRuntime, id: string) => rt.exec(id, ['sh', '-c', 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < $f; echo; done'], { stdin: false, tty: false }).then(run);

test('PID namespaces: a container\'s own, its target\'s (ephemeral), the pod\'s (shareProcessNamespace) held by a pause', requireTool(ROOT, UNSHARE), async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-pid-'));
  const rt = new ProcessRuntime({ rootDir: dir, isolation: 'namespaces' });
  try {
    const sb = await rt.runPodSandbox(cfg);
    const start = async (name: string, argv: string[], namespaceOptions?: { pid: 'POD' | 'TARGET'; targetId?: string }) => {
      const id = await rt.createContainer(sb, { ...base, name, argv, logPath: path.join(dir, `${name}.log`), namespaceOptions }, cfg);
      await rt.startContainer(id);
      return id;
    };
    const own = await start('own', ['sleep', '101']);
    assert.doesNotMatch(await commands(rt, own), /sleep 102/);
    const debug = await start('debug', ['sleep', '102'], { pid: 'TARGET', targetId: own });
    const seen = await commands(rt, debug);
    assert.match(seen, /^sleep 101 $/m, 'the debugger sees its target');
    assert.match(seen, /^sleep 102 $/m);

    const a = await start('a', ['sleep', '201'], { pid: 'POD' });
    const b = await start('b', ['sleep', '202'], { pid: 'POD' });
    const shared = (await commands(rt, b)).split('\n').filter(Boolean);
    assert.ok(shared.includes('/pause '), `the pause is there: ${shared}`);
    assert.ok(shared.includes('sleep 201 ') && shared.includes('sleep 202 '), shared.join('|'));
    assert.doesNotMatch(shared.join('\n'), /sleep 101/);
    const pausePid = (await run(await rt.exec(a, ['cat', '/proc/1/cmdline'], { stdin: false, tty: false }))).replaceAll('\0', ' ');
    assert.equal(pausePid, '/pause ', 'the pause is PID 1 of the pod\'s namespace');
    const pauseFile = fs.readdirSync(path.join(dir, 'pauses'));
    assert.equal(pauseFile.length, 1);
    await rt.removePodSandbox(sb);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'pauses')), [], 'the pause went with the sandbox');
  } finally {
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
