import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { IMAGES_DIR } from '../image-catalog.js';

/** BUSYBOX_BINARY is where Debian's busybox-static installs its one binary. */
export const BUSYBOX_BINARY = '/bin/busybox';

/**
 * prepareBusyboxApplets makes `dir` a directory of symlinks, one per applet of the busybox binary
 * (nslookup, wget, nc, ping, hostname, ifconfig, sh …), each pointing at the binary, as the busybox
 * image's /bin holds them. Images marked `applets: busybox` in the catalog get this directory first
 * on their PATH, so `nslookup` inside them is busybox's, not whatever the host has (or lacks).
 * Returns the directory, or undefined when the binary is missing (the host's tools serve then).
 */
export function prepareBusyboxApplets(dir: string, binary: string = BUSYBOX_BINARY): string | undefined {
  if (!isExecutable(binary)) return undefined;
  const listed = spawnSync(binary, ['--list'], { encoding: 'utf8' });
  if (listed.status !== 0) return undefined;
  const applets = listed.stdout.split('\n').map((s) => s.trim()).filter((s) => s && !s.includes('/'));
  fs.mkdirSync(dir, { recursive: true });
  for (const applet of applets.filter((a) => a !== 'ps')) {
    const link = path.join(dir, applet);
    try {
      if (fs.readlinkSync(link) === binary) continue;
      fs.rmSync(link, { force: true });
    } catch { /* absent */ }
    fs.symlinkSync(binary, link);
  }
  // ps prints the TIME column the busybox image's ps has (Debian's busybox-static is built without it)
  if (applets.includes('ps')) {
    const ps = path.join(dir, 'ps');
    fs.rmSync(ps, { force: true });
    fs.writeFileSync(ps, `#!${binary} sh\nTSKUBE_BUSYBOX='${binary}' exec '${process.execPath}' '${PS_SCRIPT}' "$@"\n`, { mode: 0o755 });
  }
  return dir;
}

/** PS_SCRIPT is the busybox image's ps (src/runtime/images/busybox-ps.cjs). */
const PS_SCRIPT = path.join(IMAGES_DIR, 'busybox-ps.cjs');

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch { return false; }
}
