import type { ContainerConfig } from '../types.js';

// The OCI runtime specification's config.json (runtime-spec v1.0.2, what runc 1.1 reads), reduced
// to the fields tskube sets, and buildRuntimeSpec: a pure function from a container's config and its
// sandbox to that document, with containerd's defaults for what a pod spec does not say.

/** OciMount is one entry of config.json's mounts. */
export interface OciMount { destination: string; type?: string; source?: string; options?: string[] }

/** OciNamespace is one of linux.namespaces: a new namespace, or the one at path. */
export interface OciNamespace { type: 'pid' | 'network' | 'ipc' | 'uts' | 'mount' | 'cgroup' | 'user'; path?: string }

/** OciCapabilities are process.capabilities' five sets. */
export interface OciCapabilities { bounding: string[]; effective: string[]; permitted: string[]; inheritable: string[]; ambient: string[] }

/** OciSpec is the config.json of a container bundle. */
export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: OciCapabilities;
    noNewPrivileges: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly: boolean };
  mounts: OciMount[];
  annotations?: Record<string, string>;
  linux: {
    namespaces: OciNamespace[];
    cgroupsPath: string;
    resources: {
      devices: { allow: boolean; access: string; type?: string; major?: number; minor?: number }[];
      memory?: { limit?: number; swap?: number };
      cpu?: { shares?: number; quota?: number; period?: number };
    };
    maskedPaths?: string[];
    readonlyPaths?: string[];
  };
}

/**
 * DEFAULT_CAPABILITIES is containerd's default set for a container that is not privileged (what
 * Docker gives too), the capabilities a pod has before securityContext adds or drops any.
 */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** ALL_CAPABILITIES are every capability runc 1.1 knows (a privileged container gets them all). */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/**
 * boundingCapabilities are the capabilities of a bounding set mask (/proc/self/status CapBnd): what
 * a privileged container can get at most, as containerd gives it "all current capabilities" (these
 * machines' root lacks CAP_SYS_RESOURCE, and runc fails asking for more than it has).
 */
export function boundingCapabilities(capBnd: bigint): string[] {
  return ALL_CAPABILITIES.filter((_, bit) => ((capBnd >> BigInt(bit)) & 1n) === 1n);
}

/** MASKED_PATHS are containerd's defaults: kernel files a container must not read (bind-mounted over with /dev/null or an empty tmpfs). */
export const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** READONLY_PATHS are containerd's defaults: kernel files a container may read but not write. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** DEFAULT_PATH is the PATH of a container whose image and pod set none (containerd's). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** SandboxView is what a container takes from its pod sandbox: namespaces to join and the files it mounts. */
export interface SandboxView {
  /** the pod's network namespace (absent: the node's network) */
  netnsPath?: string;
  /** the pod's UTS namespace (hostname) */
  utsPath?: string;
  /** the pod's IPC namespace (absent: the node's, hostIPC) */
  ipcPath?: string;
  /** the pod's hostname, for HOSTNAME */
  hostname: string;
  hostnameFile: string;
  resolvConfFile: string;
  /** the pod's shared /dev/shm, when it has one */
  shmPath?: string;
}

/** RuntimeSpecInput is everything buildRuntimeSpec needs. */
export interface RuntimeSpecInput {
  config: ContainerConfig;
  /** the container's root filesystem (its overlay's merged directory) */
  rootfs: string;
  sandbox: SandboxView;
  /** the process's user, USER names already resolved in the image's /etc/passwd and /etc/group */
  user: { uid: number; gid: number; additionalGids: number[] };
  /** cgroupsPath ("kubepods/burstable/pod<uid>/<id>"; runc takes a relative one from its own cgroup, as the agent's cgroup manager does) */
  cgroupsPath: string;
  /** the PID namespace to join (POD, TARGET); absent: a new one, unless the config says NODE */
  pidNamespacePath?: string;
  /** what a privileged container gets: the runtime's own bounding set (default: every capability) */
  allCapabilities?: string[];
}

/**
 * capabilitiesOf maps the agent's capability names ("net_raw", lower case without CAP_) to the
 * spec's; a privileged container has all, one without a list containerd's default set.
 */
export function capabilitiesOf(c: Pick<ContainerConfig, 'capabilities' | 'privileged'>, all: string[] = ALL_CAPABILITIES): string[] {
  if (c.privileged) return [...all];
  if (!c.capabilities) return [...DEFAULT_CAPABILITIES];
  const want = new Set(c.capabilities.map((x) => `CAP_${x.toUpperCase().replace(/^CAP_/, '')}`));
  // Keep runc's known names only (and in its order): an unknown one makes runc warn and ignore it anyway.
  return ALL_CAPABILITIES.filter((x) => want.has(x));
}

