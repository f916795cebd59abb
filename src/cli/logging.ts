import type { Command } from 'commander';
import { configureLogging, parseLogFlags, type LogOptions } from '../util/log.js';

/** LOGGING_COMMANDS are the long-running commands that take the logging flags. */
export const LOGGING_COMMANDS = ['up', 'server', 'agent'];

/** addLoggingOptions adds klog's `-v` and tskube's `--log-level` / `--log-format` to a command. */
export function addLoggingOptions(cmd: Command): Command {
  return cmd
    .option('-v, --v <n>', 'log verbosity, as Kubernetes components: 0 (default) to 10; 4 shows debug detail and error stacks')
    .option('--log-level <level>', 'lowest severity logged: debug, info, warn or error (errors are always logged)', 'info')
    .option('--log-format <format>', 'text (one readable line per entry) or json (one object per line)', 'text');
}

/** applyLoggingOptions configures the process logger from a command's options (before it starts anything); `extra` is for tests (destination). */
export function applyLoggingOptions(opts: { v?: string; logLevel?: string; logFormat?: string }, extra: Pick<LogOptions, 'destination'> = {}): void {
  configureLogging({ ...parseLogFlags(opts), ...extra });
}
