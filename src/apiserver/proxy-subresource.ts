/**
 * The proxy subresources (what `kubectl proxy` users reach through the API server):
 * services/NAME[:PORT]/proxy/PATH to one ready endpoint of the Service, pods/NAME[:PORT]/proxy/PATH
 * to the pod's address, nodes/NAME/proxy/PATH to the node's agent — kube-apiserver's
 * ResourceLocation for each, then a plain HTTP proxy (method, headers but credentials, body).
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../api/resource.js';
import { StatusError, badRequest } from '../apimachinery/errors.js';
import type { RegistryStore } from '../registry/store.js';
import { agentEndpoint } from './node-proxy.js';

/** ProxyDeps give the proxy the stores it reads. */
export interface ProxyDeps {
  services(): RegistryStore;
  endpoints(): RegistryStore;
  pods(): RegistryStore;
  nodes(): RegistryStore;
  /** the token the API server presents to node agents */
  agentToken?: string;
}

/** ProxyTarget is where one proxied request goes. */
export interface ProxyTarget { scheme: 'http' | 'https'; host: string; port: number; token?: string }

/** splitSchemeNamePort is utilnet.SplitSchemeNamePort: "name", "name:port" or "scheme:name:port". */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':');
  if (parts.length === 1) return { scheme: '', name: parts[0], port: '' };
  if (parts.length === 2) return { scheme: '', name: parts[0], port: parts[1] };
  if (parts.length === 3 && (parts[0] === '' || parts[0] === 'http' || parts[0] === 'https')) return { scheme: parts[0], name: parts[1], port: parts[2] };
  return undefined;
}

const unavailable = (msg: string) => new StatusError(503, 'ServiceUnavailable', msg);

/** serviceLocation picks a random ready endpoint of the Service's port (services ResourceLocation). */
export async function serviceLocation(deps: ProxyDeps, ns: string, id: string): Promise<ProxyTarget> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed?.name) throw badRequest(`invalid service request ${JSON.stringify(id)}`);
  const svc = await deps.services().get(ns, parsed.name);
  const spec = (svc.spec ?? {}) as { type?: string; externalName?: string; ports?: { name?: string; port: number }[] };
  if (spec.type === 'ExternalName') return { scheme: parsed.scheme === 'https' ? 'https' : 'http', host: spec.externalName ?? '', port: Number(parsed.port) || 80 };
  const port = parsed.port
    ? (spec.ports ?? []).find((p) => p.name === parsed.port || String(p.port) === parsed.port)
    : (spec.ports ?? [])[0];
  if (!port && parsed.port) throw badRequest(`no service port ${JSON.stringify(parsed.port)} found for service ${JSON.stringify(parsed.name)}`);
  let ep: KubeObject | undefined;
  try { ep = await deps.endpoints().get(ns, parsed.name); } catch (e) { if (!(e instanceof StatusError && e.code === 404)) throw e; }
  const candidates: { ip: string; port: number }[] = [];
  for (const ss of ((ep?.subsets ?? []) as { addresses?: { ip: string }[]; ports?: { name?: string; port: number }[] }[])) {
    const p = (ss.ports ?? []).find((x) => (x.name ?? '') === (port?.name ?? '')) ?? (ss.ports?.length === 1 && !port?.name ? ss.ports[0] : undefined);
    if (!p) continue;
    for (const a of ss.addresses ?? []) candidates.push({ ip: a.ip, port: p.port });
  }
  if (candidates.length === 0) throw unavailable(`no endpoints available for service ${JSON.stringify(parsed.name)}`);
  const pick = candidates[Math.floor(Math.random() * candidates.length)];
  return { scheme: parsed.scheme === 'https' ? 'https' : 'http', host: pick.ip, port: pick.port };
}

/** podLocation is the pod's address and the port asked for (pods ResourceLocation). */
export async function podLocation(deps: ProxyDeps, ns: string, id: string): Promise<ProxyTarget> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed?.name) throw badRequest(`invalid pod request ${JSON.stringify(id)}`);
  const pod = await deps.pods().get(ns, parsed.name);
  const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
  if (!ip) throw badRequest(`address not allocated yet for pod ${JSON.stringify(parsed.name)}`);
  let port = Number(parsed.port);
  if (parsed.port && !/^\d+$/.test(parsed.port)) {
    const containers = ((pod.spec as { containers?: { ports?: { name?: string; containerPort: number }[] }[] } | undefined)?.containers ?? []);
    port = containers.flatMap((c) => c.ports ?? []).find((p) => p.name === parsed.port)?.containerPort ?? NaN;
    if (!port) throw badRequest(`no pod port ${JSON.stringify(parsed.port)} found for pod ${JSON.stringify(parsed.name)}`);
  }
  return { scheme: parsed.scheme === 'https' ? 'https' : 'http', host: ip, port: port || 80 };
}

/** nodeLocation is the node's agent (nodes ResourceLocation: the kubelet endpoint). */
export async function nodeLocation(deps: ProxyDeps, id: string): Promise<ProxyTarget> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed?.name) throw badRequest(`invalid node request ${JSON.stringify(id)}`);
  const node = await deps.nodes().get(undefined, parsed.name);
  const ep = agentEndpoint(node);
  if (!ep) throw unavailable(`node ${JSON.stringify(parsed.name)} has no reachable agent endpoint`);
  return { scheme: ep.scheme, host: ep.host, port: Number(parsed.port) || ep.port, token: deps.agentToken };
}

const HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'authorization']);

/**
 * serveProxy handles one proxy request: the path after /proxy goes to the target (a bare
 * .../proxy is redirected to .../proxy/ as kube-apiserver does), the response streams back.
 */
export async function serveProxy(kind: 'services' | 'pods' | 'nodes', deps: ProxyDeps, ns: string | undefined, id: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const marker = url.pathname.indexOf('/proxy', url.pathname.indexOf(`/${kind}/`));
  const rest = marker < 0 ? '' : url.pathname.slice(marker + '/proxy'.length);
  if (rest === '' && (req.method === 'GET' || req.method === 'HEAD')) {
    res.writeHead(301, { Location: `${url.pathname}/${url.search}` });
    res.end();
    return;
  }
  const target = kind === 'services' ? await serviceLocation(deps, ns ?? '', id) : kind === 'pods' ? await podLocation(deps, ns ?? '', id) : await nodeLocation(deps, id);
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_HEADERS.has(k)) headers[k] = v;
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  await new Promise<void>((resolve) => {
    const mod = target.scheme === 'https' ? https : http;
    const up = mod.request({ host: target.host, port: target.port, method: req.method, path: (rest || '/') + url.search, headers, rejectUnauthorized: false }, (r) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !HOP_HEADERS.has(k)) out[k] = v;
      res.writeHead(r.statusCode ?? 502, out);
      r.pipe(res);
      r.on('end', resolve);
      r.on('error', () => { res.destroy(); resolve(); });
    });
    up.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ECONNREFUSED' ? 'connect: connection refused' : e.message;
      if (!res.headersSent) {
        const body = JSON.stringify(new StatusError(503, 'ServiceUnavailable', `error trying to reach service: dial tcp ${target.host}:${target.port}: ${why}`).toStatus());
        res.writeHead(503, { 'Content-Type': 'application/json' });
        res.end(body);
      } else {
        res.destroy();
      }
      resolve();
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
}
