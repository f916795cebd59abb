/**
 * The endpoints of the `kubernetes` Service, as kube-apiserver's endpoint reconciler keeps them:
 * an Endpoints and an EndpointSlice named `kubernetes` in default, listing the API server's
 * advertised address and port (the Service has no selector, so no controller writes them; the
 * Endpoints carry skip-mirror since the slice is written here too).
 */
import os from 'node:os';
import type { KubeObject } from '../api/resource.js';
import { StatusError } from '../apimachinery/errors.js';
import type { ApiServer } from './server.js';

/** advertiseAddress is the address pods should use for the API server: its listening host, or this machine's first non-loopback IPv4 when it listens on all. */
export function advertiseAddress(apiURL: string): string {
  const host = new URL(apiURL).hostname.replace(/^\[|\]$/g, '');
  if (host !== '0.0.0.0' && host !== '::' && host !== '') return host;
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (/^(tsk-|veth|cni|docker|br-)/.test(name)) continue;
    const a = (addrs ?? []).find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  return '127.0.0.1';
}

/** reconcileKubernetesEndpoints writes the kubernetes Endpoints and EndpointSlice when they are missing or stale. */
export async function reconcileKubernetesEndpoints(api: ApiServer, address = advertiseAddress(api.url), port = api.port): Promise<void> {
  const ports = [{ name: 'https', port, protocol: 'TCP' }];
  await upsert(api.storeFor('', 'v1', 'endpoints'), {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: address }], ports }],
  }, (cur) => JSON.stringify(cur.subsets) === JSON.stringify([{ addresses: [{ ip: address }], ports }]));
  await upsert(api.storeFor('discovery.k8s.io', 'v1', 'endpointslices'), {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4', ports,
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
  }, (cur) => JSON.stringify([cur.ports, cur.endpoints]) === JSON.stringify([ports, [{ addresses: [address], conditions: { ready: true } }]]));
}

async function upsert(store: ReturnType<ApiServer['storeFor']>, want: KubeObject, same: (cur: KubeObject) => boolean): Promise<void> {
  let cur: KubeObject | undefined;
  try {
    cur = await store.get('default', want.metadata!.name!);
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 404)) throw e;
  }
  if (!cur) {
    try { await store.create('default', want); } catch (e) { if (!(e instanceof StatusError && e.code === 409)) throw e; }
    return;
  }
  if (same(cur)) return;
  await store.update('default', want.metadata!.name!, { ...want, metadata: { ...cur.metadata, labels: want.metadata!.labels } });
}
