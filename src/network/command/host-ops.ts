import { commands, type CommandResult } from './command.js';

/**
 * mount mounts a file system as `mount -t FSTYPE -o OPTIONS SOURCE TARGET` does: with the command
 * helper's mount(2) when it runs, else that command. Rejects with CommandError when it fails.
 */
export function mount(fstype: string, source: string, target: string, options: string): Promise<CommandResult> {
  return commands.runOpOk({ op: 'mount', source, target, fstype, options }, 'mount', ['-t', fstype, '-o', options, source, target]);
}

/** umountArgs are `umount`'s arguments for the same unmounts. */
const umountArgs = (targets: string[], lazy: boolean) => [...(lazy ? ['-l'] : []), ...targets];

/**
 * unmount unmounts each target as `umount [-l] TARGET...` does (lazy: detached now, gone once no
 * longer busy), with the helper's umount2(2) when it runs. Resolves with the result (non-zero when
 * any failed; stderr says which); unmountOk rejects instead.
 */
export function unmount(targets: string[], lazy: boolean): Promise<CommandResult> {
  return commands.runOp({ op: 'umount', targets, lazy }, 'umount', umountArgs(targets, lazy));
}

/** unmountOk is unmount, rejecting with CommandError when an unmount failed. */
export function unmountOk(targets: string[], lazy: boolean): Promise<CommandResult> {
  return commands.runOpOk({ op: 'umount', targets, lazy }, 'umount', umountArgs(targets, lazy));
}