/** defaultMounts are containerd's: /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys, /sys/fs/cgroup. */
function defaultMounts(privileged: boolean, shmPath: string | undefined): OciMount[] {
  const sysRo = privileged ? [] : ['ro'];
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    shmPath
      ? { destination: '/dev/shm', type: 'bind', source: shmPath, options: ['rbind', 'rprivate', 'rw'] }
      : { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ...sysRo] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', ...sysRo] },
  ];
}

/** bindMount is an rbind of a host path (rprivate: mounts made inside do not leak out), read-only when asked. */
function bindMount(source: string, destination: string, readOnly?: boolean): OciMount {
  return { destination, type: 'bind', source, options: ['rbind', 'rprivate', readOnly ? 'ro' : 'rw'] };
}

/**
 * buildRuntimeSpec makes a container's config.json as containerd's CRI plugin does for the same
 * request: the argv, environment and user, capabilities (containerd's default set unless the agent
 * gives the set securityContext leaves), no_new_privs, a read-only root when asked, masked and
 * read-only kernel paths unless privileged, the default mounts then the agent's (volumes,
 * /etc/hosts, the termination log) and the sandbox's /etc/hostname and /etc/resolv.conf, the
 * sandbox's network, IPC and UTS namespaces, and the cgroup and its limits.
 */
export function buildRuntimeSpec(input: RuntimeSpecInput): OciSpec {
  const { config: c, sandbox: sb } = input;
  const privileged = !!c.privileged;
  const env: Record<string, string> = { PATH: DEFAULT_PATH, HOSTNAME: sb.hostname, ...(c.tty ? { TERM: 'xterm' } : {}), ...c.env };
  const caps = capabilitiesOf(c, input.allCapabilities);
  const own = new Set(c.mounts.map((m) => m.containerPath));
  const mounts = [
    ...defaultMounts(privileged, sb.shmPath),
    ...c.mounts.map((m) => bindMount(m.hostPath, m.containerPath, m.readOnly)),
    // The runtime's files for the pod, unless a volume claims the path (as containerd does).
    ...(own.has('/etc/hostname') ? [] : [bindMount(sb.hostnameFile, '/etc/hostname', c.readOnlyRootfs)]),
    ...(own.has('/etc/resolv.conf') ? [] : [bindMount(sb.resolvConfFile, '/etc/resolv.conf', c.readOnlyRootfs)]),
  ];
  const pidMode = c.namespaceOptions?.pid ?? 'CONTAINER';
  const namespaces: OciNamespace[] = [{ type: 'mount' }];
  if (input.pidNamespacePath) namespaces.push({ type: 'pid', path: input.pidNamespacePath });
  else if (pidMode !== 'NODE') namespaces.push({ type: 'pid' });
  // A namespace left out is the node's (runc runs in the node's): host network, hostIPC.
  if (sb.netnsPath) namespaces.push({ type: 'network', path: sb.netnsPath });
  if (sb.ipcPath) namespaces.push({ type: 'ipc', path: sb.ipcPath });
  namespaces.push(sb.utsPath ? { type: 'uts', path: sb.utsPath } : { type: 'uts' });
  const r = c.resources ?? {};
  const memory = r.memoryLimitInBytes ? { limit: r.memoryLimitInBytes } : undefined;
  const cpu = r.cpuShares || r.cpuQuota
    ? { ...(r.cpuShares ? { shares: r.cpuShares } : {}), ...(r.cpuQuota && r.cpuQuota > 0 ? { quota: r.cpuQuota, period: r.cpuPeriod || 100000 } : {}) }
    : undefined;
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: !!c.tty,
      user: { uid: input.user.uid, gid: input.user.gid, ...(input.user.additionalGids.length ? { additionalGids: input.user.additionalGids } : {}) },
      args: c.argv,
      env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      cwd: c.workingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      noNewPrivileges: !!c.noNewPrivs,
      // These machines refuse a negative oom_score_adj (no CAP_SYS_RESOURCE): never ask for one.
      ...(r.oomScoreAdj !== undefined ? { oomScoreAdj: Math.max(0, r.oomScoreAdj) } : {}),
    },
    root: { path: input.rootfs, readonly: !!c.readOnlyRootfs },
    mounts,
    annotations: {
      'io.kubernetes.cri.container-type': 'container',
      'io.kubernetes.cri.container-name': c.name,
      'io.kubernetes.cri.sandbox-name': c.podName,
      'io.kubernetes.cri.sandbox-namespace': c.podNamespace,
      'io.kubernetes.cri.sandbox-uid': c.podUid,
      'io.kubernetes.cri.image-name': c.image,
    },
    linux: {
      namespaces,
      cgroupsPath: input.cgroupsPath,
      resources: {
        devices: [{ allow: privileged, access: 'rwm' }],
        ...(memory ? { memory } : {}),
        ...(cpu ? { cpu } : {}),
      },
      ...(privileged ? {} : { maskedPaths: [...MASKED_PATHS], readonlyPaths: [...READONLY_PATHS] }),
    },
  };
}
