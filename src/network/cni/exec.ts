import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { commands } from '../command/command.js';
import { CNIError, type CNICommand } from './types.js';

/** PluginInvocation is one run of a plugin executable. */
export interface PluginInvocation {
  command: CNICommand;
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS, already joined (K=V;K=V) */
  args?: string;
  /** the configuration given on stdin */
  stdin: object;
  signal?: AbortSignal;
}

/** findPlugin looks a plugin type up in the CNI_PATH directories (libcni's FindInPath). */
export function findPlugin(type: string, paths: string[]): string | undefined {
  if (!type || type.includes('/')) return undefined;
  for (const dir of paths) {
    const p = join(dir, type);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* next directory */ }
  }
  return undefined;
}

/**
 * PluginExec runs CNI plugin executables (libcni's invoke package): the CNI_* variables in the
 * environment, the configuration on stdin, the result (or a spec error object) on stdout.
 * Swappable so tests can answer for the plugins.
 */
export interface PluginExec {
  /** run executes a plugin and resolves with its stdout; a plugin failure rejects with CNIError */
  run(type: string, inv: PluginInvocation): Promise<string>;
}

/** ExecPlugins runs real plugin binaries found in paths (CNI_PATH), through the command helper. */
export class ExecPlugins implements PluginExec {
  constructor(readonly paths: string[]) {}

  async run(type: string, inv: PluginInvocation): Promise<string> {
    const bin = findPlugin(type, this.paths);
    if (!bin) throw new CNIError(type, inv.command, 0, `failed to find plugin "${type}" in path [${this.paths.join(' ')}]`);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: inv.command,
      CNI_CONTAINERID: inv.containerId,
      CNI_NETNS: inv.netns,
      CNI_IFNAME: inv.ifName,
      CNI_ARGS: inv.args ?? '',
      CNI_PATH: this.paths.join(':'),
    };
    const result = await commands.run(bin, [], { env, input: JSON.stringify(inv.stdin), signal: inv.signal }).catch((e: unknown) => {
      throw new CNIError(type, inv.command, 0, (e as Error).message);
    });
    if (result.code === 0) return result.stdout;
    throw pluginError(type, inv.command, result.stdout, result.stderr, result.signal ? `killed by ${result.signal}` : `exit status ${result.code}`);
  }
}

/** pluginError turns a failed plugin's output into a CNIError (the spec's {code,msg,details} on stdout, else its text). */
export function pluginError(type: string, command: CNICommand, stdout: string, stderr: string, exit: string): CNIError {
  try {
    const e = JSON.parse(stdout) as { code?: number; msg?: string; details?: string };
    if (e && typeof e === 'object' && (e.msg || e.code)) return new CNIError(type, command, Number(e.code ?? 0), e.msg ?? `error code ${e.code}`, e.details || undefined);
  } catch { /* not JSON */ }
  const text = (stdout.trim() || stderr.trim()).split('\n').slice(-3).join('; ');
  return new CNIError(type, command, 0, text ? `${text} (${exit})` : `netplugin failed with no error message: ${exit}`);
}
