import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RestClient } from '../client/rest.js';
import { componentUserAgent } from '../client/user-agent.js';
import { KUBELET_VERSION } from '../agent/node-status.js';
import { SharedInformerFactory } from '../client/informer.js';
import { ServiceProxy } from '../network/proxy/proxier.js';
import { bridgeNameFor, routeChainNameFor, serviceTableNameFor } from '../network/pod-network-config.js';
import { RouteController } from '../network/routes.js';
import { parseIPv4 } from '../network/cidr.js';
import { NodeAgent, type Runtime } from '../agent/index.js';
import { credentialsFromPullSecrets } from '../agent/image-credentials.js';
import { createNodeRuntime } from './runtimes.js';
import { imageCatalogFiles, parseRuntimeKind, type RuntimeKind } from './runtime-kind.js';
import { imageGCPolicyFromFlags, type ImageGCFlags, type ImageGCPolicy } from '../agent/image-gc.js';
import { parseDuration } from './controller-flags.js';
import { nodeCredential, proxyCredential } from '../apiserver/authn.js';
import { realClock } from '../util/clock.js';
import { log } from '../util/log.js';
import { onStopSignals } from './stop-signals.js';

/** AgentOptions are `tskube agent`'s flags. */
export interface AgentOptions extends ImageGCFlags { server: string; token: string; name: string; caFile?: string; rootDir?: string; runtime: string; criEndpoint?: string; registries?: string; address: string; images?: string[]; clusterDns?: string }

/** NodeAgentConfig is what one node agent needs, in its own process (`tskube agent`) or in `tskube up`. */
export interface NodeAgentConfig {
  /** API server URL */
  server: string;
  /** the cluster's node token (DATA_DIR/node-token) */
  nodeToken: string;
  /** PEM CA bundle of the API server; without it the server's certificate is not verified */
  ca?: string;
  /** the API server's local socket when the agent runs in its process (`tskube up`) */
  socketPath?: string;
  name: string;
  /** state directory: pods/, containers/ */
  rootDir: string;
  runtime: RuntimeKind;
  /** the CRI endpoint of --runtime cri */
  criEndpoint?: string;
  /** the registries configuration of --runtime oci */
  registriesFile?: string;
  /** InternalIP of the node: pods' IP and where the API server reaches the agent */
  address: string;
  /** extra image catalog files of the process runtime (--images) */
  images?: string[];
  /** the kubelet's --cluster-dns (default 10.96.0.10) */
  clusterDNS?: string;
  /** the kubelet's image GC policy (--image-gc-high-threshold, --image-gc-low-threshold, --image-minimum-gc-age) */
  imageGC?: ImageGCPolicy;
}

/** RunningNode is a node agent, its runtime and (process runtime) its Service proxy and route controller. */
export interface RunningNode { agent: NodeAgent; runtime: Runtime; proxy?: ServiceProxy; routes?: RouteController }

/**
 * newNodeAgent builds a node agent the way both `tskube up` and `tskube agent` run them: it
 * authenticates as `system:node:<name>` with the node token, and its own server (logs, exec)
 * accepts the node token, which the API server presents when it proxies to it.
 */
export async function newNodeAgent(c: NodeAgentConfig): Promise<RunningNode> {
  const client = new RestClient({
    server: c.server, token: nodeCredential(c.name, c.nodeToken), ca: c.ca, socketPath: c.socketPath,
    insecureSkipTLSVerify: c.ca === undefined, userAgent: componentUserAgent('kubelet', KUBELET_VERSION),
  });
  // The process and oci runtimes' constructors recover what a previous agent on this root dir left
  // (see ProcessRuntime.recover): containers still running are stopped and reported exited.
  const runtime = await createNodeRuntime(c.runtime, { rootDir: c.rootDir, nodeName: c.name, images: c.images, criEndpoint: c.criEndpoint, registriesFile: c.registriesFile });
  // The process and oci runtimes attach pods to the node's own bridge, which the proxy and routes serve.
  const ownBridge = c.runtime === 'process' || c.runtime === 'oci';
  const agent = new NodeAgent({
    client, nodeName: c.name, rootDir: c.rootDir, runtime, clock: realClock, imageCredentials: credentialsFromPullSecrets,
    address: c.address, serverPort: 0, serverToken: c.nodeToken,
    ...(c.clusterDNS ? { clusterDNS: [c.clusterDNS] } : {}),
    ...(c.imageGC ? { imageGC: c.imageGC } : {}),
  });
  // The node's Service proxy (kube-proxy) runs beside the agent, scoped to the node's pod bridge.
  const bridge = bridgeNameFor(c.name, c.rootDir);
  const proxy = ownBridge ? new ServiceProxy({
    client, informers: new SharedInformerFactory(client, { clock: realClock }), clock: realClock,
    nodeName: c.name, nodeAddresses: [c.address], bridge, table: serviceTableNameFor(bridge),
  }) : undefined;
  // Routes to the pod ranges of nodes on other machines (flannel's host-gw) run beside it too, as
  // system:kube-proxy: reading every Node is system:node-proxier's, not a 1.32 kubelet's.
  const proxyClient = new RestClient({
    server: c.server, token: proxyCredential(c.nodeToken), ca: c.ca, socketPath: c.socketPath,
    insecureSkipTLSVerify: c.ca === undefined, userAgent: componentUserAgent('kube-proxy', KUBELET_VERSION),
  });
  const routes = ownBridge ? new RouteController({
    informers: new SharedInformerFactory(proxyClient, { clock: realClock }), clock: realClock,
    nodeName: c.name, chain: routeChainNameFor(bridge), stateFile: join(c.rootDir, 'routes.json'),
  }) : undefined;
  return { agent, runtime, proxy, routes };
}

