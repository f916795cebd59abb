import { setMaxListeners } from 'node:events';
import { MemoryBackend } from '../storage/memory/memory-backend.js';
import { startApiServer, type ApiServer } from '../apiserver/server.js';
import { bootstrapCluster } from '../apiserver/bootstrap.js';
import { RestClient } from '../client/rest.js';
import { Resources } from '../client/types.js';
import { SharedInformerFactory } from '../client/informer.js';
import type { Clock } from '../util/clock.js';
import { realClock } from '../util/clock.js';

/**
 * TestCluster is a real API server over the memory store, in-process (controller-runtime's envtest):
 * controller, scheduler and agent tests drive the real API (validation, defaulting, watch,
 * ownerReferences, finalizers) instead of a fake that could drift from it. It lives outside
 * controllers/ and agent/ so that they still never import the API server themselves.
 */
export interface TestCluster {
  api: ApiServer;
  client: RestClient;
  informers: SharedInformerFactory;
  /** start runs the informers created so far; await it before asserting on caches */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** startTestCluster starts the API server (admin token `t0k`) with system namespaces, a client and an informer factory. */
export async function startTestCluster(o: { clock?: Clock; informerClock?: Clock } = {}): Promise<TestCluster> {
  const api = await startApiServer({ backend: new MemoryBackend(), tokens: ['t0k'], clock: o.clock });
  await bootstrapCluster(api);
  const client = new RestClient({ server: api.url, token: 't0k' });
  const informers = new SharedInformerFactory(client, { clock: o.informerClock ?? realClock });
  const ac = new AbortController();
  // Every informer and controller of a test listens on this one signal.
  setMaxListeners(0, ac.signal);
  return {
    api, client, informers,
    async start() {
      informers.start(ac.signal);
      await informers.waitForCacheSync(ac.signal);
    },
    async close() {
      ac.abort();
      await api.close();
    },
  };
}

/** eventually polls check until it stops throwing (or timeoutMs passes, then rethrows its last error); the generous default is for loaded CI machines, a passing check returns at once. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 15_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/**
 * createNamespace makes a namespace and its `default` service account, as the namespace is once
 * kube-controller-manager's serviceaccount controller has seen it (a test cluster runs no
 * controllers, and pods are refused while their service account is missing).
 */
export async function createNamespace(client: RestClient, name: string, labels?: Record<string, string>): Promise<void> {
  await client.create(Resources.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } });
  await client.create(Resources.serviceaccounts, name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } });
}
