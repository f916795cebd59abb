import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Probe } from 'kubernetes-types/core/v1.js';
import { ExecStartError } from '../../runtime/types.js';
import { grpcProbe } from './grpc.js';

/**
 * ProbeOutcome is one probe attempt: success or failure, with kubelet's wording of the failure. `errored`: the probe could not be run at all (an exec
 * whose command the runtime cannot start): the kubelet throws such a result away, so it counts
 * neither way, and says so in an event.
 */
export interface ProbeOutcome { ok: boolean; output: string; errored?: boolean }

/** ProbeTarget is what a probe runs against: the pod's address, its ports and exec into the container. */
export interface ProbeTarget {
  podIP: string;
  /** container ports by name, for port: "http" */
  ports: Record<string, number>;
  exec(argv: string[], timeoutMs: number): Promise<{ exitCode: number; output: string; timedOut: boolean }>;
}

/** runProbe runs one attempt of an exec, httpGet or tcpSocket probe. */
export async function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) {
    const argv = probe.exec.command ?? [];
    let r: Awaited<ReturnType<ProbeTarget['exec']>>;
    try {
      r = await target.exec(argv, timeoutMs);
    } catch (e) {
      if (!(e instanceof ExecStartError)) throw e;
      // the error as the kubelet gets it from the CRI's ExecSync
      return { ok: false, errored: true, output: `rpc error: code = Unknown desc = ${e.runtimeMessage()}` };
    }
    if (r.timedOut) return { ok: false, output: `command ${JSON.stringify(argv.join(' '))} timed out` };
    return { ok: r.exitCode === 0, output: r.output };
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    const port = resolvePort(g.port, target.ports);
    const host = g.host || target.podIP;
    const scheme = (g.scheme ?? 'HTTP').toLowerCase();
    let p = g.path ?? '/';
    if (!p.startsWith('/')) p = '/' + p;
    const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${p}`;
    return httpProbe(url, g.httpHeaders ?? [], timeoutMs);
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, target.ports);
    const host = probe.tcpSocket.host || target.podIP;
    return tcpProbe(host, port, timeoutMs);
  }
  if (probe.grpc) return grpcProbe(target.podIP, probe.grpc.port, probe.grpc.service ?? '', timeoutMs);
  return { ok: false, output: 'missing probe handler' };
}

function resolvePort(port: number | string, ports: Record<string, number>): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return ports[port] ?? -1;
}

/** httpProbe: 2xx and 3xx succeed (redirects are not followed); TLS is not verified. */
export function httpProbe(url: string, headers: { name: string; value: string }[], timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const hdrs: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
    for (const h of headers) {
      if (h.name.toLowerCase() === 'host') hdrs.Host = h.value;
      else hdrs[h.name] = h.value;
    }
    const req = mod.request(u, { method: 'GET', headers: hdrs, rejectUnauthorized: false, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      let body = '';
      res.on('data', (d: Buffer) => { if (body.length < 10240) body += d.toString(); });
      res.on('end', () => {
        if (status >= 200 && status < 400) resolve({ ok: true, output: body });
        else resolve({ ok: false, output: `HTTP probe failed with statuscode: ${status}` });
      });
      res.on('error', () => resolve({ ok: false, output: `HTTP probe failed with statuscode: ${status}` }));
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve({ ok: false, output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, output: `Get "${url}": ${dialError(e, u.hostname, Number(u.port))}` }));
    req.end();
  });
}

/** tcpProbe succeeds when a TCP connection opens. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => { s.destroy(); resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` }); }, timeoutMs);
    s.once('connect', () => { clearTimeout(t); s.destroy(); resolve({ ok: true, output: '' }); });
    s.once('error', (e: NodeJS.ErrnoException) => { clearTimeout(t); resolve({ ok: false, output: dialError(e, host, port) }); });
  });
}

function dialError(e: NodeJS.ErrnoException, host: string, port: number): string {
  if (e.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (e.code === 'ECONNRESET') return `read tcp ${host}:${port}: read: connection reset by peer`;
  return `dial tcp ${host}:${port}: ${e.message}`;
}
