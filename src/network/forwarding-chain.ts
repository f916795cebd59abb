/** Removing a route controller's iptables chains (its own clean stop, or the sweep of a killed agent's). */
import { commands } from './command/command.js';

const succeeds = (file: string, args: string[]) => commands.run(file, args).then((r) => r.code === 0, () => false);

/** FORWARDING_HOOKS are where a route controller's chain is jumped to: nat POSTROUTING and filter FORWARD. */
export const FORWARDING_HOOKS = [['nat', 'POSTROUTING'], ['filter', 'FORWARD']] as const;

/**
 * removeForwardingChain removes the jumps to chain from nat POSTROUTING and filter FORWARD, then
 * the chain in both tables; a chain already gone is not an error. Resolves to whether there was
 * anything to remove.
 */
export async function removeForwardingChain(chain: string): Promise<boolean> {
  let found = false;
  for (const [table, hook] of FORWARDING_HOOKS) {
    while (await succeeds('iptables', ['-w', '-t', table, '-D', hook, '-j', chain])) found = true;
    if (await succeeds('iptables', ['-w', '-t', table, '-L', chain, '-n'])) {
      found = true;
      await commands.runOk('iptables', ['-w', '-t', table, '-F', chain]);
      await commands.runOk('iptables', ['-w', '-t', table, '-X', chain]);
    }
  }
  return found;
}
