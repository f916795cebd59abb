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
});
