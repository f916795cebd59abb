import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcessRuntime } from './process-runtime.js';
import { parseCriLine } from '../cri-log.js';
import { requireTool, ROOT, UNSHARE } from '../../testing/system-tools.js';

const base = { podUid: 'u1', podName: 'mypod', podNamespace: 'default', attempt: 0, image: 'busybox', env: { GREETING: 'hi' }, mounts: [], hostname: 'mypod' };

// Namespaces need root and util-linux's unshare: skipped without them, required in CI (.ci/run).
const namespaces = requireTool(ROOT, UNSHARE);

for (const isolation of ['host', 'namespaces'] as const) {
  test(`process runtime (${isolation}): exit code, CRI logs, SIGKILL gives 137, exec`, isolation === 'namespaces' ? namespaces : {}, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
    const rt = new ProcessRuntime({ rootDir: dir, isolation });
    const a = await rt.createContainer({ ...base, name: 'a', argv: ['sh', '-c', 'echo $GREETING; echo oops >&2; exit 3'], logPath: path.join(dir, 'a.log') });
    await rt.startContainer(a);
    const done = await rt.waitContainer(a);
    assert.equal(done.exitCode, 3);
    assert.equal(done.reason, 'Error');
    const recs = fs.readFileSync(path.join(dir, 'a.log'), 'utf8').trim().split('\n').map((l) => parseCriLine(l)!);
    assert.deepEqual(recs.map((r) => `${r.stream} ${r.message}`).sort(), ['stderr oops', 'stdout hi']);

    const b = await rt.createContainer({ ...base, name: 'b', argv: ['sleep', '30'], logPath: path.join(dir, 'b.log') });
    await rt.startContainer(b);
    const ex = rt.exec(b, ['sh', '-c', 'echo inside; exit 4'], { stdin: false, tty: false });
    let out = '';
    ex.stdout.on('data', (d) => { out += d; });
    assert.equal(await ex.exit, 4);
    assert.equal(out, 'inside\n');
    await rt.stopContainer(b, 0);
    assert.equal(rt.inspect(b)!.exitCode, 137);
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test('namespaces: hostname is the pod name and /tmp is private per container', namespaces, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-test-'));
  const rt = new ProcessRuntime({ rootDir: dir, isolation: 'namespaces' });
  const ids: string[] = [];
  for (const name of ['x', 'y']) {
    const id = await rt.createContainer({ ...base, name, argv: ['sh', '-c', `echo ${name} > /tmp/health; hostname; cat /tmp/health`], logPath: path.join(dir, `${name}.log`) });
    await rt.startContainer(id);
    ids.push(id);
  }
  for (const id of ids) assert.equal((await rt.waitContainer(id)).exitCode, 0);
  const lines = (n: string) => fs.readFileSync(path.join(dir, `${n}.log`), 'utf8').trim().split('\n').map((l) => parseCriLine(l)!.message);
  assert.deepEqual(lines('x'), ['mypod', 'x']);
  assert.deepEqual(lines('y'), ['mypod', 'y']);
  assert.equal(fs.existsSync('/tmp/health') && fs.readFileSync('/tmp/health', 'utf8') === 'x\n', false);
  fs.rmSync(dir, { recursive: true, force: true });
});
