import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../testing/free-port.js';

/** ETCD_BIN is the etcd binary tests start (Debian's etcd-server package); override with $ETCD_BIN. */
export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';

/** TestEtcd is a throwaway single-member etcd on loopback. */
export interface TestEtcd {
  /** client URL, e.g. http://127.0.0.1:41234 */
  endpoint: string;
  pid: number;
  /** stop kills this etcd by PID and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * startTestEtcd starts etcd on free loopback ports with a temporary data directory and resolves
 * once it answers /health. Throws (so the calling test fails, never skips) when the binary is
 * missing: CI installs it with `apt-get install etcd-server`.
 */
export async function startTestEtcd(): Promise<TestEtcd> {
  if (!existsSync(ETCD_BIN)) {
    throw new Error(`etcd binary not found at ${ETCD_BIN}: install it with \`apt-get install -y etcd-server\` (or set ETCD_BIN)`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tskube-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(ETCD_BIN, [
    '--name', 'test', '--data-dir', dataDir,
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `test=${peer}`, '--initial-cluster-state', 'new',
    '--logger', 'zap', '--log-level', 'error',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(client, child, () => stderr);
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint: client, pid: child.pid!, stop };
}

/** waitHealthy (private) polls /health until etcd reports healthy, it exits, or 30 s pass. */
async function waitHealthy(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}) before becoming healthy: ${stderr()}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok && ((await res.json()) as { health?: string }).health === 'true') return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`etcd at ${url} not healthy after 30 s: ${stderr()}`);
}

