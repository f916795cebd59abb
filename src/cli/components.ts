import { setMaxListeners } from 'node:events';
import { loadOrCreateServiceAccountKey } from '../apiserver/serviceaccount/index.js';
import { loadClusterCA } from '../apiserver/tls.js';
import { join } from 'node:path';
import { RestClient } from '../client/rest.js';
import { componentUserAgent } from '../client/user-agent.js';
import { KUBELET_VERSION } from '../agent/node-status.js';
import { SharedInformerFactory, stripManagedFields } from '../client/informer.js';
import { EventRecorder } from '../client/events.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { KubeSchedulerConfiguration } from '../scheduler/apis/types.js';
import type { Runtime } from '../agent/index.js';
import { realClock } from '../util/clock.js';
import { controllerFactories, defaultControllerOptions, type ControllerOptions } from './controllers.js';
import { newNodeAgent, stopContainers } from './agent.js';
import { SimulatedNodes } from '../agent/simulated/simulated-nodes.js';
import type { RuntimeKind } from './runtime-kind.js';
import { ClusterDNS } from '../network/dns/cluster-dns.js';
import type { ImageGCPolicy } from '../agent/image-gc.js';
import { runningProbe, type ComponentHealth } from '../api/core/componentstatus.js';

/** ComponentsOptions: what the in-process controllers, scheduler and agents need to reach the API. */
export interface ComponentsOptions {
  server: string;
  /** the admin token (controllers, scheduler) */
  token: string;
  /** the node token (node agents authenticate as system:node:NAME with it) */
  nodeToken: string;
  ca: string;
  /** the API server's local socket (plain HTTP, this process only): every client of the components uses it when given */
  socketPath?: string;
  dataDir: string;
  nodes: number;
  simulatedNodes: number;
  signal: AbortSignal;
  /** extra image catalog files of the process-runtime nodes (--images) */
  images?: string[];
  /** the runtime of the real nodes (--runtime: process, oci or cri) */
  runtime?: RuntimeKind;
  /** --cri-endpoint of --runtime cri */
  criEndpoint?: string;
  /** --registries of --runtime oci */
  registriesFile?: string;
  /** the scheduler's configuration (--scheduler-config); Kubernetes' default profile without it */
  schedulerConfig?: KubeSchedulerConfiguration;
  /** controller flags (defaults: Kubernetes') */
  controllerOptions?: Partial<ControllerOptions>;
  /** the kube-dns Service's address (the tenth of --service-cluster-ip-range; default 10.96.0.10) */
  clusterDNS?: string;
  /** the real nodes' image GC policy (--image-gc-high-threshold, --image-gc-low-threshold, --image-minimum-gc-age) */
  imageGC?: ImageGCPolicy;
  /** where the scheduler and the controllers say they run (ComponentStatus) */
  componentHealth?: ComponentHealth;
}

/** Components are the running controllers, scheduler and agents. */
export interface Components { stop(): Promise<void> }

/** nodeName is host01, host02, ... as the seeds' clusters name their nodes. */
export function nodeName(i: number): string {
  return `host${String(i).padStart(2, '0')}`;
}

/**
 * startComponents starts everything that talks to the API server through the client: the
 * scheduler, the controllers and the node agents. They share one informer factory (as
 * kube-controller-manager's controllers do) but reach the API only through its HTTP API (HTTPS,
 * or plain HTTP on the API server's local socket when it has one).
 */
export async function startComponents(o: ComponentsOptions): Promise<Components> {
  // Each component names itself as Kubernetes' do: the name before the '/' is the field manager of its writes.
  const client = new RestClient({ server: o.server, token: o.token, ca: o.ca, socketPath: o.socketPath, userAgent: componentUserAgent('kube-controller-manager', KUBELET_VERSION) });
  const schedulerClient = new RestClient({ server: o.server, token: o.token, ca: o.ca, socketPath: o.socketPath, userAgent: componentUserAgent('kube-scheduler', KUBELET_VERSION) });
  // As kube-controller-manager's, the shared informers cache objects without managedFields (memory).
  const informers = new SharedInformerFactory(client, { clock: realClock, transform: stripManagedFields });
  const tasks: Promise<unknown>[] = [];
  /** the Service proxies: independent of the containers, they delete their tables while those stop */
  const proxies: Promise<unknown>[] = [];
  const runtimes: Runtime[] = [];
  const ac = new AbortController();
  const signal = AbortSignal.any([o.signal, ac.signal]);
  // Every informer, worker and agent listens on this one signal.
  setMaxListeners(0, signal);

  const scheduler = new Scheduler({
    client: schedulerClient, informers, clock: realClock,
    recorder: new EventRecorder(schedulerClient, { component: 'default-scheduler' }, realClock),
    config: o.schedulerConfig,
  });
  tasks.push(scheduler.run(signal));
  o.componentHealth?.register('scheduler', runningProbe('scheduler', tasks[tasks.length - 1]));
  const ctx = { client, informers, clock: realClock, options: { ...defaultControllerOptions, rootCA: o.ca, clusterSigningCA: loadClusterCA(o.dataDir), serviceAccountPrivateKey: loadOrCreateServiceAccountKey(o.dataDir), ...o.controllerOptions } };
  for (const f of controllerFactories) tasks.push(f.create(ctx).run(signal, f.workers));
  o.componentHealth?.register('controller-manager', runningProbe('controller-manager', Promise.race(tasks.slice(1))));
  // Cluster DNS (the kube-dns addon) runs with the control plane.
  tasks.push(new ClusterDNS({ client, informers, clock: realClock, clusterIP: o.clusterDNS }).run(signal));

  // Node agents are the same as `tskube agent`'s, in this process: each authenticates as its node.
  const node = { server: o.server, nodeToken: o.nodeToken, ca: o.ca, socketPath: o.socketPath };
  for (let i = 1; i <= o.nodes; i++) {
    const name = nodeName(i);
    const { agent, runtime, proxy } = await newNodeAgent({
      ...node, name, rootDir: join(o.dataDir, 'nodes', name), runtime: o.runtime ?? 'process', criEndpoint: o.criEndpoint, registriesFile: o.registriesFile,
      address: `127.0.1.${i}`, images: o.images, clusterDNS: o.clusterDNS, imageGC: o.imageGC,
    });
    runtimes.push(runtime);
    tasks.push(agent.run(signal));
    if (proxy) proxies.push(proxy.run(signal));
  }
  // Simulated nodes are one engine (as KWOK's): one client, the shared pod and node informers.
  if (o.simulatedNodes > 0) {
    const simClient = new RestClient({ server: o.server, token: o.token, ca: o.ca, socketPath: o.socketPath, userAgent: componentUserAgent('kubelet', KUBELET_VERSION) });
    const nodeNames = Array.from({ length: o.simulatedNodes }, (_, i) => `sim${String(i + 1).padStart(4, '0')}`);
    tasks.push(new SimulatedNodes({ client: simClient, informers, clock: realClock, nodeNames, rootDirFor: (n) => join(o.dataDir, 'nodes', n) }).run(signal));
  }
  informers.start(signal);
  return {
    async stop() {
      ac.abort();
      await Promise.allSettled(tasks);
      // Stopping the all-in-one cluster stops its containers too (a new `up` on another data dir
      // must not find old pods still holding ports), once no agent would start them again.
      await Promise.allSettled([...runtimes.map((rt) => stopContainers(rt, 0)), ...proxies]);
    },
  };
}
