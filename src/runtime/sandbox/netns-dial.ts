import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIALER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'netns-dialer.cjs');
const { connectLocalhost } = createRequire(import.meta.url)('./netns-dialer.cjs') as {
  connectLocalhost(port: number): Promise<{ socket?: net.Socket; error?: string }>;
};
/** how long a dial in a namespace may take before it is given up */
const DIAL_TIMEOUT_MS = 10_000;

/**
 * dialLocalhostIn connects to localhost:port inside the network namespace at netnsPath, as a CRI
 * runtime's port forwarding does (a server that listens on the pod's 127.0.0.1 only is reached, and
 * sees its client come from localhost): a helper entered into the namespace makes the connection
 * and hands the socket over. Rejects with the CRI's words for a port nothing listens on.
 */
export function dialLocalhostIn(netnsPath: string, sandboxId: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${netnsPath}`, '--', process.execPath, DIALER, String(port)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    let settled = false;
    const settle = (f: () => void) => { if (!settled) { settled = true; clearTimeout(timer); f(); } };
    const timer = setTimeout(() => { child.kill('SIGKILL'); settle(() => reject(new Error(`failed to connect to localhost:${port} inside namespace "${sandboxId}": timed out`))); }, DIAL_TIMEOUT_MS);
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('message', (m: { ok: boolean; message?: string }, socket?: net.Socket) => {
      if (m.ok && socket) settle(() => resolve(socket));
      else settle(() => reject(new Error(`failed to execute portforward in network namespace "${netnsPath}": failed to connect to localhost:${port} inside namespace "${sandboxId}", ${m.message ?? ''}`)));
    });
    child.on('error', (e) => settle(() => reject(e)));
    child.on('exit', (code) => settle(() => reject(new Error(`failed to execute portforward in network namespace "${netnsPath}": ${stderr.trim() || `exit status ${code}`}`))));
  });
}

/** dialLocalhost connects to localhost:port in this process's own namespace (a pod on the node's network), IPv4 then IPv6. */
export async function dialLocalhost(sandboxId: string, port: number): Promise<net.Socket> {
  const r = await connectLocalhost(port);
  if (r.socket) return r.socket;
  throw new Error(`failed to connect to localhost:${port} inside namespace "${sandboxId}", ${r.error}`);
}

/** SandboxLookup is what portForwardTo needs of a runtime's sandboxes. */
export interface SandboxLookup<S> { get(id: string): S | undefined; netnsPathOf(rec: S): string | undefined }

/** portForwardTo is a runtime's PortForward: localhost:port in the sandbox's network namespace, or the node's for a pod on its network. */
export async function portForwardTo<S>(sandboxes: SandboxLookup<S>, sandboxId: string, port: number): Promise<net.Socket> {
  const sb = sandboxes.get(sandboxId);
  if (!sb) throw new Error(`could not find sandbox "${sandboxId}"`);
  const netns = sandboxes.netnsPathOf(sb);
  return netns ? dialLocalhostIn(netns, sandboxId, port) : dialLocalhost(sandboxId, port);
}
