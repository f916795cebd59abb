import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerInfo } from '../../runtime/types.js';
import { podList, runningPodList } from './kubelet-pods.js';

function container(pod: string, uid: string, name: string, phase: ContainerInfo['phase'], image = 'nginx'): ContainerInfo {
  return { id: `${pod}-${name}`, sandboxId: `sb-${uid}`, phase, config: { podUid: uid, podName: pod, podNamespace: 'default', name, attempt: 0, image, argv: [], env: {}, mounts: [], logPath: '/dev/null' } };
}

describe('podList', () => {
  it('is a v1 PodList with empty list metadata, items sorted, without their own kind and apiVersion', () => {
    const pods: Pod[] = [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'default', uid: '2' }, status: { phase: 'Running' } },
      { metadata: { name: 'a', namespace: 'default', uid: '1' }, status: { phase: 'Pending' } },
    ];
    const list = JSON.parse(podList(pods)) as { kind: string; apiVersion: string; metadata: object; items: Pod[] };
    assert.equal(list.kind, 'PodList');
    assert.equal(list.apiVersion, 'v1');
    assert.deepEqual(list.metadata, {});
    assert.deepEqual(list.items.map((p) => [p.metadata?.name, p.status?.phase, p.kind, p.apiVersion]), [['a', 'Pending', undefined, undefined], ['b', 'Running', undefined, undefined]]);
    assert.deepEqual(JSON.parse(podList([])).items, []);
  });
});

describe('runningPodList', () => {
  it('groups running containers by pod, names and images only, zero values as Go writes them', () => {
    const list = JSON.parse(runningPodList([
      container('web', 'u1', 'nginx', 'running'), container('web', 'u1', 'log', 'running', 'busybox'),
      container('web', 'u1', 'init', 'exited'), container('done', 'u2', 'c', 'exited'),
    ]));
    assert.deepEqual(list, {
      kind: 'PodList', apiVersion: 'v1', metadata: {},
      items: [{
        metadata: { name: 'web', namespace: 'default', uid: 'u1', creationTimestamp: null },
        spec: { containers: [{ name: 'log', image: 'busybox', resources: {} }, { name: 'nginx', image: 'nginx', resources: {} }] },
        status: {},
      }],
    });
  });
});
