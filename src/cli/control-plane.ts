import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openBackend } from '../storage/index.js';
import type { Backend } from '../storage/backend.js';
import { startApiServer, type ApiServer } from '../apiserver/server.js';
import { ComponentHealth } from '../api/core/componentstatus.js';
import { loadOrCreateCredentials, kubeconfigYaml, type ServingCredentials } from '../apiserver/tls.js';
import { bootstrapCluster } from '../apiserver/bootstrap.js';
import { loadOrCreateServiceAccountKey } from '../apiserver/serviceaccount/index.js';
import type { AdmissionConfig } from '../api/resource.js';
import { kubernetesServiceIP } from '../network/service-ranges.js';

export interface ControlPlaneOptions {
  dataDir: string;
  port: number;
  host: string;
  store: 'sqlite' | 'etcd';
  etcdEndpoints?: string[];
  /** kube-apiserver admission flags (--default-unreachable-toleration-seconds …) */
  admission?: AdmissionConfig;
  /** --service-cluster-ip-range and --service-node-port-range (Kubernetes' defaults without them) */
  serviceClusterIPRange?: string;
  serviceNodePortRange?: string;
}

/** ControlPlane is a running API server over its store, with credentials and a kubeconfig. */
export interface ControlPlane {
  api: ApiServer;
  backend: Backend;
  creds: ServingCredentials;
  kubeconfigPath: string;
  dataDir: string;
  /** where the in-process scheduler and controllers register, for ComponentStatus */
  componentHealth: ComponentHealth;
  close(): Promise<void>;
}

/**
 * localSocketPath is where the API server also listens for this process's components (plain HTTP,
 * owner only): DIR/apiserver.sock, or none when the path is too long for a Unix socket (108 bytes
 * with its terminator), and the components then use HTTPS.
 */
export function localSocketPath(dataDir: string): string | undefined {
  const path = join(dataDir, 'apiserver.sock');
  return Buffer.byteLength(path) < 108 ? path : undefined;
}

/** startControlPlane opens the store, starts the API server and writes DIR/kubeconfig. */
export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  const dataDir = resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const backend = o.store === 'etcd'
    ? await openBackend({ type: 'etcd', endpoints: o.etcdEndpoints ?? ['http://127.0.0.1:2379'] })
    : await openBackend({ type: 'sqlite', path: join(dataDir, 'state.db') });
  // The serving certificate names the kubernetes Service's address, as in-cluster clients dial it.
  // (10.96.0.1 is always there; a data dir keeps the certificate of its first start).
  const serviceIP = kubernetesServiceIP(o.serviceClusterIPRange);
  const creds = await loadOrCreateCredentials(dataDir, serviceIP === '10.96.0.1' ? [] : [serviceIP]);
  const componentHealth = new ComponentHealth();
  const api = await startApiServer({
    componentHealth,
    backend, tokens: [creds.token], nodeToken: creds.nodeToken, tls: { cert: creds.cert, key: creds.key, clientCA: creds.caCert }, host: o.host, port: o.port,
    // The API server proves itself to node agents (logs, exec) with the node token they were given.
    agentToken: creds.nodeToken,
    serviceAccountSigningKey: loadOrCreateServiceAccountKey(dataDir),
    admission: o.admission,
    serviceClusterIPRange: o.serviceClusterIPRange, serviceNodePortRange: o.serviceNodePortRange,
    localSocket: localSocketPath(dataDir),
  });
  await bootstrapCluster(api, { kubernetesServiceIP: serviceIP });
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml(api.url, creds), { mode: 0o600 });
  return {
    api, backend, creds, kubeconfigPath, dataDir, componentHealth,
    async close() {
      await api.close();
      await backend.close();
    },
  };
}
