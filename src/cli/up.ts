import { startControlPlane } from './control-plane.js';
import { ComponentsThread, componentsThreadEnabled } from './components-thread.js';
import { clusterDNSIP } from '../network/service-ranges.js';
import { admissionConfigFrom, controllerOptionsFrom, type ClusterFlags } from './controller-flags.js';
import { imageCatalogFiles, parseRuntimeKind } from './runtime-kind.js';
import { resolve } from 'node:path';
import { imageGCPolicyFromFlags, type ImageGCFlags } from '../agent/image-gc.js';
import { parseDuration } from './controller-flags.js';
import { onStopSignals } from './stop-signals.js';

export interface UpOptions extends ClusterFlags, ImageGCFlags {
  dataDir: string; port: string; host: string; nodes: string; simulatedNodes: string;
  store: string; etcdEndpoints: string;
  /** extra image catalogs for the nodes (--images, repeatable) */
  images?: string[];
  /** the nodes' runtime (--runtime process|oci|cri), --cri-endpoint and --registries */
  runtime?: string;
  criEndpoint?: string;
  registries?: string;
}

/** runUp runs the all-in-one cluster in the foreground until SIGINT/SIGTERM. */
export async function runUp(o: UpOptions): Promise<void> {
  const started = Date.now();
  const images = imageCatalogFiles(o.images);
  const runtime = parseRuntimeKind(o.runtime ?? 'process', ['process', 'oci', 'cri']);
  const imageGC = imageGCPolicyFromFlags(o, parseDuration);
  // The components' thread loads its code while the control plane starts.
  const thread = componentsThreadEnabled() ? new ComponentsThread() : undefined;
  const cp = await startControlPlane({
    dataDir: o.dataDir, port: Number(o.port), host: o.host, store: o.store === 'etcd' ? 'etcd' : 'sqlite',
    etcdEndpoints: o.etcdEndpoints.split(','), admission: admissionConfigFrom(o),
    serviceClusterIPRange: o.serviceClusterIpRange, serviceNodePortRange: o.serviceNodePortRange,
  });
  const ac = new AbortController();
  const options = {
    server: cp.api.url, token: cp.creds.token, nodeToken: cp.creds.nodeToken, ca: cp.creds.caCert, socketPath: cp.api.localSocket, dataDir: cp.dataDir,
    nodes: Number(o.nodes), simulatedNodes: Number(o.simulatedNodes), images, runtime, criEndpoint: o.criEndpoint, registriesFile: o.registries ? resolve(o.registries) : undefined,
    controllerOptions: controllerOptionsFrom(o), schedulerConfig: o.schedulerConfig,
    clusterDNS: clusterDNSIP(o.serviceClusterIpRange), imageGC,
  };
  const components = thread
    ? await thread.start(options, cp.componentHealth)
    // loaded here only: with the thread, the components' code is never evaluated on this one
    : await (await import('./components.js')).startComponents({ ...options, signal: ac.signal, componentHealth: cp.componentHealth });
  console.log(`tskube is running (API server ${cp.api.url}, ready in ${Date.now() - started} ms).`);
  console.log(`  export KUBECONFIG=${cp.kubeconfigPath}`);
  console.log('  kubectl get nodes');
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${sig}: stopping tskube...`);
    ac.abort();
    // the agents stop with the components: a scrape of them meanwhile would only fail
    cp.api.stopScrapingNodes();
    await components.stop();
    await cp.close();
    // 1 when the components thread failed (it set exitCode and asked for this stop).
    process.exit(process.exitCode ?? 0);
  };
  onStopSignals(stop);
}
