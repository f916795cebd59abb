import https from 'node:https';
import http from 'node:http';
import tls from 'node:tls';
import net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/resource.js';
import { StatusError, badRequest, internalError, type StatusReason } from '../apimachinery/errors.js';
import { parsePodExecOptions, parsePodLogOptions, podExecQuery, podLogQuery } from '../apimachinery/query.js';
import type { RegistryStore } from '../registry/store.js';

/** NodeEndpoint is where a node's agent serves kubelet's API. */
export interface NodeEndpoint { host: string; port: number; scheme: 'https' | 'http' }

interface PodLike {
  metadata?: { name?: string; namespace?: string };
  spec?: { nodeName?: string; containers?: { name: string }[]; initContainers?: { name: string }[]; ephemeralContainers?: { name: string }[] };
}

/** agentEndpoint is where a Node's agent listens: its InternalIP (else first address) and kubelet port; undefined if it has none. */
export function agentEndpoint(node: KubeObject): NodeEndpoint | undefined {
  const status = node.status as { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined;
  const addr = status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? status?.addresses?.[0]?.address;
  const port = status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!addr || !port) return undefined;
  const scheme = node.metadata?.annotations?.['tskube.io/agent-scheme'] === 'http' ? 'http' : 'https';
  return { host: addr, port, scheme };
}

/**
 * NodeProxy forwards pods/log, pods/exec and pods/attach to the agent on the pod's node, as
 * kube-apiserver does with the kubelet: the agent speaks the streaming protocols itself; the API
 * server only finds the node and pipes bytes.
 */
export class NodeProxy {
  constructor(private readonly nodes: () => RegistryStore, readonly agentToken?: string) {}

  /** endpointFor finds the agent of the pod's node (InternalIP + kubeletEndpoint port). */
  async endpointFor(pod: KubeObject): Promise<NodeEndpoint> {
    const p = pod as PodLike;
    const nodeName = p.spec?.nodeName;
    if (!nodeName) throw badRequest(`pod ${p.metadata?.name} does not have a host assigned`);
    const node = await this.nodes().get(undefined, nodeName);
    const ep = agentEndpoint(node);
    if (!ep) throw new StatusError(500, 'InternalError', `Internal error occurred: node ${nodeName} has no reachable agent endpoint`);
    return ep;
  }

