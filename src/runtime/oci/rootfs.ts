import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isMountPoint } from '../../util/mounts.js';

const execFileAsync = promisify(execFile);

/** ContainerRootfs is a container's overlay: the image's root filesystem below, the container's writes above. */
export interface ContainerRootfs {
  /** the mounted root the container sees */
  merged: string;
  upper: string;
  work: string;
}

/** rootfsPaths are the overlay directories of a container whose bundle is dir. */
export function rootfsPaths(dir: string): ContainerRootfs {
  return { merged: path.join(dir, 'rootfs'), upper: path.join(dir, 'upper'), work: path.join(dir, 'work') };
}

/**
 * mountRootfs mounts a container's root filesystem in its bundle directory: an overlay whose lower
 * layer is the image's unpacked root filesystem (shared, never written) and whose upper layer takes
 * the container's writes, so every container of an image starts from the same files (what the
 * overlayfs snapshotter gives containerd's containers). lower may list several layers, topmost first.
 */
export async function mountRootfs(dir: string, lower: string | string[]): Promise<ContainerRootfs> {
  const p = rootfsPaths(dir);
  for (const d of [p.merged, p.upper, p.work]) fs.mkdirSync(d, { recursive: true });
  const lowers = Array.isArray(lower) ? lower : [lower];
  for (const l of lowers) if (!fs.existsSync(l)) throw new Error(`image root filesystem ${l} does not exist`);
  // index=off: the same lower directory is mounted by many containers at once.
  const opts = `lowerdir=${lowers.join(':')},upperdir=${p.upper},workdir=${p.work},index=off`;
  try {
    await execFileAsync('mount', ['-t', 'overlay', 'overlay', '-o', opts, p.merged]);
  } catch (e) {
    throw new Error(`failed to mount the container's root filesystem: ${((e as { stderr?: string }).stderr || (e as Error).message).trim()}`);
  }
  return p;
}

/** unmountRootfs unmounts a container's overlay (lazily when busy); nothing to do when it is not mounted. */
export async function unmountRootfs(dir: string): Promise<void> {
  const { merged } = rootfsPaths(dir);
  if (!isMountPoint(merged)) return;
  try {
    await execFileAsync('umount', [merged]);
  } catch {
    await execFileAsync('umount', ['-l', merged]).catch(() => undefined);
  }
}

/** PasswdEntry is one line of an image's /etc/passwd. */
export interface PasswdEntry { name: string; uid: number; gid: number; home: string }

/** GroupEntry is one line of an image's /etc/group. */
export interface GroupEntry { name: string; gid: number; members: string[] }

/**
 * readImageFile reads a file of a root filesystem, never following a symbolic link out of it
 * (an image's /etc/passwd is the image's, whatever it links to).
 */
function readImageFile(rootfs: string, file: string): string | undefined {
  const p = path.join(rootfs, file);
  try {
    if (!fs.lstatSync(p).isFile()) return undefined;
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** parsePasswd parses /etc/passwd (name:x:uid:gid:gecos:home:shell), skipping malformed lines. */
export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 4 && /^\d+$/.test(f[2]) && /^\d+$/.test(f[3]))
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' }));
}

/** parseGroup parses /etc/group (name:x:gid:member,member). */
export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3 && /^\d+$/.test(f[2]))
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean) }));
}

/** ResolvedUser is a container process's identity. */
export interface ResolvedUser { uid: number; gid: number; additionalGids: number[] }

/**
 * resolveUser is the process's identity as containerd makes it: the agent's user (runAsUser and
 * runAsGroup, or the image's numeric USER) when given, else the image's USER ("name", "name:group",
 * "uid:group"…) looked up in the image's /etc/passwd and /etc/group, else root. The supplementary
 * groups are the groups the image's /etc/group lists the user in, then the pod's
 * (fsGroup, supplementalGroups). An unknown user name is an error, as in containerd.
 */
export function resolveUser(rootfs: string, agentUser: { uid: number; gid: number; supplementalGroups?: number[] } | undefined, imageUser?: string): ResolvedUser {
  const passwd = parsePasswd(readImageFile(rootfs, 'etc/passwd') ?? '');
  const groups = parseGroup(readImageFile(rootfs, 'etc/group') ?? '');
  let uid = 0;
  let gid = 0;
  if (agentUser) {
    uid = agentUser.uid;
    gid = agentUser.gid;
  } else if (imageUser) {
    const [u, g] = imageUser.split(':', 2);
    const entry = /^\d+$/.test(u) ? passwd.find((p) => p.uid === Number(u)) : passwd.find((p) => p.name === u);
    if (!entry && !/^\d+$/.test(u)) throw new Error(`no users found for "${u}" in the image's /etc/passwd`);
    uid = entry ? entry.uid : Number(u);
    gid = entry ? entry.gid : 0;
    if (g) {
      const ge = /^\d+$/.test(g) ? undefined : groups.find((x) => x.name === g);
      if (!/^\d+$/.test(g) && !ge) throw new Error(`no groups found for "${g}" in the image's /etc/group`);
      gid = ge ? ge.gid : Number(g);
    }
  }
  const additionalGids = [...new Set([...groupsOfUser(passwd, groups, uid), ...(agentUser?.supplementalGroups ?? [])])];
  return { uid, gid, additionalGids };
}

/**
 * groupsOfUser are the gids of the image's /etc/group entries that list uid's user (named in its
 * /etc/passwd) as a member, the group of the user's own name aside, as containerd's
 * WithAdditionalGIDs finds them. A uid without a name has none.
 */
export function groupsOfUser(passwd: PasswdEntry[], groups: GroupEntry[], uid: number): number[] {
  const name = passwd.find((p) => p.uid === uid)?.name;
  if (!name) return [];
  return groups.filter((g) => g.name !== name && g.members.includes(name)).map((g) => g.gid);
}
