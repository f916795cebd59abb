import fs from 'node:fs';
import path from 'node:path';

/**
 * pauseCommand is the command of a pod's pause process (the PID 1 of a shared PID namespace): cat
 * waiting on a pipe from the agent, run as `/pause` under the name `pause` (a link to cat in
 * binDir), so that ps shows `/pause` as it does for a CRI runtime's pause container, not
 * `{cat} /pause`. Without bash (exec -a) it is plain cat.
 */
export function pauseCommand(binDir: string): string[] {
  if (!fs.existsSync('/bin/bash')) return ['cat'];
  const link = path.join(binDir, 'pause');
  try {
    if (!fs.existsSync(link)) {
      fs.mkdirSync(binDir, { recursive: true });
      fs.symlinkSync(fs.realpathSync('/bin/cat'), link);
    }
  } catch {
    return ['/bin/bash', '-c', 'exec -a /pause cat'];
  }
  return ['/bin/bash', '-c', 'exec -a /pause "$0"', link];
}