  /** containerFor resolves ?container= as Kubernetes does (only one container may be implied). */
  containerFor(pod: KubeObject, requested: string | null): string {
    const p = pod as PodLike;
    const all = [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? []), ...(p.spec?.ephemeralContainers ?? [])].map((c) => c.name);
    if (requested) {
      if (!all.includes(requested)) {
        throw badRequest(`container ${requested} is not valid for pod ${p.metadata?.name}`);
      }
      return requested;
    }
    const main = (p.spec?.containers ?? []).map((c) => c.name);
    if (main.length === 1) return main[0];
    throw badRequest(`a container name must be specified for pod ${p.metadata?.name}, choose one of: [${main.join(' ')}]`);
  }

  /** proxyLog streams GET pods/NAME/log from the agent. */
  async proxyLog(pod: KubeObject, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const opts = parsePodLogOptions(url.searchParams);
    const container = this.containerFor(pod, opts.container ?? null);
    const ep = await this.endpointFor(pod);
    // The agent gets the options as the API server understood them (kube-apiserver builds the kubelet URL the same way).
    const q = podLogQuery(opts);
    const path = `/containerLogs/${enc(pod.metadata?.namespace)}/${enc(pod.metadata?.name)}/${enc(container)}${q.size ? '?' + q.toString() : ''}`;
    await new Promise<void>((resolve, reject) => {
      const mod = ep.scheme === 'https' ? https : http;
      const upstream = mod.request({
        host: ep.host, port: ep.port, path, method: 'GET', rejectUnauthorized: false,
        headers: this.agentToken ? { Authorization: `Bearer ${this.agentToken}` } : {},
      }, (up) => {
        const code = up.statusCode ?? 500;
        if (code < 200 || code > 206) {
          // The agent answers errors in plain text, as kubelet does; kube-apiserver's response checker
          // turns them into a Status, so kubectl prints "Error from server (BadRequest): <text>".
          readLimited(up, MAX_ERROR_BODY).then((body) => reject(agentErrorStatus(code, body, pod.metadata?.name ?? '')), reject);
          return;
        }
        const headers: Record<string, string> = { 'Content-Type': up.headers['content-type'] ?? 'text/plain' };
        res.writeHead(code, headers);
        up.pipe(res);
        up.on('end', resolve);
        up.on('error', reject);
      });
      upstream.on('error', (e) => reject(new StatusError(500, 'InternalError', `Get "${ep.scheme}://${ep.host}:${ep.port}${path}": ${e.message}`)));
      res.on('close', () => upstream.destroy());
      upstream.end();
    });
  }

  /**
   * proxyUpgrade pipes an upgrade request (WebSocket or SPDY) for exec/attach/portforward to the
   * agent, rewriting only the request line, so the client's own handshake reaches the agent.
   */
  async proxyUpgrade(pod: KubeObject, subresource: string, url: URL, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const ep = await this.endpointFor(pod);
    const p = pod as PodLike;
    const opts = subresource === 'exec' || subresource === 'attach' ? parsePodExecOptions(url.searchParams, subresource) : undefined;
    const container = subresource === 'portforward' ? '' : this.containerFor(pod, url.searchParams.get('container'));
    const q = opts ? podExecQuery(opts) : new URLSearchParams(url.searchParams);
    q.delete('container');
    const base = `/${subresource}/${enc(p.metadata?.namespace)}/${enc(p.metadata?.name)}`;
    const path = `${base}${container ? '/' + enc(container) : ''}${q.size ? '?' + q.toString() : ''}`;
    const upstream: net.Socket = ep.scheme === 'https'
      ? tls.connect({ host: ep.host, port: ep.port, rejectUnauthorized: false, servername: undefined })
      : net.connect({ host: ep.host, port: ep.port });
    const connectedEvent = ep.scheme === 'https' ? 'secureConnect' : 'connect';
    upstream.once(connectedEvent, () => {
      const lines = [`${req.method} ${path} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i];
        if (k.toLowerCase() === 'authorization' || k.toLowerCase() === 'host') continue;
        lines.push(`${k}: ${req.rawHeaders[i + 1]}`);
      }
      lines.push(`Host: ${ep.host}:${ep.port}`);
      if (this.agentToken) lines.push(`Authorization: Bearer ${this.agentToken}`);
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const close = () => { upstream.destroy(); socket.destroy(); };
    upstream.on('error', () => {
      if (!socket.writableEnded) {
        socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nerror dialing backend');
      }
      close();
    });
    socket.on('error', close);
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  }
}

/** How much of an agent's error answer is read (kube-apiserver's maxReadLength). */
const MAX_ERROR_BODY = 50000;

function readLimited(stream: NodeJS.ReadableStream, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => { if (size < limit) { chunks.push(c); size += c.length; } });
    stream.on('end', () => resolve(Buffer.concat(chunks).subarray(0, limit).toString('utf8')));
    stream.on('error', reject);
  });
}

/**
 * agentErrorStatus is GenericHttpResponseChecker.Check for pods/log: a 500 becomes an InternalError, a
 * 400 a BadRequest carrying the agent's text, anything else NewGenericServerResponse's reason and
 * message with the text as its cause.
 */
export function agentErrorStatus(code: number, body: string, podName: string): StatusError {
  if (code === 500) return internalError(body);
  if (code === 400) return badRequest(body);
  const generic: Record<number, [StatusReason, string]> = {
    401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
    403: ['Forbidden', body],
    404: ['NotFound', 'the server could not find the requested resource'],
    405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
    409: ['Conflict', 'the server reported a conflict'],
    503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  };
  const [reason, message] = generic[code] ?? ['', `the server responded with the status code ${code} but did not return more information`];
  return new StatusError(code, reason, message, {
    name: podName || undefined, kind: 'pods/log',
    ...(body ? { causes: [{ reason: 'UnexpectedServerResponse', message: body }] } : {}),
  });
}

function enc(s: string | undefined): string {
  return encodeURIComponent(s ?? '');
}
