import http2 from 'node:http2';
import type { ProbeOutcome } from './runners.js';

/** SERVING_STATUS names grpc.health.v1.HealthCheckResponse.ServingStatus values. */
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** encodeHealthCheckRequest is grpc.health.v1.HealthCheckRequest{service} in a gRPC length-prefixed frame. */
export function encodeHealthCheckRequest(service: string): Buffer {
  const s = Buffer.from(service);
  const msg = s.length ? Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]) : Buffer.alloc(0);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/** decodeHealthStatus reads HealthCheckResponse.status (field 1, varint) from a gRPC frame; 0 (UNKNOWN) when absent. */
export function decodeHealthStatus(frame: Buffer): number {
  const msg = frame.subarray(5, 5 + frame.readUInt32BE(1));
  for (let i = 0; i < msg.length;) {
    const tag = msg[i++];
    let v = 0;
    for (let shift = 0; i < msg.length; shift += 7) { const b = msg[i++]; v |= (b & 0x7f) << shift; if (!(b & 0x80)) break; }
    if (tag === 0x08) return v;
  }
  return 0;
}

/** GRPC_CODES are the names grpc-go prints for status codes ("rpc error: code = Unavailable desc = …"). */
const GRPC_CODES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

/**
 * rpcFailure words a failed Check as the kubelet's gRPC prober does: Unimplemented and
 * DeadlineExceeded have their own sentences, every other status is grpc-go's error text.
 */
export function rpcFailure(code: number, desc: string, timeoutMs: number): string {
  if (code === 12) return `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${desc}`;
  if (code === 4) return `timeout: health rpc did not complete within ${timeoutMs / 1000}s`;
  return `error: health rpc probe failed: rpc error: code = ${GRPC_CODES[code] ?? `Code(${code})`} desc = ${desc}`;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7; }
  out.push(n);
  return Buffer.from(out);
}

/**
 * grpcProbe calls grpc.health.v1.Health/Check over HTTP/2 without TLS (the kubelet's gRPC probe):
 * success only when the status is SERVING, with kubelet's wording of each failure.
 */
export function grpcProbe(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeOutcome> {
  const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: ProbeOutcome) => { if (!done) { done = true; clearTimeout(timer); client.close(); client.destroy(); resolve(o); } };
    const timer = setTimeout(() => finish({ ok: false, output: `timeout: health rpc did not complete within ${timeoutMs / 1000}s` }), timeoutMs);
    const client = http2.connect(`http://${addr}`);
    const connectFailed = (e: NodeJS.ErrnoException) => finish({
      ok: false,
      output: `timeout: failed to connect service "${addr}" within ${timeoutMs / 1000}s: context deadline exceeded: ${e.code === 'ECONNREFUSED' ? `connection error: desc = "transport: Error while dialing: dial tcp ${addr}: connect: connection refused"` : e.message}`,
    });
    client.on('error', connectFailed);
    const req = client.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers', 'user-agent': 'kube-probe/1.32' });
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    // A stream cancelled because the connection failed reports the connection's error.
    req.on('error', (e: Error) => {
      const cause = (e as { cause?: NodeJS.ErrnoException }).cause;
      if (cause?.code) connectFailed(cause);
      // A peer that is no HTTP/2 server (an HTTP/1.1 one answers the preface with "HTTP/1.1 400"):
      // grpc-go reads that reply as a frame header whose length is far too large.
      else if ((e as NodeJS.ErrnoException).code === 'ERR_HTTP2_ERROR' || (e as NodeJS.ErrnoException).code === 'ERR_HTTP2_SESSION_ERROR') {
        finish({ ok: false, output: rpcFailure(14, 'connection error: desc = "error reading server preface: http2: frame too large"', timeoutMs) });
      } else finish({ ok: false, output: rpcFailure(14, e.message, timeoutMs) });
    });
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    // a trailers-only response (an error status) carries grpc-status and grpc-message in its headers
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) grpcMessage = String(h['grpc-message']);
    });
    req.on('trailers', (t) => { grpcStatus = String(t['grpc-status'] ?? grpcStatus ?? ''); grpcMessage = String(t['grpc-message'] ?? grpcMessage); });
    req.on('end', () => {
      if (grpcStatus && grpcStatus !== '0') {
        finish({ ok: false, output: rpcFailure(Number(grpcStatus), decodeGrpcMessage(grpcMessage), timeoutMs) });
        return;
      }
      const body = Buffer.concat(chunks);
      const status = body.length >= 5 ? decodeHealthStatus(body) : 0;
      if (status === 1) finish({ ok: true, output: '' });
      else finish({ ok: false, output: `service unhealthy (responded with "${SERVING_STATUS[status] ?? status}")` });
    });
    req.end(encodeHealthCheckRequest(service));
  });
}

/** decodeGrpcMessage undoes grpc-message's percent-encoding. */
function decodeGrpcMessage(m: string): string {
  try { return decodeURIComponent(m); } catch { return m; }
}
