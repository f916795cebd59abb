/**
 * The webhook client: POSTs an AdmissionReview over HTTPS to clientConfig.url or to the Service
 * clientConfig.service names (its endpoints, else its cluster IP), trusting clientConfig.caBundle,
 * within timeoutSeconds, and reads the AdmissionReview back. Failures are worded as
 * kube-apiserver's Go client words them (`Post "https://…?timeout=10s": dial tcp …: connect:
 * connection refused`), since users read them in `failed calling webhook "x": …`.
 */
import https from 'node:https';
import { checkServerIdentity } from 'node:tls';
import type { Clock } from '../../util/clock.js';
import type { KubeObject } from '../../api/resource.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** ObjectGetter reads a built-in object (services, endpoints) for service resolution. */
export type ObjectGetter = (group: string, version: string, plural: string) => { get(namespace: string | undefined, name: string): Promise<KubeObject> };

/** WebhookTarget is where one call goes: the URL shown in messages and the address dialled. */
export interface WebhookTarget {
  /** the URL as Kubernetes shows it (service form: https://name.namespace.svc:port/path) */
  url: string;
  /** the host and port connected to (a service's endpoint or cluster IP) */
  host: string;
  port: number;
  path: string;
  /** the name the certificate must be valid for */
  servername: string;
  ca?: string;
}

/**
 * resolveWebhookTarget resolves a webhook clientConfig (admission and CRD conversion webhooks share
 * it): the URL, or the Service's ready endpoint (else its cluster IP) and port, trusting caBundle.
 */
export async function resolveWebhookTarget(clientConfig: unknown, storeFor: ObjectGetter): Promise<WebhookTarget> {
  const cc: Obj = isObj(clientConfig) ? clientConfig : {};
  const ca = typeof cc.caBundle === 'string' && cc.caBundle ? Buffer.from(cc.caBundle, 'base64').toString('utf8') : undefined;
  if (typeof cc.url === 'string') {
    const u = new URL(cc.url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return { url: cc.url, host, port: Number(u.port || 443), path: `${u.pathname}${u.search}`, servername: host, ca };
  }
  const svc: Obj = isObj(cc.service) ? cc.service : {};
  const [ns, name, port] = [String(svc.namespace ?? ''), String(svc.name ?? ''), Number(svc.port ?? 443)];
  const path = typeof svc.path === 'string' ? svc.path : '';
  const servername = `${name}.${ns}.svc`;
  const url = `https://${servername}:${port}${path}`;
  let service: KubeObject;
  try {
    service = await storeFor('', 'v1', 'services').get(ns, name);
  } catch {
    throw new CallError(`service "${name}" not found`);
  }
  const spec = (service.spec ?? {}) as Obj;
  const ports = (Array.isArray(spec.ports) ? spec.ports : []).filter(isObj);
  const svcPort = ports.find((p) => p.port === port);
  if (!svcPort) throw new CallError(`unable to find service port ${port}`);
  // The API server runs beside the nodes: a ready endpoint is reachable where a cluster IP may not be.
  try {
    const ep = await storeFor('', 'v1', 'endpoints').get(ns, name);
    for (const subset of (Array.isArray(ep.subsets) ? ep.subsets : []).filter(isObj)) {
      const addr = (Array.isArray(subset.addresses) ? subset.addresses : []).filter(isObj)[0];
      const epPort = (Array.isArray(subset.ports) ? subset.ports : []).filter(isObj).find((p) => (p.name ?? '') === (svcPort.name ?? ''));
      if (addr && epPort) return { url, host: String(addr.ip), port: Number(epPort.port), path, servername, ca };
    }
  } catch { /* no endpoints: the cluster IP */ }
  const clusterIP = String(spec.clusterIP ?? '');
  if (!clusterIP || clusterIP === 'None') throw new CallError(`service "${name}" has no endpoints`);
  return { url, host: clusterIP, port, path, servername, ca };
}

/** CallError is a failed call: its text follows `failed to call webhook: ` in Kubernetes' message. */
export class CallError extends Error {}

/** goNetError words a Node socket/TLS error as Go's net/http and crypto/tls do. */
export function goNetError(e: NodeJS.ErrnoException & { reason?: string }, host: string, port: number): string {
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  switch (e.code) {
    case 'ECONNREFUSED': return `dial tcp ${hostPort}: connect: connection refused`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `dial tcp: lookup ${host}: no such host`;
    case 'EHOSTUNREACH': return `dial tcp ${hostPort}: connect: no route to host`;
    case 'ENETUNREACH': return `dial tcp ${hostPort}: connect: network is unreachable`;
    case 'ECONNRESET': return 'EOF';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': case 'SELF_SIGNED_CERT_IN_CHAIN': case 'DEPTH_ZERO_SELF_SIGNED_CERT': case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED': return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const m = /is not in the cert's list: (.*)$|not in cert's altnames: (.*)$/.exec(e.reason ?? e.message);
      const names = (m?.[1] ?? m?.[2] ?? '').replace(/(DNS|IP Address):/g, '').split(',').map((s) => s.trim()).filter(Boolean);
      return `tls: failed to verify certificate: x509: certificate is valid for ${names.join(', ')}, not ${host}`;
    }
    default: return e.message;
  }
}

