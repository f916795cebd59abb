/**
 * A small extension API server for tests (the sample-apiserver's part the Aggregator spec uses):
 * HTTPS on 127.0.0.1 with a certificate for <service>.<namespace>.svc signed by its own CA,
 * serving group wardle.example.com/v1alpha1 with the namespaced resource flunders (get, list,
 * create, delete, watch) in memory, and recording the identity headers of every request.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { newCA, newServingCert } from '../../api/certificates/pki.js';

/** WARDLE_GROUP / WARDLE_VERSION are the sample API's group and version. */
export const WARDLE_GROUP = 'wardle.example.com';
export const WARDLE_VERSION = 'v1alpha1';

/** SeenRequest is what the server noted of one request. */
export interface SeenRequest {
  method: string; path: string; user?: string; groups: string[]; authorization?: string; extra: Record<string, string>;
  /** the DER client certificate the caller presented, if any */
  clientCert?: Buffer;
}

/** WardleServer is a running sample extension server. */
export interface WardleServer {
  port: number;
  /** base64 PEM of its CA, for spec.caBundle */
  caBundle: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

type Obj = Record<string, unknown>;

/** resourceList is the server's GET /apis/wardle.example.com/v1alpha1. */
export function wardleResourceList(): Obj {
  return {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${WARDLE_GROUP}/${WARDLE_VERSION}`,
    resources: [
      { name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['create', 'delete', 'get', 'list', 'watch'], shortNames: ['fl'] },
      { name: 'flunders/status', singularName: '', namespaced: true, kind: 'Flunder', verbs: ['get'] },
    ],
  };
}

/** wardleOpenAPIV3 is the server's OpenAPI v3 document of wardle.example.com/v1alpha1 (Flunder, for kubectl explain). */
export function wardleOpenAPIV3(): Obj {
  const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
  return {
    openapi: '3.0.0', info: { title: 'Wardle', version: WARDLE_VERSION },
    // kubectl explain finds a resource's kind through its GET operation.
    paths: {
      [`/apis/${WARDLE_GROUP}/${WARDLE_VERSION}/namespaces/{namespace}/flunders/{name}`]: {
        get: {
          operationId: 'readWardleV1alpha1NamespacedFlunder',
          responses: { 200: { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/com.example.wardle.v1alpha1.Flunder' } } } } },
          'x-kubernetes-action': 'get',
          'x-kubernetes-group-version-kind': { group: WARDLE_GROUP, kind: 'Flunder', version: WARDLE_VERSION },
        },
      },
    },
    components: {
      schemas: {
        'com.example.wardle.v1alpha1.Flunder': {
          description: 'Flunder is an example type of the sample API server.',
          type: 'object',
          properties: {
            apiVersion: { description: 'APIVersion defines the versioned schema of this representation of an object.', type: 'string' },
            kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
            metadata: { description: 'Standard object metadata.', allOf: [{ $ref: `#/components/schemas/${meta}` }], default: {} },
            spec: { description: 'FlunderSpec is the specification of a Flunder.', type: 'object', properties: { reference: { description: 'A name of another flunder or fischer.', type: 'string' } } },
          },
          'x-kubernetes-group-version-kind': [{ group: WARDLE_GROUP, kind: 'Flunder', version: WARDLE_VERSION }],
        },
        [meta]: { description: 'ObjectMeta is metadata that all persisted resources must have.', type: 'object', properties: { name: { description: 'Name must be unique within a namespace.', type: 'string' } } },
      },
    },
  };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, message, code });

