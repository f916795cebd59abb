/**
 * cgroups for the runtimes that can use them (process as root, oci, cri): layout detection, the
 * manager, and how a runtime offers its manager to the node agent (CgroupCapable).
 */
import type { CgroupManager } from './manager.js';

export * from './layout.js';
export * from './manager.js';

/**
 * CgroupCapable is a runtime that puts containers in cgroups: it exposes the manager it uses, so
 * the agent makes pod cgroups (kubepods/…/pod<uid>) in the same hierarchies. A runtime without it
 * (simulated, or not root) runs pods without cgroups.
 */
export interface CgroupCapable { readonly cgroups?: CgroupManager }

/** cgroupsOf is the runtime's cgroup manager, if it uses cgroups. */
export function cgroupsOf(runtime: object): CgroupManager | undefined {
  return (runtime as CgroupCapable).cgroups;
}
