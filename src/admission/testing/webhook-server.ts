/**
 * A test admission webhook server over HTTPS on 127.0.0.1 (unit and e2e tests): a CA and a serving
 * certificate from the API server's own credential maker (node:crypto cannot sign certificates),
 * and handlers that answer AdmissionReviews.
 */
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadOrCreateCredentials } from '../../apiserver/tls.js';

type Obj = Record<string, unknown>;

/** WebhookHandler answers one AdmissionReview request with a response (uid is filled in). */
export type WebhookHandler = (request: Obj) => Obj;

/** TestWebhookServer is a running webhook server. */
export interface TestWebhookServer {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** the CA bundle for clientConfig.caBundle (base64 PEM) */
  caBundle: string;
  /** requests received, per path */
  calls: Map<string, Obj[]>;
  close(): Promise<void>;
}

/** startWebhookServer serves `handlers` by path (`/mutate`, `/validate` …); an unknown path is a 404. */
export async function startWebhookServer(handlers: Record<string, WebhookHandler>, port = 0): Promise<TestWebhookServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-webhook-'));
  const creds = await loadOrCreateCredentials(dir, ['webhook.default.svc']);
  rmSync(dir, { recursive: true, force: true });
  const calls = new Map<string, Obj[]>();
  const server = https.createServer({ cert: creds.cert, key: creds.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      const handler = handlers[path];
      if (!handler) { res.writeHead(404).end('not found'); return; }
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { apiVersion: string; request: Obj };
      calls.set(path, [...calls.get(path) ?? [], review.request]);
      const response = { uid: review.request.uid, ...handler(review.request) };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'AdmissionReview', response }));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const p = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${p}`, port: p, caBundle: Buffer.from(creds.caCert).toString('base64'), calls,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** jsonPatch encodes JSONPatch operations as a webhook response's patch. */
export function jsonPatch(ops: Obj[]): { patch: string; patchType: 'JSONPatch' } {
  return { patch: Buffer.from(JSON.stringify(ops)).toString('base64'), patchType: 'JSONPatch' };
}