/** startWardleServer starts the server for the Service `service` in `namespace` (its certificate's name). */
export async function startWardleServer(o: { namespace: string; service: string; port?: number }): Promise<WardleServer> {
  const ca = newCA('wardle-ca');
  const cert = newServingCert(ca, 'wardle', [`${o.service}.${o.namespace}.svc`]);
  const flunders = new Map<string, Obj>();
  const watchers = new Set<{ ns: string; res: ServerResponse }>();
  let rv = 1;
  const requests: SeenRequest[] = [];
  const notify = (type: string, f: Obj) => {
    const ns = String((f.metadata as Obj).namespace);
    for (const w of watchers) if (w.ns === ns) w.res.write(`${JSON.stringify({ type, object: f })}\n`);
  };
  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const header = (n: string) => req.headersDistinct[n] ?? [];
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-remote-extra-')) extra[k.slice('x-remote-extra-'.length)] = String(v);
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    requests.push({
      method: req.method ?? '', path: url.pathname, user: req.headers['x-remote-user'] as string | undefined, groups: header('x-remote-group'),
      authorization: req.headers.authorization, extra, clientCert: peer?.raw,
    });
    const parts = url.pathname.split('/').filter(Boolean);
    const openapiPath = `/openapi/v3/apis/${WARDLE_GROUP}/${WARDLE_VERSION}`;
    if (url.pathname === '/openapi/v3') return send(res, 200, { paths: { [openapiPath.slice('/openapi/v3/'.length)]: { serverRelativeURL: `${openapiPath}?hash=0A1B2C` } } });
    if (url.pathname === openapiPath) return send(res, 200, wardleOpenAPIV3());
    if (parts.length === 3 && parts[1] === WARDLE_GROUP && parts[2] === WARDLE_VERSION) return send(res, 200, wardleResourceList());
    // /apis/wardle.example.com/v1alpha1/namespaces/NS/flunders[/NAME]
    if (parts.length < 6 || parts[1] !== WARDLE_GROUP || parts[3] !== 'namespaces' || parts[5] !== 'flunders') return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const ns = parts[4];
    const name = parts[6];
    if (!name && req.method === 'GET' && url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      for (const f of flunders.values()) if ((f.metadata as Obj).namespace === ns) res.write(`${JSON.stringify({ type: 'ADDED', object: f })}\n`);
      const w = { ns, res };
      watchers.add(w);
      res.on('close', () => watchers.delete(w));
      return;
    }
    if (!name && req.method === 'GET') {
      const items = [...flunders.values()].filter((f) => (f.metadata as Obj).namespace === ns);
      return send(res, 200, { kind: 'FlunderList', apiVersion: `${WARDLE_GROUP}/${WARDLE_VERSION}`, metadata: { resourceVersion: String(rv) }, items });
    }
    if (!name && req.method === 'POST') {
      const f = JSON.parse(body) as Obj;
      const meta: Obj = { ...(f.metadata as Obj), namespace: ns, uid: randomUUID(), resourceVersion: String(++rv), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
      const key = `${ns}/${String(meta.name)}`;
      if (flunders.has(key)) return send(res, 409, status(409, 'AlreadyExists', `flunders.${WARDLE_GROUP} "${String(meta.name)}" already exists`));
      const obj = { ...f, apiVersion: `${WARDLE_GROUP}/${WARDLE_VERSION}`, kind: 'Flunder', metadata: meta };
      flunders.set(key, obj);
      notify('ADDED', obj);
      return send(res, 201, obj);
    }
    const key = `${ns}/${name}`;
    const f = flunders.get(key);
    if (!f) return send(res, 404, status(404, 'NotFound', `flunders.${WARDLE_GROUP} "${name}" not found`));
    if (req.method === 'GET') return send(res, 200, f);
    if (req.method === 'DELETE') {
      flunders.delete(key);
      notify('DELETED', f);
      return send(res, 200, f);
    }
    return send(res, 405, status(405, 'MethodNotAllowed', 'method not allowed'));
  };
  const server = https.createServer({ cert: cert.cert, key: cert.key, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  // An upgrade to the "echo" protocol (any path) echoes what it is sent, as exec or port-forward streams would flow.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    requests.push({ method: `${req.method ?? ''} upgrade`, path: req.url ?? '', user: req.headers['x-remote-user'] as string | undefined, groups: req.headersDistinct['x-remote-group'] ?? [], authorization: req.headers.authorization, extra: {} });
    if (req.headers.upgrade !== 'echo') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nnot upgrade');
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port, caBundle: Buffer.from(ca.cert).toString('base64'), requests,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** wardleManifests are the Service (no selector), Endpoints and APIService that register a server on 127.0.0.1:port. */
export function wardleManifests(o: { namespace: string; service: string; port: number; caBundle: string }): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: o.service, namespace: o.namespace }, spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: o.port }] } },
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: o.service, namespace: o.namespace }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: o.port, protocol: 'TCP' }] }] },
    {
      apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: `${WARDLE_VERSION}.${WARDLE_GROUP}` },
      spec: { group: WARDLE_GROUP, version: WARDLE_VERSION, groupPriorityMinimum: 2000, versionPriority: 200, caBundle: o.caBundle, service: { namespace: o.namespace, name: o.service, port: 443 } },
    },
  ];
}
