import http from 'node:http';
import https from 'node:https';
import { StatusError, type Status } from '../apimachinery/errors.js';
import type { KubeObject } from '../api/resource.js';
import type { Client, DeleteOptions, ListOptions, ListResult, PatchType, ResourceRef, WatchEvent, WatchOptions } from './types.js';

/** RestClientOptions say where the API server is and how to authenticate. */
export interface RestClientOptions {
  server: string;
  token?: string;
  /** PEM CA bundle that signed the server's certificate */
  ca?: string;
  insecureSkipTLSVerify?: boolean;
  userAgent?: string;
  /**
   * the API server's local Unix socket (plain HTTP): the components of the process that runs the
   * API server talk to it there instead of over TLS; `server` then only names it
   */
  socketPath?: string;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

/** RestClient implements Client over HTTP(S) with keep-alive connections and JSON bodies. */
export class RestClient implements Client {
  private readonly agent: http.Agent;
  /** watches hold their connection for minutes: they get their own uncapped pool so they never starve requests (or each other) */
  private readonly watchAgent: http.Agent;
  private readonly base: URL;
  private readonly tls: boolean;
  /** where requests connect: the local socket, or the server URL's host and port */
  private readonly target: http.RequestOptions;

  constructor(private readonly o: RestClientOptions) {
    this.base = new URL(o.server);
    this.tls = this.base.protocol === 'https:' && o.socketPath === undefined;
    this.target = o.socketPath !== undefined
      ? { socketPath: o.socketPath }
      : { protocol: this.base.protocol, hostname: this.base.hostname, port: this.base.port };
    this.agent = this.tls
      ? new https.Agent({ keepAlive: true, ca: o.ca, rejectUnauthorized: !o.insecureSkipTLSVerify, maxSockets: 64 })
      : new http.Agent({ keepAlive: true, maxSockets: 64 });
    this.watchAgent = this.tls
      ? new https.Agent({ keepAlive: true, ca: o.ca, rejectUnauthorized: !o.insecureSkipTLSVerify })
      : new http.Agent({ keepAlive: true });
  }

  /** path builds /api/v1/namespaces/ns/pods/name/sub. */
  private path(res: ResourceRef, namespace: string | undefined, name?: string, sub?: string): string {
    let p = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
    if (res.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${res.plural}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (sub) p += `/${sub}`;
    return p;
  }

  private request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const mod = this.tls ? https : http;
      const req = mod.request({
        ...this.target, path, method, agent: this.agent,
        headers: {
          Accept: 'application/json',
          ...(this.o.token ? { Authorization: `Bearer ${this.o.token}` } : {}),
          ...(this.o.userAgent ? { 'User-Agent': this.o.userAgent } : {}),
          ...(data !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) } : {}),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (e) => reject(new StatusError(503, 'ServiceUnavailable', `request to ${path} failed: ${e.message}`)));
      req.end(data);
    });
  }

  private async call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const r = await this.request(method, path, body, contentType);
    if (r.status >= 200 && r.status < 300) return JSON.parse(r.body) as T;
    throw statusErrorFrom(r.status, r.body);
  }

  get<T extends KubeObject = KubeObject>(res: ResourceRef, ns: string | undefined, name: string): Promise<T> {
    return this.call('GET', this.path(res, ns, name));
  }

  list<T extends KubeObject = KubeObject>(res: ResourceRef, ns: string | undefined, opts: ListOptions = {}): Promise<ListResult<T>> {
    return this.call('GET', this.path(res, ns) + query({ ...opts }));
  }

  create<T extends KubeObject = KubeObject>(res: ResourceRef, ns: string | undefined, obj: T): Promise<T> {
    return this.call('POST', this.path(res, ns), obj);
  }

  update<T extends KubeObject = KubeObject>(res: ResourceRef, ns: string | undefined, obj: T): Promise<T> {
    return this.call('PUT', this.path(res, ns, obj.metadata!.name!), obj);
  }

  updateStatus<T extends KubeObject = KubeObject>(res: ResourceRef, ns: string | undefined, obj: T): Promise<T> {
    return this.call('PUT', this.path(res, ns, obj.metadata!.name!, 'status'), obj);
  }

  patch<T extends KubeObject = KubeObject>(res: ResourceRef, ns: string | undefined, name: string, patch: unknown, type: PatchType, subresource?: string): Promise<T> {
    return this.call('PATCH', this.path(res, ns, name, subresource), patch, PATCH_CONTENT_TYPES[type]);
  }

  delete(res: ResourceRef, ns: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    return this.call('DELETE', this.path(res, ns, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...opts });
  }

  replaceSubresource(res: ResourceRef, ns: string | undefined, name: string, subresource: string, body: KubeObject): Promise<KubeObject> {
    return this.call('PUT', this.path(res, ns, name, subresource), body);
  }

  createSubresource(res: ResourceRef, ns: string | undefined, name: string, subresource: string, body: KubeObject): Promise<KubeObject> {
    return this.call('POST', this.path(res, ns, name, subresource), body);
  }

  /** watch streams newline-delimited watch events until the signal aborts or the server ends the stream. */
  async *watch<T extends KubeObject = KubeObject>(res: ResourceRef, ns: string | undefined, opts: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    const { signal, ...q } = opts;
    const path = this.path(res, ns) + query({ ...q, watch: 'true' });
    const mod = this.tls ? https : http;
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = mod.request({
        ...this.target, path, method: 'GET', agent: this.watchAgent, signal,
        headers: { Accept: 'application/json', ...(this.o.token ? { Authorization: `Bearer ${this.o.token}` } : {}) },
      }, resolve);
      req.on('error', reject);
      req.end();
    });
    if ((response.statusCode ?? 0) >= 300) {
      const chunks: Buffer[] = [];
      for await (const c of response) chunks.push(c as Buffer);
      throw statusErrorFrom(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
    }
    let buf = '';
    try {
      for await (const chunk of response) {
        buf += (chunk as Buffer).toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (line) yield JSON.parse(line) as WatchEvent<T>;
        }
      }
    } catch (e) {
      if (signal?.aborted) return;
      throw e;
    } finally {
      response.destroy();
    }
  }
}

function query(o: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** statusErrorFrom rebuilds the server's Status as a StatusError. */
export function statusErrorFrom(code: number, body: string): StatusError {
  try {
    const s = JSON.parse(body) as Status;
    if (s.kind === 'Status') return new StatusError(s.code ?? code, s.reason ?? '', s.message ?? '', s.details);
  } catch { /* not a Status */ }
  return new StatusError(code, '', body.slice(0, 500) || `HTTP ${code}`);
}
