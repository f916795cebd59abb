import { startControlPlane } from './control-plane.js';
import { startComponents } from './components.js';

export interface ServerOptions { dataDir: string; port: string; host: string; store: string; etcdEndpoints: string }

/** runServer runs the control plane (API server, controllers, scheduler) without node agents. */
export async function runServer(o: ServerOptions): Promise<void> {
  const cp = await startControlPlane({
    dataDir: o.dataDir, port: Number(o.port), host: o.host, store: o.store === 'etcd' ? 'etcd' : 'sqlite',
    etcdEndpoints: o.etcdEndpoints.split(','),
  });
  const ac = new AbortController();
  const components = await startComponents({
    server: cp.api.url, token: cp.creds.token, ca: cp.creds.caCert, dataDir: cp.dataDir, nodes: 0, simulatedNodes: 0, signal: ac.signal,
  });
  console.log(`tskube control plane is running at ${cp.api.url}`);
  console.log(`  export KUBECONFIG=${cp.kubeconfigPath}`);
  console.log(`  agents join with: tskube agent --server ${cp.api.url} --token $(cat ${cp.dataDir}/pki/admin.token) --name NODE`);
  const stop = async () => { ac.abort(); await components.stop(); await cp.close(); process.exit(0); };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
