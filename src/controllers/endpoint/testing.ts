import type { KubeObject } from '../../api/resource.js';
import { Resources } from '../../client/types.js';
import type { TestCluster } from '../../testing/test-cluster.js';

/** makePod creates a pod and gives it the status an agent would write. */
export async function makePod(tc: TestCluster, name: string, o: { labels?: Record<string, string>; ip?: string; ready?: boolean; node?: string; ports?: { name?: string; containerPort: number; protocol?: string }[]; hostname?: string; subdomain?: string; readyAt?: string }): Promise<KubeObject> {
  const pod = await tc.client.create(Resources.pods, 'default', {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, labels: o.labels ?? { app: 'web' } },
    spec: { nodeName: o.node ?? 'host01', hostname: o.hostname, subdomain: o.subdomain, containers: [{ name: 'c', image: 'nginx', ports: o.ports ?? [{ name: 'http', containerPort: 8080 }] }] },
  });
  if (!o.ip) return pod;
  return tc.client.patch(Resources.pods, 'default', name, {
    status: {
      phase: 'Running', podIP: o.ip, podIPs: [{ ip: o.ip }],
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: o.readyAt ?? '2026-01-01T00:00:00Z' }],
    },
  }, 'merge', 'status');
}

