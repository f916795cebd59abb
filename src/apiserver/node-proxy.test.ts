import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http, { type IncomingMessage } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../api/resource.js';
import { StatusError } from '../apimachinery/errors.js';
import type { RegistryStore } from '../registry/store.js';
import { NodeProxy, agentEndpoint } from './node-proxy.js';

const servers: http.Server[] = [];
after(async () => { await Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); }))); });

async function listen(s: http.Server): Promise<number> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

const node = (port: number | undefined, extra: Partial<{ addresses: { type: string; address: string }[]; scheme: string }> = {}): KubeObject => ({
  metadata: { name: 'host01', annotations: extra.scheme ? { 'tskube.io/agent-scheme': extra.scheme } : {} },
  status: {
    addresses: extra.addresses ?? [{ type: 'Hostname', address: 'host01' }, { type: 'InternalIP', address: '127.0.0.1' }],
    ...(port ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}),
  },
});

/** nodesStore serves one node by name, as the registry would (404 for others). */
function nodesStore(n: KubeObject): () => RegistryStore {
  return () => ({
    get: async (_ns: string | undefined, name: string) => {
      if (name !== n.metadata?.name) throw new StatusError(404, 'NotFound', `nodes "${name}" not found`);
      return n;
    },
  }) as unknown as RegistryStore;
}

const pod = (o: { nodeName?: string; containers?: string[] } = {}): KubeObject => ({
  metadata: { name: 'web', namespace: 'shop' },
  spec: { nodeName: o.nodeName, containers: (o.containers ?? ['app']).map((name) => ({ name })), initContainers: [{ name: 'init' }] },
});

describe('agentEndpoint', () => {
  it('is the InternalIP (else the first address) and the kubelet port, https unless annotated http', () => {
    assert.deepEqual(agentEndpoint(node(10250)), { host: '127.0.0.1', port: 10250, scheme: 'https' });
    assert.deepEqual(agentEndpoint(node(10250, { scheme: 'http' })), { host: '127.0.0.1', port: 10250, scheme: 'http' });
    assert.deepEqual(agentEndpoint(node(10250, { addresses: [{ type: 'Hostname', address: 'h' }] })), { host: 'h', port: 10250, scheme: 'https' });
    assert.equal(agentEndpoint(node(undefined)), undefined);
    assert.equal(agentEndpoint(node(10250, { addresses: [] })), undefined);
  });
});

describe('NodeProxy: finding the agent and the container', () => {
  const proxy = new NodeProxy(nodesStore(node(10250)));
  it('a container is implied only when the pod has one; a named one must exist (init containers count)', () => {
    assert.equal(proxy.containerFor(pod(), null), 'app');
    assert.equal(proxy.containerFor(pod(), 'init'), 'init');
    assert.throws(() => proxy.containerFor(pod(), 'nope'), { message: 'container nope is not valid for pod web' });
    assert.throws(() => proxy.containerFor(pod({ containers: ['a', 'b'] }), null), { message: 'a container name must be specified for pod web, choose one of: [a b]' });
  });
  it('an unscheduled pod is a 400; a node without an agent endpoint a 500', async () => {
    await assert.rejects(proxy.endpointFor(pod()), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === 'pod web does not have a host assigned');
    const noPort = new NodeProxy(nodesStore(node(undefined)));
    await assert.rejects(noPort.endpointFor(pod({ nodeName: 'host01' })), (e: unknown) => e instanceof StatusError && e.code === 500 && /node host01 has no reachable agent endpoint/.test(e.message));
    await assert.rejects(proxy.endpointFor(pod({ nodeName: 'host09' })), (e: unknown) => e instanceof StatusError && e.code === 404);
  });
});

