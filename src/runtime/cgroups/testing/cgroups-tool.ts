/** The system requirement of tests that make real cgroups: root and a writable v1 or v2 hierarchy. */
import { CgroupManager } from '../manager.js';
import type { SystemTool } from '../../../testing/system-tools.js';

/** CGROUPS is a usable cgroup filesystem (root, every controller tskube uses mounted). */
export const CGROUPS: SystemTool = {
  name: 'cgroups',
  check: () => CgroupManager.detect().manager !== undefined,
  missing: 'no usable cgroups (needs root and cgroup v2, or v1 cpu, cpuacct, memory, pids and cpuset mounted under /sys/fs/cgroup)',
  install: 'run the tests as root on a machine with cgroups mounted',
};
