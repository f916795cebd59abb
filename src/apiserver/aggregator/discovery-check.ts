/**
 * The availability controller's discovery check: GET /apis/<group>/<version> on the extension
 * server (five attempts at once, each to an endpoint of its own, one success enough), within 5 s,
 * as system:kube-aggregator in system:masters, without verifying the certificate (the check tells
 * availability, it trusts nothing it reads). A 2xx answer passes; its body, the server's
 * APIResourceList, is what aggregated discovery lists. Failures are worded as kube-aggregator's.
 */
import https from 'node:https';
import type { Clock } from '../../util/clock.js';
import { goNetError } from '../../admission/webhook/client.js';
import { tlsOptions, type ProxyTarget } from './proxy.js';
import { hostPort } from './resolver.js';

/** DISCOVERY_CHECK_TIMEOUT_MS is the check's deadline (kube-aggregator's 5 s client timeout). */
export const DISCOVERY_CHECK_TIMEOUT_MS = 5000;
/** DISCOVERY_CHECK_ATTEMPTS run at once; one success makes the APIService available. */
export const DISCOVERY_CHECK_ATTEMPTS = 5;

/** CheckResult is a passed check with the body read, or the failure's message. */
export type CheckResult = { ok: true; body: string } | { ok: false; message: string };

/** DiscoveryFetcher GETs path on target (a seam for unit tests). */
export type DiscoveryFetcher = (target: ProxyTarget, path: string) => Promise<CheckResult>;

/** discoveryURL is the URL the check shows in its messages. */
export function discoveryURL(target: ProxyTarget, path: string): string {
  return `https://${hostPort(target.address)}${path}`;
}

/** httpsDiscoveryFetcher is the real fetcher, its deadline on clock. */
export function httpsDiscoveryFetcher(clock: Clock, timeoutMs = DISCOVERY_CHECK_TIMEOUT_MS): DiscoveryFetcher {
  return (target, path) => new Promise<CheckResult>((resolve) => {
    const url = discoveryURL(target, path);
    const ac = new AbortController();
    let settled = false;
    const done = (r: CheckResult) => { if (!settled) { settled = true; cancelTimer(); resolve(r); } };
    const fail = (why: string) => done({ ok: false, message: `failing or missing response from ${url}: ${why}` });
    const req = https.request({
      ...tlsOptions({ ...target, insecureSkipTLSVerify: true }), checkServerIdentity: () => undefined,
      method: 'GET', path, signal: ac.signal,
      headers: { Accept: 'application/json', 'X-Remote-User': 'system:kube-aggregator', 'X-Remote-Group': 'system:masters' },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => fail(`Get "${url}": ${e.message}`));
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        if (code < 200 || code >= 300) fail(`bad status from ${url}: ${code}`);
        else done({ ok: true, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (ac.signal.aborted) fail(`Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
      else fail(`Get "${url}": ${goNetError(e, target.address.host, target.address.port)}`);
    });
    const cancelTimer = clock.setTimeout(() => ac.abort(), timeoutMs);
    req.end();
  });
}

/**
 * checkDiscovery runs the attempts; each resolves its own endpoint (resolve throws when there is
 * none: its message is the result). The first success wins; otherwise the last failure is reported.
 */
export async function checkDiscovery(resolve: () => ProxyTarget, path: string, fetch: DiscoveryFetcher, attempts = DISCOVERY_CHECK_ATTEMPTS): Promise<CheckResult> {
  const one = async (): Promise<CheckResult> => {
    let target: ProxyTarget;
    try {
      target = resolve();
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
    return fetch(target, path);
  };
  const pending = new Map(Array.from({ length: attempts }, (_, i) => [i, one().then((r) => ({ r, i }))] as const));
  let last: CheckResult = { ok: false, message: 'no attempt made' };
  // Results are taken in completion order, as from the Go channel: a success ends the wait.
  while (pending.size) {
    const { r, i } = await Promise.race(pending.values());
    pending.delete(i);
    last = r;
    if (r.ok) return r;
  }
  return last;
}