/**
 * stopContainers lets the sandboxes and containers being made finish (no new ones start), stops
 * every container the runtime runs, then every pod sandbox (CNI DEL releases the addresses,
 * network namespaces go) and closes the runtime (the node's bridge goes): a node agent shutting
 * down leaves nothing behind.
 */
export async function stopContainers(runtime: Runtime, graceMs: number): Promise<void> {
  await runtime.drain?.();
  const running = async () => (await runtime.listContainers()).filter((c) => c.phase === 'running' || c.phase === 'created');
  // Without a grace period each sandbox's removal kills its own containers first: a pod's
  // namespaces go as soon as its containers are dead, not once every container of the node is.
  if (graceMs > 0 || !runtime.removeAllPodSandboxes) await Promise.allSettled((await running()).map((c) => runtime.stopContainer(c.id, graceMs)));
  if (runtime.removeAllPodSandboxes) await runtime.removeAllPodSandboxes();
  else await Promise.allSettled((await runtime.listPodSandbox()).map((s) => runtime.removePodSandbox(s.id)));
  // A container no sandbox holds (none should be) is stopped all the same.
  await Promise.allSettled((await running()).map((c) => runtime.stopContainer(c.id, 0)));
  await runtime.close();
}

/** AGENT_SHUTDOWN_GRACE_MS is how long containers get between SIGTERM and SIGKILL when the agent stops. */
const AGENT_SHUTDOWN_GRACE_MS = 2_000;

/**
 * runAgent runs one node agent against an API server until SIGTERM/SIGINT, then stops its
 * containers. A `kill -9` leaves them running, as a crashed kubelet does; the next agent on the
 * same root dir stops them and restarts the pods still bound to it (see README: they are restarted,
 * not re-adopted), and removes those of pods that are gone.
 */
export async function runAgent(o: AgentOptions): Promise<void> {
  const logger = log.child({ component: 'tskube-agent', node: o.name });
  const runtimeKind = parseRuntimeKind(o.runtime);
  if (!o.server.startsWith('https://') && !o.server.startsWith('http://')) throw new Error(`--server must be an http(s) URL, not ${JSON.stringify(o.server)}`);
  if (o.clusterDns !== undefined && parseIPv4(o.clusterDns) === undefined) throw new Error(`--cluster-dns must be an IPv4 address, not ${JSON.stringify(o.clusterDns)}`);
  const rootDir = resolve(o.rootDir ?? join('.tskube', 'nodes', o.name));
  const ca = o.caFile ? readFileSync(o.caFile, 'utf8') : undefined;
  if (!ca && o.server.startsWith('https://')) logger.warn('no --ca-file: the API server\'s certificate is not verified');
  const images = imageCatalogFiles(o.images);
  const imageGC = imageGCPolicyFromFlags(o, parseDuration);
  const { agent, runtime, proxy, routes } = await newNodeAgent({
    server: o.server, nodeToken: o.token.trim(), ca, name: o.name, rootDir, runtime: runtimeKind, criEndpoint: o.criEndpoint,
    registriesFile: o.registries ? resolve(o.registries) : undefined, address: o.address, images, clusterDNS: o.clusterDns, imageGC,
  });
  const ac = new AbortController();
  const done = agent.run(ac.signal);
  // The proxy removes its nftables table when it stops.
  const proxied = proxy?.run(ac.signal).catch((e: unknown) => logger.error(e, 'service proxy failed'));
  // The route controller removes its routes and rules when it stops.
  const routed = routes?.run(ac.signal).catch((e: unknown) => logger.error(e, 'route controller failed'));
  logger.info('node agent started', { server: o.server, rootDir, runtime: o.runtime, address: o.address });
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping the node agent and its containers', { signal: sig });
    ac.abort();
    await done.catch((e: unknown) => logger.error(e, 'node agent failed while stopping'));
    // The proxy's and the route controller's clean-ups go on while the containers stop.
    await Promise.all([stopContainers(runtime, AGENT_SHUTDOWN_GRACE_MS), proxied, routed]);
    await runtime.close();
    process.exit(0);
  };
  onStopSignals(stop);
  await done.catch((e: unknown) => {
    if (stopping) return;
    logger.error(e, 'node agent failed');
    process.exit(1);
  });
}