/**
 * postAdmissionReview sends the review and returns the parsed response body; a failure is a
 * CallError whose message is Kubernetes' (after "failed to call webhook: ").
 */
export async function postAdmissionReview(target: WebhookTarget, review: Obj, timeoutSeconds: number, clock: Clock): Promise<Obj> {
  const query = `timeout=${timeoutSeconds}s`;
  const shownURL = `${target.url}${target.url.includes('?') ? '&' : '?'}${query}`;
  const body = JSON.stringify(review);
  const ac = new AbortController();
  const timer = new AbortController();
  const request = new Promise<Obj>((resolve, reject) => {
    const req = https.request({
      host: target.host, port: target.port, method: 'POST',
      path: `${target.path || '/'}${target.path.includes('?') ? '&' : '?'}${query}`,
      servername: /^[\d.]+$|:/.test(target.servername) ? undefined : target.servername,
      ca: target.ca, signal: ac.signal, agent: false,
      // A service's endpoint is dialled by IP but its certificate names the service.
      checkServerIdentity: (_host, cert) => checkServerIdentity(target.servername, cert),
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, */*', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(e));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const code = res.statusCode ?? 0;
        if (code < 200 || code > 299) {
          reject(new CallError(`Post "${shownURL}": ${httpErrorText(code, text)}`));
          return;
        }
        try {
          resolve(JSON.parse(text) as Obj);
        } catch (e) {
          reject(new CallError(`Post "${shownURL}": ${(e as Error).message}`));
        }
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (ac.signal.aborted) reject(new CallError(`Post "${shownURL}": context deadline exceeded`));
      else reject(new CallError(`Post "${shownURL}": ${goNetError(e, target.host, target.port)}`));
    });
    req.end(body);
  });
  const deadline = clock.sleep(timeoutSeconds * 1000, timer.signal).then(() => { ac.abort(); }, () => undefined);
  try {
    return await request;
  } catch (e) {
    if (e instanceof CallError) throw e;
    throw new CallError(`Post "${shownURL}": ${(e as Error).message}`);
  } finally {
    timer.abort();
    void deadline;
  }
}

/** httpErrorText is client-go's error for a non-2xx answer without a Status body. */
function httpErrorText(code: number, body: string): string {
  try {
    const s = JSON.parse(body) as Obj;
    if (s.kind === 'Status' && typeof s.message === 'string') return s.message;
  } catch { /* not JSON */ }
  if (code === 404) return 'the server could not find the requested resource';
  return `an error on the server (${JSON.stringify(body.trim() || 'unknown')}) has prevented the request from succeeding`;
}
