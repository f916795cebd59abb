/**
 * Where the machine's cgroup hierarchies are, and how a cgroup path given to a runtime
 * ("kubepods/burstable/pod<uid>/<id>") maps to directories in them. Paths follow runc's rule, so
 * that the agent, the process runtime and runc given the same cgroupsPath land in one place: an
 * absolute path is taken from each hierarchy's root; a relative one from the caller's own cgroup
 * (v1: per controller; v2: its parent, since a cgroup with processes cannot delegate controllers).
 * Nesting under the agent's own cgroup is what the kubelet's --cgroup-root does: the pods stay
 * inside whatever the agent itself is accounted and limited by.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseProcCgroup, type CgroupMembership } from '../../agent/stats/cgroup.js';

/** V1_CONTROLLERS are the v1 hierarchies a container's cgroup is made in (cpuset for the kernel's inheritance of cpus/mems). */
export const V1_CONTROLLERS = ['cpu', 'cpuacct', 'memory', 'pids', 'cpuset'] as const;
/** V1Controller is one of V1_CONTROLLERS. */
export type V1Controller = typeof V1_CONTROLLERS[number];

/** CgroupLayout is what detectCgroupLayout found: v1 (hybrid or legacy) with a mount per controller, or v2 unified. */
export type CgroupLayout =
  | { version: 1; root: string; mounts: Record<V1Controller, string>; self: CgroupMembership }
  | { version: 2; root: string; self: CgroupMembership };

/**
 * detectCgroupLayout looks at the cgroup filesystem: v2 when its root is a cgroup2 mount
 * (cgroup.controllers there), else v1 when every controller tskube uses has a hierarchy under it
 * (a hybrid host's almost empty cgroup2 at root/unified is not used). Undefined when neither.
 */
export function detectCgroupLayout(root = '/sys/fs/cgroup', selfCgroupFile = '/proc/self/cgroup'): CgroupLayout | undefined {
  let self: CgroupMembership;
  try { self = parseProcCgroup(fs.readFileSync(selfCgroupFile, 'utf8')); } catch { self = { v1: {} }; }
  if (fs.existsSync(path.join(root, 'cgroup.controllers'))) return { version: 2, root, self };
  const mounts = {} as Record<V1Controller, string>;
  for (const c of V1_CONTROLLERS) {
    const dir = path.join(root, c);
    if (!fs.existsSync(path.join(dir, 'cgroup.procs'))) return undefined;
    mounts[c] = dir;
  }
  return { version: 1, root, mounts, self };
}

/** joinCgroup resolves a cgroup path against a base cgroup (an absolute path ignores the base). */
function joinCgroup(base: string, p: string): string {
  // A path climbing out of its base would reach other cgroups (normalizing would hide it).
  if (p.split('/').includes('..')) throw new Error(`invalid cgroup path ${JSON.stringify(p)}`);
  return path.posix.normalize(p.startsWith('/') ? p : path.posix.join(base || '/', p));
}

/**
 * cgroupDirs are the directories of a cgroup path: one per v1 controller (controllers mounted
 * together share one), or the one v2 directory. Keys are controller names ('unified' for v2).
 */
export function cgroupDirs(layout: CgroupLayout, cgroupPath: string): Map<string, string> {
  const out = new Map<string, string>();
  if (layout.version === 2) {
    const own = layout.self.unified ?? '/';
    out.set('unified', path.join(layout.root, joinCgroup(path.posix.dirname(own), cgroupPath)));
    return out;
  }
  for (const c of V1_CONTROLLERS) out.set(c, path.join(layout.mounts[c], joinCgroup(layout.self.v1[c] ?? '/', cgroupPath)));
  return out;
}

/** realMounts caches each layout's controller mount points with symlinks resolved (cpu → cpu,cpuacct). */
const realMounts = new WeakMap<CgroupLayout, Map<string, string>>();

function realMountOf(layout: Extract<CgroupLayout, { version: 1 }>, controller: V1Controller): string {
  let m = realMounts.get(layout);
  if (!m) { m = new Map(); realMounts.set(layout, m); }
  let real = m.get(controller);
  if (real === undefined) {
    const mount = layout.mounts[controller];
    try { real = fs.realpathSync(mount); } catch { real = mount; }
    m.set(controller, real);
  }
  return real;
}

/**
 * uniqueDirs is cgroupDirs without repeats (co-mounted controllers, cpu,cpuacct, share a directory).
 * Co-mounted controllers are one hierarchy, so comparing their mount points (resolved once per
 * layout) is enough: no realpath per call on a container's start.
 */
export function uniqueDirs(layout: CgroupLayout, cgroupPath: string): string[] {
  const dirs = cgroupDirs(layout, cgroupPath);
  if (layout.version === 2) return [...dirs.values()];
  const seen = new Map<string, string>();
  for (const [name, d] of dirs) {
    const controller = name as V1Controller;
    const key = path.join(realMountOf(layout, controller), path.relative(layout.mounts[controller], d));
    if (!seen.has(key)) seen.set(key, d);
  }
  return [...seen.values()];
}

/** containerCgroupPath is a container's cgroup: its pod's cgroup parent and the container id (as the cgroupfs driver names it). */
export function containerCgroupPath(cgroupParent: string, containerId: string): string {
  return path.posix.join(cgroupParent, containerId);
}
