/**
 * Aggregator is kube-aggregator inside tskube's API server: it watches APIServices, Services and
 * Endpoints, runs the availability controller, proxies requests for the group versions of
 * extension APIServices (spec.service set) to their servers, and adds those groups to discovery.
 * Local APIServices (the built-in group versions) are never proxied; a deleted APIService stops
 * being routed as soon as the watch reports it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ObjectCache } from '../../admission/cache.js';
import type { KubeObject } from '../../api/resource.js';
import type { RegistryStore } from '../../registry/store.js';
import type { Clock } from '../../util/clock.js';
import { log } from '../../util/log.js';
import type { UserInfo } from '../authn.js';
import type { APIGroup } from '../discovery.js';
import { apiServiceInfo, isAvailable, type APIServiceInfo } from './apiservice.js';
import { AvailableConditionController, targetFor } from './available.js';
import { httpsDiscoveryFetcher, type DiscoveryFetcher } from './discovery-check.js';
import { aggregatedAPIGroup, mergeAggregatedDiscovery, mergeAPIGroupList, resourcesOfBody, type AggregatedVersion } from './discovery.js';
import { newFrontProxyCredentials, publishAuthentication, type ConfigMapStore, type FrontProxyCredentials } from './front-proxy.js';
import { fetchOpenAPIV3Entry, mergeOpenAPIV3Index, openapiV3Path, type OpenAPIV3Index } from './openapi.js';
import { httpError, newProxyAgent, proxyRequest, proxyUpgrade, type ProxyTarget } from './proxy.js';

const logger = log.child({ component: 'aggregator' });

type Obj = Record<string, unknown>;

/** PUBLISH_DELAY_MS is how long after start extension-apiserver-authentication is published. */
export const PUBLISH_DELAY_MS = 1000;

/** AggregatorDeps are the stores the aggregator watches and writes, and its clock and seams. */
export interface AggregatorDeps {
  apiServices: () => RegistryStore;
  services: () => RegistryStore;
  endpoints: () => RegistryStore;
  /** where extension-apiserver-authentication is published (not published without it) */
  configMaps?: () => ConfigMapStore;
  clock: Clock;
  signal: AbortSignal;
  /** the local server's GET /apis/<group>, to merge extension versions into */
  localGroup: (group: string) => APIGroup | undefined;
  /** the availability check's fetcher (tests replace it) */
  fetch?: DiscoveryFetcher;
  /** the availability controller's resync period (30 s) */
  resyncMs?: number;
}

/** Route is where requests for one extension group version go. */
interface Route { info: APIServiceInfo; available: boolean }

/** Aggregator routes extension APIs; see the file comment. */
export class Aggregator {
  private readonly apiServices: ObjectCache;
  private readonly services: ObjectCache;
  private readonly endpoints: ObjectCache;
  private readonly controller: AvailableConditionController;
  /** every APIService, as last seen: routing and discovery read it without waiting */
  private snapshot: readonly KubeObject[] = [];
  /** the groups with an extension APIService (from snapshot): every other request passes by at once */
  private extensionGroups = new Set<string>();
  /** resources each extension APIService listed at its last passed check */
  private readonly resources = new Map<string, Obj[]>();
  /** the OpenAPI v3 index entry of each passed extension APIService, by index key */
  private readonly openapi = new Map<string, { serverRelativeURL: string; apiService: string }>();
  /** the front proxy's client certificate, made on first need (it costs a key pair and two signatures) */
  private frontProxyCreds?: Promise<FrontProxyCredentials>;
  /** kept-alive connections of proxied requests, closed when the server stops */
  private readonly agent = newProxyAgent();

