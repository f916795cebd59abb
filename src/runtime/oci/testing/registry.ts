import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../../testing/free-port.js';

// A throwaway distribution registry (Debian's docker-registry) on 127.0.0.1 for tests: filesystem
// storage in a temporary directory, a free port, optionally basic auth from an htpasswd file.

/** DOCKER_REGISTRY_BIN is Debian's registry binary. */
export const DOCKER_REGISTRY_BIN = '/usr/bin/docker-registry';

/** RegistryOptions: htpasswd turns on basic auth for one user. */
export interface RegistryOptions {
  htpasswd?: { user: string; password: string };
}

/** TestRegistry is a running registry: host is "127.0.0.1:PORT". */
export interface TestRegistry {
  host: string;
  stop(): Promise<void>;
}


/**
 * bcryptHash hashes a password as htpasswd's bcrypt ($2b$), the only scheme the registry accepts.
 * Node has no bcrypt, so Python's crypt module (Debian's python3) makes it, or apache2-utils' htpasswd.
 */
export function bcryptHash(password: string): string {
  const script = 'import crypt,sys,warnings\nwarnings.simplefilter("ignore")\nprint(crypt.crypt(sys.stdin.read(), crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1<<5)))';
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      const out = execFileSync(py, ['-c', script], { input: password, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] }).trim();
      if (out.startsWith('$2')) return out;
    } catch {
      // try the next interpreter
    }
  }
  try {
    // apache2-utils' htpasswd prints "user:hash"
    const out = execFileSync('htpasswd', ['-nbB', 'u', password], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (out.startsWith('u:$2')) return out.slice(2);
  } catch {
    // not installed either
  }
  throw new Error('cannot make a bcrypt hash: python3 with the crypt module (Debian 12\'s python3) or htpasswd (apache2-utils) is needed');
}

/** startRegistry starts docker-registry on a free port and waits until it answers /v2/. */
export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'tskube-registry-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const lines = [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
    ];
    if (opts.htpasswd) {
      await writeFile(join(dir, 'htpasswd'), `${opts.htpasswd.user}:${bcryptHash(opts.htpasswd.password)}\n`);
      lines.push('auth:', '  htpasswd:', '    realm: tskube-test', `    path: ${join(dir, 'htpasswd')}`);
    }
    await writeFile(join(dir, 'config.yml'), lines.join('\n') + '\n');
    const child = spawn(DOCKER_REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    let exited = false;
    const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
    const stop = async (): Promise<void> => {
      if (!exited) {
        child.kill('SIGTERM');
        await Promise.race([exit, sleep(5000)]);
        if (!exited) child.kill('SIGKILL');
        await exit;
      }
      await rm(dir, { recursive: true, force: true });
    };
    const deadline = Date.now() + 30_000;
    while (!exited && Date.now() < deadline) {
      try {
        const res = await fetch(`http://${host}/v2/`);
        await res.arrayBuffer();
        if (res.status === 200 || res.status === 401) return { host, stop };
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    if (exited && attempt < 3 && /address already in use/.test(stderr)) continue;
    await stop();
    throw new Error(`docker-registry did not start: ${stderr.trim()}`);
  }
}
