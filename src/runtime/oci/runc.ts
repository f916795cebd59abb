import fs from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** RUNC_PATH is Debian's runc (package runc). */
export const RUNC_PATH = '/usr/sbin/runc';

/** RuncState is `runc state`'s answer. */
export interface RuncState {
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
  created: string;
}

/** RuncError is a failed runc command, with runc's own message. */
export class RuncError extends Error {}

/**
 * Runc runs the runc command line with one state directory (--root) for the node's containers,
 * apart from any other runc user's (containerd keeps its own under /run/containerd).
 */
export class Runc {
  constructor(readonly root: string, readonly binary: string = RUNC_PATH) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  }

  /** args are the global options every command starts with. */
  args(...rest: string[]): string[] {
    return ['--root', this.root, ...rest];
  }

  /** version is runc's version ("1.1.5+ds1"), from `runc --version`'s first line. */
  version(): string {
    try {
      const out = execFileSync(this.binary, ['--version'], { encoding: 'utf8' });
      return /runc version (\S+)/.exec(out)?.[1] ?? 'unknown';
    } catch {
      return 'unknown';
    }
  }

  /** state is `runc state ID`; undefined when runc does not know the container. */
  async state(id: string): Promise<RuncState | undefined> {
    try {
      return JSON.parse((await this.run('state', id)).stdout) as RuncState;
    } catch {
      return undefined;
    }
  }

  /** list is `runc list`: every container in this state directory. */
  async list(): Promise<RuncState[]> {
    const out = (await this.run('list', '--format', 'json')).stdout.trim();
    return out && out !== 'null' ? (JSON.parse(out) as RuncState[]) : [];
  }

  /** kill sends a signal to the container's init (all its processes with all, for a shared PID namespace); a stopped container is no error. */
  async kill(id: string, signal: 'TERM' | 'KILL', all = false): Promise<void> {
    try {
      await this.run('kill', ...(all ? ['--all'] : []), id, signal);
    } catch (e) {
      if (!/not running|does not exist|container not running|process already finished/i.test((e as Error).message)) throw e;
    }
  }

  /** delete is `runc delete --force ID` (kills what still runs, removes the cgroup and state); an unknown container is no error. */
  async delete(id: string): Promise<void> {
    try {
      await this.run('delete', '--force', id);
    } catch (e) {
      if (!/does not exist|not exist/i.test((e as Error).message)) throw e;
    }
  }

  private async run(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    try {
      return await execFileAsync(this.binary, this.args(...args), { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new RuncError(`runc ${args[0]}: ${(err.stderr || err.message).trim()}`);
    }
  }
}

/**
 * lastRuncError reads the last error of a runc --log-format json log (runc's reason for a failed
 * create or start, e.g. `exec: "nope": executable file not found in $PATH`).
 */
export function lastRuncError(logFile: string): string | undefined {
  let text: string;
  try { text = fs.readFileSync(logFile, 'utf8'); } catch { return undefined; }
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as { level?: string; msg?: string };
      if ((rec.level === 'error' || rec.level === 'fatal') && rec.msg) last = rec.msg;
    } catch { /* not json */ }
  }
  return last;
}

/**
 * removeEmptyCgroups removes a cgroup path (relative, as runc takes it from the caller's own
 * cgroup) and its ancestors, where empty, in every v1 hierarchy of the caller, and in a hybrid host's
 * unified one: runc makes a container's cgroup in all of them (blkio, devices, freezer, the named
 * systemd one…), and `runc delete` removes only the container's own level. The hierarchies the agent's
 * cgroup manager uses go too when empty; a level still in use (processes, children) stays.
 */
export function removeEmptyCgroups(cgroupPath: string, root = '/sys/fs/cgroup', selfCgroupFile = '/proc/self/cgroup'): void {
  const rel = cgroupPath.replace(/^\/+|\/+$/g, '');
  if (!rel || rel.split('/').includes('..') || cgroupPath.startsWith('/')) return;
  let lines: string[];
  try { lines = fs.readFileSync(selfCgroupFile, 'utf8').trim().split('\n'); } catch { return; }
  for (const line of lines) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    // the hierarchy's directory: "name=systemd" → systemd, "cpu,cpuacct" → cpu,cpuacct, v2 ("0::") → unified on a hybrid host
    const name = m[2] === '' ? (fs.existsSync(`${root}/cgroup.controllers`) ? '' : 'unified') : m[2].replace(/^name=/, '');
    const base = `${root}/${name}`.replace(/\/$/, '') + m[3].replace(/\/$/, '');
    const own = m[2] === '' && name === '' ? base.slice(0, base.lastIndexOf('/')) : base;
    const parts = rel.split('/');
    for (let i = parts.length; i > 0; i--) {
      try { fs.rmdirSync(`${own}/${parts.slice(0, i).join('/')}`); } catch { if (fs.existsSync(`${own}/${parts.slice(0, i).join('/')}`)) break; }
    }
  }
}