  constructor(private readonly deps: AggregatorDeps) {
    const fetch = deps.fetch ?? httpsDiscoveryFetcher(deps.clock);
    const changed = () => { void this.controller.changed().catch((e) => logger.error(e, 'aggregator: enqueueing APIServices failed')); };
    this.apiServices = new ObjectCache(deps.apiServices, deps.signal, deps.clock, () => {
      void this.apiServices.list().then((l) => {
        this.snapshot = l;
        this.extensionGroups = new Set(l.map(apiServiceInfo).filter((i) => i.service && i.group).map((i) => i.group));
      });
      changed();
    });
    this.services = new ObjectCache(deps.services, deps.signal, deps.clock, changed);
    this.endpoints = new ObjectCache(deps.endpoints, deps.signal, deps.clock, changed);
    this.controller = new AvailableConditionController({
      apiServices: this.apiServices, services: this.services, endpoints: this.endpoints,
      updateStatus: (svc) => deps.apiServices().update(undefined, svc.metadata!.name!, svc, { subresource: 'status' }),
      fetch: async (target, path) => fetch({ ...target, client: await this.frontProxy() }, path), clock: deps.clock, resyncMs: deps.resyncMs,
      onDiscovery: (name, body) => {
        const r = body === undefined ? undefined : resourcesOfBody(body);
        if (r) this.resources.set(name, r);
        else if (body === undefined) this.resources.delete(name);
        void this.refreshOpenAPI(name, fetch, body !== undefined);
      },
    });
  }

  /** start watches and runs the availability controller until the signal aborts. */
  start(): void {
    this.apiServices.start();
    this.services.start();
    this.endpoints.start();
    this.deps.signal.addEventListener('abort', () => this.agent.destroy(), { once: true });
    const configMaps = this.deps.configMaps;
    // Published a moment after start, off the start's critical path: extension servers read it when they start.
    if (configMaps) {
      const cancel = this.deps.clock.setTimeout(() => {
        this.frontProxy().then((c) => publishAuthentication(configMaps, c.caCert, this.deps.clock, this.deps.signal), (e) => logger.error(e, 'aggregator: making the front proxy certificate failed'));
      }, PUBLISH_DELAY_MS);
      this.deps.signal.addEventListener('abort', cancel, { once: true });
    }
    void this.controller.run(this.deps.signal).catch((e) => logger.error(e, 'aggregator: availability controller stopped'));
  }

  /** refreshOpenAPI reads a passed APIService's OpenAPI v3 index entry, or forgets a deleted one's. */
  private async refreshOpenAPI(name: string, fetch: DiscoveryFetcher, present: boolean): Promise<void> {
    const svc = present ? await this.apiServices.get(name) : undefined;
    const info = svc && apiServiceInfo(svc);
    if (!info?.service) {
      for (const [k, v] of this.openapi) if (v.apiService === name) this.openapi.delete(k);
      return;
    }
    try {
      const target = await this.target({ info, available: true });
      const entry = await fetchOpenAPIV3Entry(fetch, target, info.group, info.version);
      const key = openapiV3Path(info.group, info.version);
      if (entry) this.openapi.set(key, { ...entry, apiService: name });
      else this.openapi.delete(key);
    } catch (e) {
      logger.v(4).info('reading the OpenAPI v3 index of an extension server failed', { apiService: name, err: String(e) });
    }
  }

  /** mergeOpenAPIV3Index adds the extension group versions to GET /openapi/v3. */
  mergeOpenAPIV3Index(index: OpenAPIV3Index): OpenAPIV3Index {
    const available = new Set(this.aggregated().filter((a) => a.available).map((a) => openapiV3Path(a.info.group, a.info.version)));
    const extra = new Map([...this.openapi].filter(([k]) => available.has(k)).map(([k, v]) => [k, { serverRelativeURL: v.serverRelativeURL }] as const));
    return mergeOpenAPIV3Index(index, extra);
  }

