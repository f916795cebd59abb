// End-to-end: kill -9 in the middle of 500 creates loses none that kubectl saw succeed.
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, kubectl, kubectlEnv, type Cluster } from './harness.js';
import { describeNeeding, KUBECTL, requireTool } from '../src/testing/system-tools.js';

// Needs the real kubectl (skipped without it, required in CI); a hung cluster fails instead of hanging CI.
describeNeeding('durability', { timeout: 10 * 60_000, ...requireTool(KUBECTL) }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tskube-crash-'));
  let c: Cluster | undefined;
  after(async () => {
    await c?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, { timeout: 60_000 });

  it('every create kubectl reported before kill -9 is there after restart', async () => {
    c = await startCluster({ dataDir });
    const docs = Array.from({ length: 500 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  i: "${i}"\n`).join('---\n');
    const acknowledged: string[] = [];
    const p = spawn('kubectl', ['create', '-f', '-'], { env: kubectlEnv(c), stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    let killed = false;
    const done = new Promise<void>((resolve) => p.on('close', () => resolve()));
    p.stdout.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = /^configmap\/(cm-\d+) created$/.exec(l.trim());
        if (m) acknowledged.push(m[1]);
      }
      if (!killed && acknowledged.length >= 200) {
        killed = true;
        void c!.kill9();
      }
    });
    p.stdin.end(docs);
    await done;
    await c.kill9();
    assert.ok(killed, `the server was killed mid-way (acknowledged ${acknowledged.length})`);
    assert.ok(acknowledged.length >= 200 && acknowledged.length < 500, `acknowledged ${acknowledged.length}`);

    c = await startCluster({ dataDir });
    const r = await kubectl(c, ['get', 'configmaps', '-o', 'name']);
    const present = new Set(r.stdout.split('\n').map((l) => l.replace('configmap/', '').trim()));
    const lost = acknowledged.filter((n) => !present.has(n));
    assert.deepEqual(lost, [], `lost ${lost.length} acknowledged creates`);
  });

  it('stopped and started again: a finished Job\'s pod does not run again, a Deployment\'s pod runs again with RESTARTS 1', async () => {
    await c?.stop();
    const dir = mkdtempSync(join(tmpdir(), 'tskube-restart-'));
    try {
      c = await startCluster({ dataDir: dir, nodes: 1 });
      const k = (args: string[]) => kubectl(c!, args);
      await k(['create', 'job', 'once', '--image=busybox', '--', 'sh', '-c', 'echo ran-$(date +%s)-$RANDOM']);
      await k(['create', 'deployment', 'web', '--image=busybox', '--', 'sleep', '3600']);
      await k(['wait', '--for=condition=complete', 'job/once', '--timeout=60s']);
      await k(['rollout', 'status', 'deployment/web', '--timeout=60s']);
      const ran = (await k(['logs', 'job/once'])).stdout;
      assert.match(ran, /^ran-\d+-\d+\n$/);
      await c.stop();

      c = await startCluster({ dataDir: dir, nodes: 1 });
      const restarts = async () => (await k(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].status.containerStatuses[0].restartCount} {.items[*].status.phase}'])).stdout;
      const deadline = Date.now() + 60_000;
      while ((await restarts()) !== '1 Running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
      assert.equal(await restarts(), '1 Running');
      // By now the node has synced every pod it has: the Job's pod kept its log and its phase.
      assert.equal((await k(['logs', 'job/once'])).stdout, ran, 'the Job\'s command ran once');
      assert.equal((await k(['get', 'pods', '-l', 'job-name=once', '-o', 'jsonpath={.items[*].status.phase}'])).stdout, 'Succeeded');
    } finally {
      await c?.stop();
      c = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
