import { startControlPlane } from './control-plane.js';
import { ComponentsThread, componentsThreadEnabled } from './components-thread.js';
import { clusterDNSIP } from '../network/service-ranges.js';
import { admissionConfigFrom, controllerOptionsFrom, type ClusterFlags } from './controller-flags.js';
import { join } from 'node:path';
import { nodeTokenPath } from '../apiserver/tls.js';
import { onStopSignals } from './stop-signals.js';

export interface ServerOptions extends ClusterFlags { dataDir: string; port: string; host: string; store: string; etcdEndpoints: string }

/**
 * runServer runs the control plane (API server, controllers, scheduler) without node agents and
 * prints the command that joins one (the node token is DATA_DIR/node-token).
 */
export async function runServer(o: ServerOptions): Promise<void> {
  const thread = componentsThreadEnabled() ? new ComponentsThread() : undefined;
  const cp = await startControlPlane({
    dataDir: o.dataDir, port: Number(o.port), host: o.host, store: o.store === 'etcd' ? 'etcd' : 'sqlite',
    etcdEndpoints: o.etcdEndpoints.split(','), admission: admissionConfigFrom(o),
    serviceClusterIPRange: o.serviceClusterIpRange, serviceNodePortRange: o.serviceNodePortRange,
  });
  const ac = new AbortController();
  const options = {
    server: cp.api.url, token: cp.creds.token, nodeToken: cp.creds.nodeToken, ca: cp.creds.caCert, socketPath: cp.api.localSocket, dataDir: cp.dataDir,
    nodes: 0, simulatedNodes: 0, controllerOptions: controllerOptionsFrom(o), schedulerConfig: o.schedulerConfig,
    clusterDNS: clusterDNSIP(o.serviceClusterIpRange),
  };
  const components = thread
    ? await thread.start(options, cp.componentHealth)
    : await (await import('./components.js')).startComponents({ ...options, signal: ac.signal, componentHealth: cp.componentHealth });
  console.log(`tskube control plane is running at ${cp.api.url}`);
  console.log(`  export KUBECONFIG=${cp.kubeconfigPath}`);
  console.log('  agents join with (NODE is the new node\'s name):');
  console.log(`  tskube agent --server ${cp.api.url} --token $(cat ${nodeTokenPath(cp.dataDir)}) --name NODE --ca-file ${join(cp.dataDir, 'pki', 'ca.crt')}${o.serviceClusterIpRange ? ` --cluster-dns ${clusterDNSIP(o.serviceClusterIpRange)}` : ''}`);
  const stop = async () => { ac.abort(); await components.stop(); await cp.close(); process.exit(process.exitCode ?? 0); };
  onStopSignals(stop);
}