/** front is an "API server" whose every request is handed to fn (errors become their status code). */
async function front(fn: (req: IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>): Promise<number> {
  return listen(http.createServer((req, res) => {
    fn(req, res, new URL(req.url ?? '/', 'http://x')).catch((e: unknown) => {
      const code = e instanceof StatusError ? e.code : 500;
      if (!res.headersSent) res.writeHead(code, { 'Content-Type': 'text/plain' });
      res.end((e as Error).message);
    });
  }));
}

describe('NodeProxy.proxyLog against a fake agent', () => {
  it('asks the agent for /containerLogs/NS/POD/CONTAINER with the options as understood, with the agent token; streams the answer back', async () => {
    const seen: { url?: string; auth?: string } = {};
    const agentPort = await listen(http.createServer((req, res) => {
      seen.url = req.url;
      seen.auth = req.headers.authorization;
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('line 1\n');
      setImmediate(() => res.end('line 2\n'));
    }));
    const proxy = new NodeProxy(nodesStore(node(agentPort, { scheme: 'http' })), 'agent-secret');
    const p = pod({ nodeName: 'host01' });
    const port = await front((req, res, url) => proxy.proxyLog(p, url, req, res));
    const r = await fetch(`http://127.0.0.1:${port}/?follow=1&tailLines=2&timestamps=true&sinceSeconds=10&unknown=x`, { headers: { Authorization: 'Bearer user-token' } });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'line 1\nline 2\n');
    assert.equal(seen.url, '/containerLogs/shop/web/app?follow=true&timestamps=true&sinceSeconds=10&tailLines=2');
    assert.equal(seen.auth, 'Bearer agent-secret', 'the user\'s credentials never reach the agent');
  });

  it('an agent error status becomes a StatusError as kube-apiserver\'s response checker makes it; bad options are a 400 before the agent is asked; an agent that is down is a 500 naming the URL', async () => {
    let asked = 0;
    const answers: [number, string][] = [
      [400, 'previous terminated container "app" in pod "web" not found'],
      [404, 'pod "web" not found'],
      [500, 'runtime gone'],
    ];
    const agentPort = await listen(http.createServer((_req, res) => {
      const [code, text] = answers[asked++];
      res.writeHead(code, { 'Content-Type': 'text/plain' });
      res.end(text);
    }));
    const proxy = new NodeProxy(nodesStore(node(agentPort, { scheme: 'http' })));
    const p = pod({ nodeName: 'host01' });
    // The StatusError itself, not its text: the API server's handler writes it as a Status kubectl can read.
    const caught: StatusError[] = [];
    const port = await front((req, res, url) => proxy.proxyLog(p, url, req, res).catch((e: unknown) => { caught.push(e as StatusError); throw e; }));
    let r = await fetch(`http://127.0.0.1:${port}/?previous=true`);
    assert.deepEqual([r.status, await r.text()], [400, 'previous terminated container "app" in pod "web" not found']);
    assert.deepEqual([caught[0].reason, caught[0].toStatus().message], ['BadRequest', 'previous terminated container "app" in pod "web" not found']);
    r = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(r.status, 404);
    assert.deepEqual(caught[1].toStatus(), {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound',
      message: 'the server could not find the requested resource',
      details: { name: 'web', kind: 'pods/log', causes: [{ reason: 'UnexpectedServerResponse', message: 'pod "web" not found' }] },
    });
    r = await fetch(`http://127.0.0.1:${port}/`);
    assert.deepEqual([r.status, caught[2].reason, caught[2].message], [500, 'InternalError', 'Internal error occurred: runtime gone']);
    r = await fetch(`http://127.0.0.1:${port}/?tailLines=-1`);
    assert.deepEqual([r.status, await r.text()], [400, 'tailLines: Invalid value: -1: must be greater than or equal to 0']);
    assert.equal(asked, 3);

    const closed = await listen(http.createServer());
    await new Promise((res) => servers.pop()!.close(res));
    const down = new NodeProxy(nodesStore(node(closed, { scheme: 'http' })));
    const port2 = await front((req, res, url) => down.proxyLog(p, url, req, res));
    r = await fetch(`http://127.0.0.1:${port2}/`);
    assert.equal(r.status, 500);
    assert.match(await r.text(), new RegExp(`^Get "http://127\\.0\\.0\\.1:${closed}/containerLogs/shop/web/app": connect ECONNREFUSED`));
  });
});

/** rawUpgrade sends an upgrade request over a plain socket and collects everything that comes back. */
function rawUpgrade(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer user-token\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n`);
    });
    let got = '';
    s.on('data', (d) => { got += d; });
    s.on('close', () => resolve(got));
    s.on('error', reject);
  });
}

describe('NodeProxy.proxyUpgrade against a fake agent', () => {
  /** upgradeFront is an API server that proxies every upgrade for pod p's subresource sub. */
  async function upgradeFront(proxy: NodeProxy, p: KubeObject, sub: string): Promise<number> {
    const s = http.createServer();
    s.on('upgrade', (req, socket, head) => {
      proxy.proxyUpgrade(p, sub, new URL(req.url ?? '/', 'http://x'), req, socket, head).catch((e: Error) => socket.end(`HTTP/1.1 400 Bad Request\r\n\r\n${e.message}`));
    });
    return listen(s);
  }

  it('rewrites only the request line, Host and Authorization; the client\'s handshake and the agent\'s bytes pass through', async () => {
    const seen: { url?: string; headers?: http.IncomingHttpHeaders } = {};
    const agent = http.createServer();
    agent.on('upgrade', (req, socket) => {
      seen.url = req.url;
      seen.headers = req.headers;
      socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\nstream bytes');
    });
    const agentPort = await listen(agent);
    const proxy = new NodeProxy(nodesStore(node(agentPort, { scheme: 'http' })), 'agent-secret');
    const port = await upgradeFront(proxy, pod({ nodeName: 'host01' }), 'exec');
    const got = await rawUpgrade(port, '/api/v1/namespaces/shop/pods/web/exec?command=sh&command=-c&command=echo%20hi&stdout=true&stderr=1&container=app');
    assert.match(got, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.ok(got.endsWith('\r\n\r\nstream bytes'), got);
    assert.equal(seen.url, '/exec/shop/web/app?stdout=true&stderr=true&command=sh&command=-c&command=echo+hi');
    assert.equal(seen.headers?.authorization, 'Bearer agent-secret');
    assert.equal(seen.headers?.host, `127.0.0.1:${agentPort}`);
    assert.equal(seen.headers?.['x-stream-protocol-version'], 'v4.channel.k8s.io');
    assert.equal(seen.headers?.upgrade, 'SPDY/3.1');
  });

  it('exec without a command is refused before dialing; an agent that is down answers 502 error dialing backend', async () => {
    const proxyDown = new NodeProxy(nodesStore(node(1, { scheme: 'http' })));
    const port = await upgradeFront(proxyDown, pod({ nodeName: 'host01' }), 'exec');
    assert.match(await rawUpgrade(port, '/x?stdout=true'), /400 Bad Request\r\n\r\nyou must specify at least 1 command$/);
    const got = await rawUpgrade(port, '/x?stdout=true&command=ls');
    assert.match(got, /^HTTP\/1\.1 502 Bad Gateway\r\n[\s\S]*\r\n\r\nerror dialing backend$/);
  });
});
