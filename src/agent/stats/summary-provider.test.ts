import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { memoryLimits, podVolumes, SummaryProvider } from './summary-provider.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-summary-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const pod: Pod = {
  metadata: { name: 'web', namespace: 'ns1', uid: 'u1' },
  spec: {
    containers: [{ name: 'a', resources: { limits: { memory: '64Mi' } } }, { name: 'b' }],
    volumes: [
      { name: 'cache', emptyDir: {} }, { name: 'data', persistentVolumeClaim: { claimName: 'claim-1' } },
      { name: 'host', hostPath: { path: '/tmp' } }, { name: 'missing', configMap: { name: 'cm' } },
    ],
  },
  status: { startTime: '2026-01-01T00:00:00Z' },
};

describe('podVolumes', () => {
  it('measures each volume directory of the pod; claims get a pvcRef and are not ephemeral; hostPath and absent ones are left out', () => {
    for (const v of ['cache', 'data', 'host']) fs.mkdirSync(path.join(root, 'pods/u1/volumes', v), { recursive: true });
    fs.writeFileSync(path.join(root, 'pods/u1/volumes/cache/f'), 'x'.repeat(5000));
    const vols = podVolumes(pod, root);
    assert.deepEqual(vols.map((v) => [v.name, v.ephemeral, v.pvcRef]), [['cache', true, undefined], ['data', false, { name: 'claim-1', namespace: 'ns1' }]]);
    assert.equal(vols[0].usage.inodes, 2);
    assert.ok(vols[0].usage.bytes >= 5000);
    assert.ok(vols[0].fs && vols[0].fs.capacityBytes > 0);
  });
});

describe('memoryLimits', () => {
  it('is limits.memory in bytes by container', () => {
    assert.deepEqual(memoryLimits(pod), { a: 64 * 2 ** 20 });
  });
});

describe('SummaryProvider', () => {
  it('on a simulated node reports the pods\' synthetic usage and no host readings', async () => {
    const at = new Date('2026-01-01T00:01:00Z');
    const p = new SummaryProvider({
      nodeName: 'sim-1', rootDir: root, simulated: true, started: at, pods: () => [pod],
      analyzer: { collect: async () => ({ timestamp: at, node: { cpuSeconds: 0, workingSetBytes: 100, startTime: at },
        containers: [{ namespace: 'ns1', pod: 'web', container: 'a', podUid: 'u1', id: 'c1', cpuSeconds: 1, workingSetBytes: 100, startTime: at }] }) },
    });
    const s = await p.get();
    assert.deepEqual(Object.keys(s.node), ['nodeName', 'systemContainers', 'startTime', 'cpu', 'memory']);
    assert.deepEqual(s.node.systemContainers!.map((c) => c.name), ['pods']);
    assert.equal(s.pods[0].podRef.name, 'web');
    assert.equal(s.pods[0].containers[0].memory!.availableBytes, 64 * 2 ** 20 - 100);
    assert.equal(s.pods[0].volume, undefined);
  });
});
