import https from 'node:https';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { setMaxListeners } from 'node:events';
import { rmSync } from 'node:fs';
import { log } from '../util/log.js';
import type { Backend } from '../storage/backend.js';
import type { AdmissionConfig, KubeObject, ResourceDefinition } from '../api/resource.js';
import { allResources } from '../api/registry.js';
import { StatusError } from '../apimachinery/errors.js';
import { RegistryStore, type NamespaceState, type StoreDeps } from '../registry/store.js';
import type { Clock } from '../util/clock.js';
import { realClock } from '../util/clock.js';
import { badURLEscape, parseRequestInfo } from './request-info.js';
import { limitObjectSize } from './object-size.js';
import { handleResource } from './resource-handler.js';
import { handleSubresource } from './subresources.js';
import { NodeProxy } from './node-proxy.js';
import { serveLogWebSocket } from './log-websocket.js';
import { noteProtobufAccept, notePrettyPrint, writeError, writeObject } from './response.js';
import { aggregatedDiscoveryVersion } from './negotiate.js';
import { advertiseAddress } from './kubernetes-endpoints.js';
import { versionInfo, coreAPIVersions, apiGroup, apiGroupList, apiResourceList, aggregatedDiscovery, type APIGroup } from './discovery.js';
import { openapiV2Document, openapiV2Protobuf, openapiV3Document, openapiV3Index, OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './openapi/index.js';
import { newAdmissionChain } from '../admission/plugins/index.js';
import { ServiceAllocator } from '../registry/service/service-allocator.js';
import { TokenAuthenticator, type UserInfo } from './authn.js';
import { authorize, forbiddenError, requestAttributes } from './authz.js';
import { storeNodeGraph } from './node-graph.js';
import { newRBAC, RBAC_RESOURCE_KEY } from './rbac/index.js';
import { ServiceAccountTokens } from './serviceaccount/index.js';
import { serveReview } from './reviews.js';
import { impersonate } from './impersonation.js';
import { isReview } from '../api/authorization/reviews.js';
import { ComponentHealth, etcdProbe } from '../api/core/componentstatus.js';
import { serveComponentStatus } from './componentstatuses.js';
import { MetricsAPI } from './metrics/metrics-api.js';
import { METRICS_GROUP, metricsResources } from './metrics/types.js';
import { APIServerMetrics, instrumentBackend, resourceOfKey } from './metrics/apiserver-metrics.js';
import { resourcePrefix } from '../registry/keys.js';
import { CustomResources } from './crd/custom-resources.js';
import { CRDControllers } from './crd/controllers.js';
import { admitConnect } from './connect-admission.js';
import { Aggregator } from './aggregator/aggregator.js';
import { celEngine, registerCELEngine } from '../api/apiextensions/schema/cel.js';
import { newCELEngine } from '../api/apiextensions/schema/cel-engine.js';

export interface ApiServerOptions {
  backend: Backend;
  /** admin bearer tokens (user kubernetes-admin, system:masters) */
  tokens: string[];
  /** the node token: `system:node:NAME:<token>` authenticates node NAME (see authn.ts), authorized as a kubelet */
  nodeToken?: string;
  /** serving certificate and key; clientCA: the CA whose client certificates authenticate (--client-ca-file) */
  tls?: { cert: string; key: string; clientCA?: string };
  host?: string;
  /** 0 picks a free port */
  port?: number;
  clock?: Clock;
  /** token the server presents to node agents when proxying logs/exec */
  agentToken?: string;
  resources?: ResourceDefinition[];
  /** admission flags (--default-not-ready-toleration-seconds …) */
  admission?: AdmissionConfig;
  /** how often the built-in metrics API scrapes node agents (metrics-server's --metric-resolution, default 15 s) */
  metricResolutionMs?: number;
  /** --service-cluster-ip-range (default 10.96.0.0/12) and --service-node-port-range (default 30000-32767) */
  serviceClusterIPRange?: string;
  serviceNodePortRange?: string;
  /** --service-account-signing-key-file's key (PEM); an ephemeral key when absent */
  serviceAccountSigningKey?: string;
  /** the in-process scheduler and controllers' health, as ComponentStatus reports it (none registered: not running) */
  componentHealth?: ComponentHealth;
  /**
   * a Unix socket (a path) where the same API is also served in plain HTTP, for the components of
   * this process: their requests skip TLS at both ends (about a quarter of a request's CPU); the
   * socket is the owner's alone (mode 0600) and every request still authenticates with its token
   */
  localSocket?: string;
}

/** ApiServer is a running API server. */
export interface ApiServer {
  url: string;
  port: number;
  /** the Unix socket the API is also served on (ApiServerOptions.localSocket), once it listens */
  localSocket?: string;
  /** stores, for in-process bootstrap and tests only: components use the HTTP API */
  storeFor(group: string, version: string, plural: string): RegistryStore;
  /** stopScrapingNodes ends the metrics scrapes (before the nodes' agents stop: they would fail) */
  stopScrapingNodes(): void;
  /** releaseOrphanedServiceIP: see ServiceAllocator.releaseOrphanedIP (the bootstrap's own Service) */
  releaseOrphanedServiceIP(ip: string, namespace: string, name: string): Promise<boolean>;
  /**
   * bootstrapped marks the post-start work done (the system namespaces, the kubernetes Service…):
   * until then /readyz and /healthz fail, as kube-apiserver's do until its post-start hooks finish
   */
  bootstrapped(): void;
  close(): Promise<void>;
}

const logger = log.child({ component: 'apiserver' });

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

/**
 * startApiServer serves the Kubernetes API over a Backend: discovery, OpenAPI, health, and every
 * resource verb through the generic registry store.
 */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const clock = opts.clock ?? realClock;
  // The resource metrics API (metrics.k8s.io) is built in: discovery lists it as if metrics-server were installed.
  const defs = [...(opts.resources ?? allResources), ...metricsResources];
  const byPath = new Map<string, ResourceDefinition>();
  for (const d of defs) byPath.set(`${d.group}/${d.version}/${d.plural}`, d);
  const stores = new Map<string, RegistryStore>();
  // /metrics: requests, latency and stored objects per resource; storage calls are timed by resource.
  const storedPrefixes = new Map(defs.filter((d) => d.group !== METRICS_GROUP).map((d) => [resourcePrefix(d), d.group ? `${d.plural}.${d.group}` : d.plural]));
  const metrics = new APIServerMetrics({ backend: opts.backend, resources: () => [...storedPrefixes].map(([prefix, resource]) => ({ prefix, resource })) });
  // What etcd would refuse for its size is refused here too (413), not stored.
  const backend = limitObjectSize(instrumentBackend(opts.backend, metrics, resourceOfKey(storedPrefixes)));
  const services = new ServiceAllocator({ backend: opts.backend, clock, serviceCIDR: opts.serviceClusterIPRange, nodePortRange: opts.serviceNodePortRange });
  /** set by bootstrapped(): /readyz and /healthz answer ok from then on */
  let booted = false;
  const background = new AbortController();
  // Every admission/RBAC/aggregator object cache keeps one watch on this signal (more than Node's
  // default 10; each watch removes its listener when it ends, so the count stays bounded).
  setMaxListeners(0, background.signal);

  const storeDeps: StoreDeps = {
    backend,
    clock,
    admission: opts.admission,
    async namespaceState(name: string): Promise<NamespaceState> {
      const key = `/registry/namespaces/${name}`;
      // Every namespaced create asks: the namespaces' watch cache answers without a storage read
      // and a decode (storage still does when the cache cannot tell, as a lister miss does).
      const nsCache = namespaceDef && storeFor(namespaceDef).watchCache;
      if (nsCache && !nsCache.started) void nsCache.start().catch(() => undefined);
      let ns = nsCache?.current(key);
      if (!ns) {
        const kv = await opts.backend.get(key);
        if (!kv) return 'missing';
        ns = JSON.parse(kv.value) as KubeObject;
      }
      return ns.metadata?.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating' ? 'terminating' : 'active';
    },
    // The Service REST storage allocates cluster IPs and node ports (BeginCreate/BeginUpdate).
    beginCreate: async (def, obj) => (def.group === '' && def.plural === 'services' ? services.allocateCreate(obj) : undefined),
    beginUpdate: async (def, obj, old) => (def.group === '' && def.plural === 'services' ? services.allocateUpdate(obj, old) : undefined),
  };
  const namespaceDef = byPath.get('/v1/namespaces');
  const storeFor = (def: ResourceDefinition): RegistryStore => {
    if (def.customResource) return crds.storeFor(def);
    const k = `${def.group}/${def.version}/${def.plural}`;
    let s = stores.get(k);
    if (!s) {
      s = new RegistryStore(def, storeDeps);
      stores.set(k, s);
    }
    return s;
  };
  // CustomResourceDefinitions: their resources are served beside the built-in ones, as
  // kube-apiextensions-server does (its naming/establishing/finalizer controllers run here too).
  const CRD_PATH = 'apiextensions.k8s.io/v1/customresourcedefinitions';
  if (!celEngine()) registerCELEngine(newCELEngine()); // x-kubernetes-validations rules are enforced
  // CRD conversion webhooks resolve clientConfig.service through the services and endpoints stores.
  const crds = new CustomResources(() => storeFor(byPath.get(CRD_PATH)!), storeDeps, { storeFor: (g, v, p) => storeFor(byPath.get(`${g}/${v}/${p}`)!) });
  const crdLoops = new AbortController();
  if (byPath.has(CRD_PATH)) {
    void crds.start(crdLoops.signal);
    void new CRDControllers(crds, () => storeFor(byPath.get(CRD_PATH)!), clock).run(crdLoops.signal);
  }
  /** served is what discovery and OpenAPI list: built-in resources and established custom resources. */
  const served = () => crds.resources(defs);
  const findResource = (g: string, v: string, p: string) => byPath.get(`${g}/${v}/${p}`) ?? crds.find(g, v, p);
  // The admission chain (admission/plugins): built-in plugins, webhooks and policies, watching their configurations for the server's lifetime.
  storeDeps.admissionChain = newAdmissionChain({
    storeFor: (g, v, p) => {
      const def = byPath.get(`${g}/${v}/${p}`);
      if (!def) throw new StatusError(404, 'NotFound', `the server could not find the requested resource (${g}/${v}/${p})`);
      return storeFor(def);
    },
    clock, signal: background.signal, resources: served, storeForDef: storeFor,
    // RBAC's escalation check asks the authorizer in force (graph and rbac are set below, before any request)
    escalation: { authorize: async (a) => (await authorize(a, graph)).allowed, rbac: () => rbac?.authorizer },
  });
  // kube-aggregator: extension APIServices are proxied to their servers and join discovery.
  const aggPaths = ['apiregistration.k8s.io/v1/apiservices', '/v1/services', '/v1/endpoints'].map((k) => byPath.get(k));
  const aggregator = aggPaths.every(Boolean) ? new Aggregator({
    apiServices: () => storeFor(aggPaths[0]!), services: () => storeFor(aggPaths[1]!), endpoints: () => storeFor(aggPaths[2]!),
    clock, signal: background.signal, localGroup: (g) => apiGroup(served(), g) as APIGroup | undefined,
    configMaps: byPath.has('/v1/configmaps') ? () => storeFor(byPath.get('/v1/configmaps')!) : undefined,
  }) : undefined;
  aggregator?.start();
  const nodeProxy = new NodeProxy(() => storeFor(byPath.get('/v1/nodes')!), opts.agentToken);
  const metricsApi = new MetricsAPI({
    nodes: () => storeFor(byPath.get('/v1/nodes')!), pods: () => storeFor(byPath.get('/v1/pods')!),
    clock, agentToken: opts.agentToken, resolutionMs: opts.metricResolutionMs,
  });
  if (byPath.has('/v1/nodes') && byPath.has('/v1/pods')) metricsApi.start();
  // What deleted or changed Services held goes back to the allocators; leaks are repaired.
  if (byPath.has('/v1/services')) {
    void services.runReleaser(background.signal);
    void services.runRepair(background.signal);
  }
  // Service account tokens: TokenRequest, their authentication, the OIDC discovery documents.
  const saStorePaths = { ServiceAccount: '/v1/serviceaccounts', Pod: '/v1/pods', Secret: '/v1/secrets', Node: '/v1/nodes' } as const;
  const saTokens = new ServiceAccountTokens({
    signingKey: opts.serviceAccountSigningKey, clock,
    store: (kind) => { const d = byPath.get(saStorePaths[kind]); return d && storeFor(d); },
  });
  const authn = new TokenAuthenticator({ adminTokens: opts.tokens, nodeToken: opts.nodeToken, tokenAuthenticators: [saTokens.authenticate] });
  const graph = storeNodeGraph(() => storeFor(byPath.get('/v1/pods')!), () => storeFor(byPath.get('/v1/persistentvolumeclaims')!));
  // actingUser is the user a request acts as: its own, or whom its impersonation headers name (kubectl --as).
  const actingUser = async (req: IncomingMessage, requester: UserInfo): Promise<UserInfo> =>
    impersonate(requester, req.headersDistinct, (a) => authorize(a, graph));
  // --authorization-mode=Node,RBAC: the RBAC authorizer reads watched caches of the four kinds.
  const rbac = newRBAC((p) => { const d = byPath.get(`${RBAC_RESOURCE_KEY}/${p}`); return d && storeFor(d); }, background.signal, clock);
  graph.rbac = rbac;
  // authorizeRequest throws 403 Forbidden unless the user may make this request.
  const authorizeRequest = async (user: UserInfo, req: IncomingMessage, url: URL, info: ReturnType<typeof parseRequestInfo>, upgrade = false): Promise<void> => {
    const attrs = requestAttributes(user, req.method ?? 'GET', url, info, upgrade);
    const d = await authorize(attrs, graph);
    if (!d.allowed) throw forbiddenError(attrs, d);
  };

  /** handle serves one request; url, path and info are onRequest's (parsed once per request). */
  const handle = async (req: IncomingMessage, res: ServerResponse, url: URL, path: string, info: ReturnType<typeof parseRequestInfo>): Promise<void> => {
    // Authentication comes first everywhere (a bad token is 401 on /healthz too); the public paths
    // then need no authorization (system:public-info-viewer grants them to everyone).
    const authenticated = await authn.authenticateRequest(req.headers.authorization, req.socket);
    const user = PUBLIC_PATHS.has(url.pathname) ? undefined : await actingUser(req, authenticated);
    if (user) await authorizeRequest(user, req, url, info);
    // Discovery and OpenAPI documents are GET-only routes: any other method is go-restful's 405.
    const DOCUMENT_PATHS = ['/version', '/api', '/apis', '/openapi/v2', '/openapi/v3'];
    if (req.method !== 'GET' && req.method !== 'HEAD' && (DOCUMENT_PATHS.includes(path) || path.startsWith('/openapi/v3/') || !info.isResource && /^\/apis?\//.test(path))) {
      throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
    }
    switch (path) {
      case '/healthz': case '/livez': case '/readyz':
        if (path !== '/livez' && !booted) {
          // kube-apiserver's answer while a post-start hook has not finished (its checks, the failed one's reason withheld).
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
          res.end(`[+]ping ok\n[+]etcd ok\n[-]poststarthook/bootstrap-controller failed: reason withheld\n${path.slice(1)} check failed\n`);
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      case '/version':
        return writeObject(res, 200, versionInfo());
      case '/metrics':
        return metrics.serve(res);
      case '/.well-known/openid-configuration': case '/openid/v1/jwks':
        saTokens.serveOIDC(path, res);
        return;
      case '/api':
        return serveDiscovery(req, res, () => coreAPIVersions(advertisedAddress()), (v) => aggregatedDiscovery(served(), 'core', v));
      case '/apis':
        return serveDiscovery(req, res, () => aggregator?.mergeAPIGroupList(apiGroupList(served())) ?? apiGroupList(served()),
          (v) => aggregator?.mergeAggregatedDiscovery(aggregatedDiscovery(served(), 'apis', v) as { items: Record<string, unknown>[] }) ?? aggregatedDiscovery(served(), 'apis', v));
      case '/openapi/v2':
        // Older kubectl (explain, validation) asks for the protobuf document.
        if ((req.headers.accept ?? '').includes(OPENAPI_V2_PROTOBUF)) {
          const body = openapiV2Protobuf(served());
          res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF_CONTENT_TYPE, 'Content-Length': body.length });
          res.end(body);
          return;
        }
        return writeObject(res, 200, openapiV2Document(served()));
      case '/openapi/v3':
        return writeObject(res, 200, aggregator ? aggregator.mergeOpenAPIV3Index(openapiV3Index(served())) : openapiV3Index(served()));
    }
    if (path.startsWith('/openapi/v3/') && aggregator && user && await aggregator.serveOpenAPIV3(req, res, url, user)) return;
    if (path.startsWith('/openapi/v3/')) {
      const gv = path.slice('/openapi/v3/'.length).split('/');
      const [group, version] = gv[0] === 'api' ? ['', gv[1]] : [gv[1], gv[2]];
      const doc = openapiV3Document(group, version, served());
      if (!doc) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
      res.writeHead(200, { 'Content-Type': 'application/json', ETag: `"${doc.hash}"`, 'Cache-Control': url.searchParams.get('hash') === doc.hash ? 'public, immutable' : 'no-cache, private' });
      res.end(doc.body);
      return;
    }
    if (aggregator && user && await aggregator.serve(req, res, url, user)) return;
    if (!info.isResource) {
      if (info.version !== undefined) {
        const list = apiResourceList(served(), info.group ?? '', info.version);
        if (list) return writeObject(res, 200, list);
      } else if (path.startsWith('/apis/')) {
        const g = apiGroup(served(), path.split('/')[2]);
        if (g) return writeObject(res, 200, g);
      }
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
    }
    if (info.group === METRICS_GROUP) return metricsApi.handle(req, res, url, info);
    // Access reviews and SelfSubjectReview are answered by the authorizer/authenticator, never stored.
    const reviewDef = byPath.get(`${info.group}/${info.version}/${info.resource}`);
    if (reviewDef && isReview(reviewDef) && user) return serveReview(reviewDef, info, user, req, res, { graph, authn, tokenReviewer: (t, a) => saTokens.review(t, a), rbacRules: rbac && ((u, ns) => rbac.authorizer.rulesFor(u, ns)) });
    // ComponentStatus is checked on each request, never stored.
    if (info.group === '' && info.resource === 'componentstatuses' && reviewDef) return serveComponentStatus(reviewDef, info, req, res, url, { health: opts.componentHealth ?? new ComponentHealth(), etcd: etcdProbe(() => opts.backend.currentRevision()), now: () => clock.now() });
    if (info.group === '' && info.resource === 'serviceaccounts' && info.subresource === 'token' && info.name && byPath.has(saStorePaths.ServiceAccount)) {
      return saTokens.serveToken(info.namespace ?? '', info.name, req, res, user);
    }
    await handleResource(req, res, url, info, {
      clock,
      user,
      findResource,
      storeFor,
      subresource: (def, i, rq, rs, u) => handleSubresource(def, i, rq, rs, u, {
        clock, storeFor, podsStore: () => storeFor(byPath.get('/v1/pods')!), nodeProxy, user,
      }),
    });
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // Nothing a client sends may throw out of here: an exception in this listener ends the process.
    try {
      notePrettyPrint(req, res);
      noteProtobufAccept(req, res);
      const murl = new URL(req.url ?? '/', 'https://localhost');
      const escape = badURLEscape(murl.pathname);
      if (escape) throw new StatusError(400, 'BadRequest', escape);
      const path = murl.pathname.replace(/\/+$/, '') || '/';
      const info = parseRequestInfo(path);
      metrics.monitor(req, res, murl, info);
      handle(req, res, murl, path, info).catch((e) => writeError(res, e));
    } catch (e) {
      writeError(res, e instanceof TypeError ? new StatusError(400, 'BadRequest', `parse ${JSON.stringify(req.url)}: ${e.message}`) : e);
    }
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const fail = (e: unknown) => {
      const se = e instanceof StatusError ? e : new StatusError(500, 'InternalError', String(e));
      const body = JSON.stringify(se.toStatus());
      socket.end(`HTTP/1.1 ${se.code} ${http.STATUS_CODES[se.code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    (async () => {
      const user = await actingUser(req, await authn.authenticateRequest(req.headers.authorization, req.socket));
      const url = new URL(req.url ?? '/', 'https://localhost');
      const info = parseRequestInfo(url.pathname);
      await authorizeRequest(user, req, url, info, true);
      if (aggregator && await aggregator.serveUpgrade(req, socket, head, url, user)) return;
      if (info.isResource && info.group === '' && info.resource === 'pods' && info.name && info.subresource === 'log') {
        // A streamed GET asked as a WebSocket (wsstream): the log as messages.
        const pod = await storeFor(byPath.get('/v1/pods')!).get(info.namespace, info.name);
        serveLogWebSocket(req, socket, head, (res) => nodeProxy.proxyLog(pod, url, req, res));
        return;
      }
      if (!info.isResource || info.group !== '' || info.resource !== 'pods' || !info.name || !['exec', 'attach', 'portforward'].includes(info.subresource ?? '')) {
        throw new StatusError(400, 'BadRequest', 'upgrade is only supported on pods/exec, pods/attach and pods/portforward');
      }
      const pod = await storeFor(byPath.get('/v1/pods')!).get(info.namespace, info.name);
      await admitConnect(storeDeps.admissionChain, byPath.get('/v1/pods')!, info.namespace ?? '', info.name, info.subresource!, url, user);
      await nodeProxy.proxyUpgrade(pod, info.subresource!, url, req, socket, head);
    })().catch(fail);
  };

  // /api names the address clients outside the cluster use, as kube-apiserver's advertise address
  // and secure port (what the kubernetes Endpoints list), not a fixed 127.0.0.1:6443
  const advertisedAddress = (): string => {
    const a = advertiseAddress(`https://${host.includes(':') ? `[${host}]` : host}`);
    return `${a.includes(':') ? `[${a}]` : a}:${(server.address() as AddressInfo).port}`;
  };

  // Go's http.Server reads up to 1 MiB of request line and headers (DefaultMaxHeaderBytes); Node's
  // 16 KiB default cut long URLs (a 20k-character name) to a bodiless 431 or a reset connection.
  const maxHeaderSize = 1 << 20;
  const server = opts.tls
    // With a client CA, a client may present a certificate it signed (kube-apiserver's
    // --client-ca-file); one without, or with another, still connects and may use a token.
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key, maxHeaderSize, ...(opts.tls.clientCA ? { ca: opts.tls.clientCA, requestCert: true, rejectUnauthorized: false } : {}) }, onRequest)
    : http.createServer({ maxHeaderSize }, onRequest);
  server.on('upgrade', onUpgrade);
  server.keepAliveTimeout = 65_000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const local = opts.localSocket ? await listenLocal(opts.localSocket, maxHeaderSize, onRequest, onUpgrade) : undefined;
  const scheme = opts.tls ? 'https' : 'http';
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `${scheme}://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${port}`,
    port,
    localSocket: local ? opts.localSocket : undefined,
    storeFor: (g, v, p) => storeFor(byPath.get(`${g}/${v}/${p}`)!),
    stopScrapingNodes: () => metricsApi.stop(),
    releaseOrphanedServiceIP: (ip, namespace, name) => services.releaseOrphanedIP(ip, namespace, name),
    bootstrapped: () => { booted = true; },
    close: () => new Promise<void>((resolve) => {
      crdLoops.abort();
      metricsApi.stop();
      background.abort();
      local?.close();
      local?.closeAllConnections();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/**
 * listenLocal serves the API in plain HTTP on a Unix socket only the owner may open (a stale socket
 * of an earlier run is replaced); undefined, with the reason logged, when it cannot (the components
 * then use HTTPS like any client).
 */
async function listenLocal(path: string, maxHeaderSize: number, onRequest: http.RequestListener, onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): Promise<http.Server | undefined> {
  const local = http.createServer({ maxHeaderSize }, onRequest);
  local.on('upgrade', onUpgrade);
  local.keepAliveTimeout = 65_000;
  try {
    rmSync(path, { force: true });
    await new Promise<void>((resolve, reject) => {
      local.once('error', reject);
      // Created under a umask that leaves the socket to its owner from the start (no window before a chmod).
      const umask = process.umask(0o177);
      try { local.listen(path, () => resolve()); } finally { process.umask(umask); }
    });
    return local;
  } catch (err) {
    logger.error(err, 'the local API socket could not listen: the components use HTTPS', { path });
    return undefined;
  }
}

function serveDiscovery(req: IncomingMessage, res: ServerResponse, plain: () => unknown, aggregated: (v: 'v2' | 'v2beta1') => unknown): void {
  const v = aggregatedDiscoveryVersion(req.headers.accept);
  if (v) {
    const body = JSON.stringify(aggregated(v));
    res.writeHead(200, {
      'Content-Type': `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`,
      Vary: 'Accept', 'Cache-Control': 'public',
    });
    res.end(body);
    return;
  }
  writeObject(res, 200, plain());
}
