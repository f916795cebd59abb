/**
 * A test CRD conversion webhook over HTTPS on 127.0.0.1 (unit and e2e tests): it answers
 * ConversionReviews with `convert` applied to each object, the way agnhost's crd-conversion-webhook
 * does (hostPort in v1, host and port in v2), unless `respond` answers the review itself.
 */
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadOrCreateCredentials } from '../tls.js';

type Obj = Record<string, unknown>;

/** ConversionWebhookServer is a running test webhook. */
export interface ConversionWebhookServer {
  /** https://127.0.0.1:PORT/crdconvert */
  url: string;
  port: number;
  /** the CA bundle for clientConfig.caBundle (base64 PEM) */
  caBundle: string;
  /** the requests received (ConversionReview.request) */
  requests: Obj[];
  close(): Promise<void>;
}

/** ConversionWebhookOptions change what the server answers. */
export interface ConversionWebhookOptions {
  /** converts one object to desiredAPIVersion (default: hostPortConvert) */
  convert?: (obj: Obj, desiredAPIVersion: string) => Obj;
  /** answers the whole review instead (the body sent back), for malformed answers */
  respond?: (review: Obj) => Obj;
}

/**
 * hostPortConvert is agnhost's converter for the conformance tests' CRD: v1's "hostPort"
 * ("host:port") is v2's "host" and "port", and back; anything else is refused.
 */
export function hostPortConvert(obj: Obj, desiredAPIVersion: string): Obj {
  const out = structuredClone(obj);
  const from = String(obj.apiVersion ?? '');
  if (from === desiredAPIVersion) throw new Error(`conversion from a version to itself should not call the webhook: ${from}`);
  const fromV = from.slice(from.indexOf('/') + 1);
  const toV = desiredAPIVersion.slice(desiredAPIVersion.indexOf('/') + 1);
  if (fromV === 'v1' && toV === 'v2') {
    const hostPort = out.hostPort;
    if (hostPort !== undefined) {
      const parts = String(hostPort).split(':');
      if (parts.length !== 2) throw new Error(`invalid hostPort value \`${String(hostPort)}\``);
      out.host = parts[0];
      out.port = parts[1];
      delete out.hostPort;
    }
  } else if (fromV === 'v2' && toV === 'v1') {
    const { host, port } = out;
    // one of the two alone still makes a hostPort, the other side empty
    if (host !== undefined || port !== undefined) {
      out.hostPort = `${String(host ?? '')}:${String(port ?? '')}`;
      delete out.host;
      delete out.port;
    }
  } else {
    throw new Error(`unexpected conversion version ${JSON.stringify(fromV === 'v1' || fromV === 'v2' ? desiredAPIVersion : from)}`);
  }
  out.apiVersion = desiredAPIVersion;
  return out;
}

/** startConversionWebhook serves ConversionReviews on /crdconvert. */
export async function startConversionWebhook(o: ConversionWebhookOptions = {}): Promise<ConversionWebhookServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-conversion-'));
  const creds = await loadOrCreateCredentials(dir, ['webhook.default.svc']);
  rmSync(dir, { recursive: true, force: true });
  const convert = o.convert ?? hostPortConvert;
  const requests: Obj[] = [];
  const server = https.createServer({ cert: creds.cert, key: creds.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (new URL(req.url ?? '/', 'https://x').pathname !== '/crdconvert') { res.writeHead(404).end('not found'); return; }
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj;
      const request = (review.request ?? {}) as Obj;
      requests.push(request);
      let body: Obj;
      if (o.respond) {
        body = o.respond(review);
      } else {
        let response: Obj;
        try {
          const desired = String(request.desiredAPIVersion ?? '');
          response = { uid: request.uid, convertedObjects: (request.objects as Obj[] ?? []).map((x) => convert(x, desired)), result: { status: 'Success' } };
        } catch (e) {
          response = { uid: request.uid, result: { status: 'Failure', message: (e as Error).message } };
        }
        body = { apiVersion: review.apiVersion, kind: 'ConversionReview', response };
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}/crdconvert`, port, caBundle: Buffer.from(creds.caCert).toString('base64'), requests,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
