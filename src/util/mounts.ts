/** This process's mount points, read from /proc/self/mountinfo (one parser for the runtimes, volumes and the network sweep). */
import { readFileSync, statSync } from 'node:fs';
import { dirname, normalize, resolve } from 'node:path';

/** parseMountPoints lists a mountinfo table's mount points (field 5), with the kernel's octal escapes (\040 for a space) undone. */
export function parseMountPoints(mountinfo: string): string[] {
  return mountinfo.split('\n').flatMap((line) => {
    const p = line.split(' ')[4];
    return p ? [p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))] : [];
  });
}

/** mountPoints are this process's mount points ([] when mountinfo cannot be read). */
export function mountPoints(): string[] {
  try { return parseMountPoints(readFileSync('/proc/self/mountinfo', 'utf8')); } catch { return []; }
}

/** isMountPoint reports whether p is a mount point of this process's mount namespace. */
export function isMountPoint(p: string): boolean {
  return mountPoints().includes(resolve(p));
}

/**
 * hasOwnFilesystem reports whether p is the root of a filesystem other than its parent directory's
 * (a namespace file bind-mounted on it, a tmpfs mounted on it): two stats, where isMountPoint reads
 * and parses the whole mount table (about a millisecond with a few hundred pods' mounts). A bind
 * mount of the same filesystem is not seen: use isMountPoint for those. False when p is missing.
 */
export function hasOwnFilesystem(p: string): boolean {
  try {
    const full = resolve(p);
    return statSync(full).dev !== statSync(dirname(full)).dev;
  } catch {
    return false;
  }
}

/**
 * mountPointsUnder lists the mount points at or below dir (not a sibling sharing its prefix),
 * deepest first so that a mount inside another is unmounted before it; mountinfo defaults to this
 * process's.
 */
export function mountPointsUnder(dir: string, mountinfo?: string): string[] {
  const base = normalize(dir).replace(/\/+$/, '');
  const points = (mountinfo === undefined ? mountPoints() : parseMountPoints(mountinfo)).filter((p) => p === base || p.startsWith(`${base}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}