  /** serveOpenAPIV3 proxies GET /openapi/v3/apis/<group>/<version> of an extension APIService; false otherwise. */
  async serveOpenAPIV3(req: IncomingMessage, res: ServerResponse, url: URL, user: UserInfo): Promise<boolean> {
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts.length !== 5 || parts[0] !== 'openapi' || parts[1] !== 'v3' || parts[2] !== 'apis' || !this.extensionGroups.has(parts[3])) return false;
    const route = await this.routeFor(parts[3], parts[4]);
    if (!route) return false;
    if (!route.available) {
      httpError(res, 503, 'service unavailable');
      return true;
    }
    await proxyRequest(req, res, url, await this.target(route), user, this.agent);
    return true;
  }

  /** frontProxy returns the front proxy's credentials, making them the first time. */
  private frontProxy(): Promise<FrontProxyCredentials> {
    this.frontProxyCreds ??= newFrontProxyCredentials();
    return this.frontProxyCreds;
  }

  private infos(): APIServiceInfo[] {
    return this.snapshot.map(apiServiceInfo);
  }

  /** aggregated lists every extension group version with its availability and last resources. */
  private aggregated(): AggregatedVersion[] {
    return this.snapshot.flatMap((s) => {
      const info = apiServiceInfo(s);
      return info.service && info.group ? [{ info, available: isAvailable(s), resources: this.resources.get(info.name) }] : [];
    });
  }

  /** routeFor is the extension APIService serving group/version, if one does (never a Local one). */
  private async routeFor(group: string, version: string): Promise<Route | undefined> {
    if (!group) return undefined;
    const svc = await this.apiServices.get(`${version}.${group}`);
    if (!svc) return undefined;
    const info = apiServiceInfo(svc);
    return info.service ? { info, available: isAvailable(svc) } : undefined;
  }

  /** target resolves the endpoint a request for route goes to now. */
  private async target(route: Route): Promise<ProxyTarget> {
    const ref = route.info.service!;
    const key = `${ref.namespace}/${ref.name}`;
    const target = targetFor(route.info, await this.services.get(key), await this.endpoints.get(key));
    return { ...target, client: await this.frontProxy() };
  }

  /**
   * serve answers a request the aggregator owns (already authenticated and authorized as user):
   * anything under /apis/<group>/<version> of an extension APIService, and /apis/<group> of a group
   * with one. It returns false for everything else.
   */
  async serve(req: IncomingMessage, res: ServerResponse, url: URL, user: UserInfo): Promise<boolean> {
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'apis' || parts.length < 2 || !this.extensionGroups.has(parts[1])) return false;
    if (parts.length === 2) {
      const agg = this.aggregated();
      const body = aggregatedAPIGroup(parts[1], this.deps.localGroup(parts[1])?.versions.map((v) => v.version) ?? [], agg, this.infos());
      if (!body) return false;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
      return true;
    }
    const route = await this.routeFor(parts[1], parts[2]);
    if (!route) return false;
    if (!route.available) {
      httpError(res, 503, 'service unavailable');
      return true;
    }
    let target: ProxyTarget;
    try {
      target = await this.target(route);
    } catch (e) {
      logger.error(e, 'error resolving the service of an APIService', { apiService: route.info.name });
      httpError(res, 503, 'service unavailable');
      return true;
    }
    await proxyRequest(req, res, url, target, user, this.agent);
    return true;
  }

  /** serveUpgrade proxies an upgrade request for an extension API; false when it is not one. */
  async serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, user: UserInfo): Promise<boolean> {
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'apis' || parts.length < 3 || !this.extensionGroups.has(parts[1])) return false;
    const route = await this.routeFor(parts[1], parts[2]);
    if (!route) return false;
    let target: ProxyTarget | undefined;
    try {
      if (route.available) target = await this.target(route);
    } catch { /* answered below */ }
    if (!target) {
      const msg = 'service unavailable\n';
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${msg.length}\r\nConnection: close\r\n\r\n${msg}`);
      return true;
    }
    proxyUpgrade(req, socket, head, url, target, user);
    return true;
  }

  /** mergeAPIGroupList adds the extension groups to GET /apis. */
  mergeAPIGroupList<L extends { groups: APIGroup[] }>(list: L): L {
    return mergeAPIGroupList(list, this.aggregated(), this.infos());
  }

  /** mergeAggregatedDiscovery adds the extension group versions to the aggregated /apis document. */
  mergeAggregatedDiscovery<D extends { items: Obj[] }>(doc: D): D {
    return mergeAggregatedDiscovery(doc, this.aggregated(), this.infos());
  }
}
