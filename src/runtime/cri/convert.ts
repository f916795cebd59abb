import path from 'node:path';
import type {
  AuthConfig, ContainerConfig, ContainerFilter, ContainerInfo, ContainerPhase, ImageInfo, ImageRecord,
  NamespaceMode, PodSandboxConfig, PodSandboxFilter, PodSandboxStatus, RuntimeCondition,
} from '../types.js';
import type * as cri from './cri-types.js';

// Pure translations between tskube's Runtime types and CRI v1 messages (as @grpc/proto-loader gives
// them with keepCase: snake_case fields, enums as names, int64 as decimal strings). Kept apart from
// the gRPC plumbing so the mappings are unit-tested without containerd.

/** Labels the kubelet puts on every container; containerd and crictl show them, and relisting reads them back. */
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';

/** toCriSandboxConfig is RunPodSandbox's PodSandboxConfig for a tskube sandbox config. */
export function toCriSandboxConfig(c: PodSandboxConfig, cgroupBase = '/'): cri.PodSandboxConfig {
  const ns = c.linux?.namespaceOptions;
  return {
    metadata: { ...c.metadata },
    hostname: c.hostname,
    log_directory: c.logDirectory ?? '',
    dns_config: c.dnsConfig ? { servers: [...c.dnsConfig.servers], searches: [...c.dnsConfig.searches], options: [...c.dnsConfig.options] } : undefined,
    port_mappings: (c.portMappings ?? []).map((p) => ({ protocol: p.protocol, container_port: p.containerPort, host_port: p.hostPort, host_ip: p.hostIp ?? '' })),
    labels: {
      ...(c.labels ?? {}),
      [POD_NAME_LABEL]: c.metadata.name, [POD_NAMESPACE_LABEL]: c.metadata.namespace, [POD_UID_LABEL]: c.metadata.uid,
    },
    annotations: { ...(c.annotations ?? {}) },
    linux: {
      cgroup_parent: cgroupParent(c.linux?.cgroupParent, cgroupBase),
      // The sandbox keeps its own PID namespace; containers get theirs (CONTAINER) unless told otherwise, as the kubelet's default.
      security_context: {
        namespace_options: { network: ns?.network ?? 'POD', ipc: ns?.ipc ?? 'POD', pid: 'CONTAINER', target_id: '' },
        privileged: false,
      },
      sysctls: { ...(c.linux?.sysctls ?? {}) },
    },
  };
}

/**
 * cgroupParent gives the agent's pod cgroup ("kubepods/burstable/pod<uid>", relative to the agent's
 * own cgroup, as its cgroup manager makes it) in the cgroupfs driver's form: an absolute path
 * ("/kubepods/burstable/pod<uid>"), resolved against `base`, the agent's own cgroup ("/" when it
 * runs in the root cgroup, as a node agent usually does).
 */
export function cgroupParent(p: string | undefined, base = '/'): string {
  if (!p) return '';
  if (p.split('/').includes('..')) throw new Error(`invalid cgroup parent ${JSON.stringify(p)}`);
  return path.posix.normalize(p.startsWith('/') ? p : path.posix.join(base || '/', p));
}

/**
 * criCapabilities turns the agent's list of capabilities the process may have ("chown", …) into the
 * CRI's add/drop: drop everything, add exactly that list (upper case, without CAP_, as containerd
 * prefixes it). Absent means every capability.
 */
export function criCapabilities(allowed: string[] | undefined): cri.Capability {
  if (allowed === undefined) return { add_capabilities: ['ALL'], drop_capabilities: [] };
  return { add_capabilities: allowed.map((x) => x.toUpperCase().replace(/^CAP_/, '')), drop_capabilities: ['ALL'] };
}

/**
 * criLogPath is ContainerConfig.log_path: relative to the sandbox's log_directory, as the CRI says
 * (the runtime joins them). The agent gives an absolute path under that directory.
 */
export function criLogPath(logPath: string, logDirectory: string | undefined): string {
  if (!logDirectory || !path.isAbsolute(logPath)) return logPath;
  const rel = path.relative(logDirectory, logPath);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`log path ${logPath} is not under the sandbox's log directory ${logDirectory}`);
  return rel;
}

/** toCriContainerConfig is CreateContainer's ContainerConfig: the agent's resolved argv as command (args stay empty: the image's ENTRYPOINT/CMD were already applied). */
export function toCriContainerConfig(c: ContainerConfig, sandbox: PodSandboxConfig): cri.ContainerConfig {
  const r = c.resources;
  const pid = c.namespaceOptions?.pid ?? 'CONTAINER';
  return {
    metadata: { name: c.name, attempt: c.attempt },
    image: { image: c.image, annotations: {}, user_specified_image: c.image },
    command: [...c.argv],
    args: [],
    working_dir: c.workingDir ?? '',
    envs: Object.entries(c.env).map(([key, value]) => ({ key, value })),
    mounts: c.mounts.map((m) => ({ container_path: m.containerPath, host_path: m.hostPath, readonly: !!m.readOnly, selinux_relabel: false, propagation: 'PROPAGATION_PRIVATE' })),
    labels: { [POD_NAME_LABEL]: c.podName, [POD_NAMESPACE_LABEL]: c.podNamespace, [POD_UID_LABEL]: c.podUid, [CONTAINER_NAME_LABEL]: c.name },
    annotations: {},
    log_path: criLogPath(c.logPath, sandbox.logDirectory),
    stdin: !!c.stdin,
    stdin_once: false,
    tty: !!c.tty,
    linux: {
      resources: r ? {
        cpu_period: String(r.cpuPeriod ?? 0), cpu_quota: String(r.cpuQuota ?? 0), cpu_shares: String(r.cpuShares ?? 0),
        memory_limit_in_bytes: String(r.memoryLimitInBytes ?? 0), oom_score_adj: String(Math.max(0, r.oomScoreAdj ?? 0)),
        cpuset_cpus: '', cpuset_mems: '',
      } : undefined,
      security_context: {
        capabilities: c.privileged ? undefined : criCapabilities(c.capabilities),
        privileged: !!c.privileged,
        namespace_options: {
          network: sandbox.linux?.namespaceOptions?.network ?? 'POD',
          ipc: sandbox.linux?.namespaceOptions?.ipc ?? 'POD',
          pid, target_id: pid === 'TARGET' ? c.namespaceOptions?.targetId ?? '' : '',
        },
        run_as_user: c.user ? { value: String(c.user.uid) } : undefined,
        run_as_group: c.user ? { value: String(c.user.gid) } : undefined,
        run_as_username: '',
        readonly_rootfs: !!c.readOnlyRootfs,
        supplemental_groups: (c.user?.supplementalGroups ?? []).map(String),
        no_new_privs: !!c.noNewPrivs,
      },
    },
  };
}

/** nanosToRfc3339 turns a CRI timestamp (nanoseconds since the epoch, int64 as a string) into RFC 3339; 0 is no time. */
export function nanosToRfc3339(ns: string | number | undefined): string | undefined {
  if (ns === undefined || ns === '' || ns === '0' || ns === 0) return undefined;
  const ms = Number(BigInt(ns) / 1_000_000n);
  return new Date(ms).toISOString();
}

/** phaseOf maps the CRI's ContainerState; UNKNOWN (its shim is gone) counts as exited. */
export function phaseOf(state: cri.ContainerState): ContainerPhase {
  switch (state) {
    case 'CONTAINER_CREATED': return 'created';
    case 'CONTAINER_RUNNING': return 'running';
    default: return 'exited';
  }
}

/** criState is a ContainerFilter's state for a tskube phase. */
export function criState(phase: ContainerPhase): cri.ContainerState {
  return phase === 'created' ? 'CONTAINER_CREATED' : phase === 'running' ? 'CONTAINER_RUNNING' : 'CONTAINER_EXITED';
}

/**
 * ContainerVerboseInfo is the part of containerd's verbose ContainerStatus info (info["info"], JSON)
 * tskube reads: the container's pid, its sandbox and the CRI config it was created with (Go's JSON
 * of the protobuf message: snake_case names, enums as numbers).
 */
export interface ContainerVerboseInfo {
  sandboxID?: string;
  pid?: number;
  config?: {
    command?: string[]; args?: string[]; working_dir?: string;
    envs?: { key: string; value?: string }[];
    mounts?: { container_path?: string; host_path?: string; readonly?: boolean }[];
    stdin?: boolean; tty?: boolean;
  };
}

/** parseVerboseInfo reads containerd's verbose info; another runtime's (or none) gives {}. */
export function parseVerboseInfo(info: Record<string, string> | undefined): ContainerVerboseInfo {
  try {
    const v = JSON.parse(info?.info ?? '{}') as unknown;
    return v && typeof v === 'object' ? v as ContainerVerboseInfo : {};
  } catch {
    return {};
  }
}

/**
 * fromCriContainerStatus is ContainerStatus's answer as a ContainerInfo. `known` is the config this
 * process created the container with; a container found by relisting (another agent process made
 * it) gets its config back from its labels, metadata and the runtime's verbose info.
 */
export function fromCriContainerStatus(s: cri.ContainerStatus, sandboxId: string, known?: ContainerConfig, verbose: ContainerVerboseInfo = {}): ContainerInfo {
  const labels = s.labels ?? {};
  const v = verbose.config ?? {};
  const config: ContainerConfig = known ?? {
    podUid: labels[POD_UID_LABEL] ?? '', podName: labels[POD_NAME_LABEL] ?? '', podNamespace: labels[POD_NAMESPACE_LABEL] ?? '',
    name: s.metadata?.name ?? labels[CONTAINER_NAME_LABEL] ?? '', attempt: s.metadata?.attempt ?? 0,
    image: s.image?.user_specified_image || s.image?.image || '',
    argv: [...(v.command ?? []), ...(v.args ?? [])],
    env: Object.fromEntries((v.envs ?? []).map((e) => [e.key, e.value ?? ''])),
    mounts: (v.mounts ?? []).map((m) => ({ hostPath: m.host_path ?? '', containerPath: m.container_path ?? '', ...(m.readonly ? { readOnly: true } : {}) })),
    logPath: s.log_path ?? '',
    ...(v.working_dir ? { workingDir: v.working_dir } : {}),
    ...(v.stdin ? { stdin: true } : {}),
    ...(v.tty ? { tty: true } : {}),
  };
  const phase = phaseOf(s.state);
  const info: ContainerInfo = { id: s.id, sandboxId: sandboxId || verbose.sandboxID || '', config, phase };
  if (phase === 'running' && verbose.pid) info.pid = verbose.pid;
  const created = nanosToRfc3339(s.created_at);
  const started = nanosToRfc3339(s.started_at);
  const finished = nanosToRfc3339(s.finished_at);
  if (created) info.createdAt = created;
  if (started) info.startedAt = started;
  if (phase === 'exited') {
    info.finishedAt = finished ?? started ?? created;
    info.exitCode = s.exit_code;
    // containerd words it as the kubelet does (Completed, Error, OOMKilled, StartError); fill in when it said nothing.
    info.reason = s.reason || (s.state === 'CONTAINER_UNKNOWN' ? 'Unknown' : s.exit_code === 0 ? 'Completed' : 'Error');
    if (s.message) info.message = s.message;
  }
  return info;
}

/** toCriContainerFilter is ListContainers' filter for a tskube ContainerFilter. */
export function toCriContainerFilter(f: ContainerFilter | undefined): cri.ContainerFilter {
  return {
    id: f?.id ?? '',
    state: f?.phase ? { state: criState(f.phase) } : undefined,
    pod_sandbox_id: f?.sandboxId ?? '',
    label_selector: f?.podUid ? { [POD_UID_LABEL]: f.podUid } : {},
  };
}

/** toCriSandboxFilter is ListPodSandbox's filter for a tskube PodSandboxFilter. */
export function toCriSandboxFilter(f: PodSandboxFilter | undefined): cri.PodSandboxFilter {
  return {
    id: f?.id ?? '',
    state: f?.state ? { state: f.state } : undefined,
    label_selector: f?.podUid ? { [POD_UID_LABEL]: f.podUid } : {},
  };
}

/** fromCriSandboxStatus is PodSandboxStatus's answer as tskube's PodSandboxStatus. */
export function fromCriSandboxStatus(s: cri.PodSandboxStatus): PodSandboxStatus {
  const network: NamespaceMode = s.linux?.namespaces?.options?.network === 'NODE' ? 'NODE' : 'POD';
  const out: PodSandboxStatus = {
    id: s.id,
    metadata: { name: s.metadata?.name ?? '', namespace: s.metadata?.namespace ?? '', uid: s.metadata?.uid ?? '', attempt: s.metadata?.attempt ?? 0 },
    state: s.state === 'SANDBOX_READY' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
    createdAt: nanosToRfc3339(s.created_at) ?? new Date(0).toISOString(),
    linux: { namespaces: { options: { network } } },
    labels: { ...(s.labels ?? {}) },
    annotations: { ...(s.annotations ?? {}) },
  };
  if (s.network?.ip) out.network = { ip: s.network.ip, additionalIps: (s.network.additional_ips ?? []).map((x) => x.ip) };
  return out;
}

/** fromCriConditions keeps the two conditions tskube knows (RuntimeReady, NetworkReady). */
export function fromCriConditions(conds: cri.RuntimeCondition[]): RuntimeCondition[] {
  const out: RuntimeCondition[] = [];
  for (const c of conds) {
    if (c.type !== 'RuntimeReady' && c.type !== 'NetworkReady') continue;
    out.push({ type: c.type, status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) });
  }
  return out;
}

/** fromCriImage is the CRI's Image as an ImageRecord. */
export function fromCriImage(i: cri.Image): ImageRecord {
  return { id: i.id, repoTags: [...(i.repo_tags ?? [])], repoDigests: [...(i.repo_digests ?? [])], size: Number(i.size ?? 0), ...(i.pinned ? { pinned: true } : {}) };
}

/**
 * toCriAuth is PullImage's AuthConfig. A server address is given as a URL: containerd parses it as
 * one and uses the credentials only for its host ("127.0.0.1:5000", a docker config key, is no URL
 * to it: the pull would fail), so a bare host gets https:// (only the host is compared).
 */
export function toCriAuth(a: AuthConfig | undefined): cri.AuthConfig | undefined {
  if (!a) return undefined;
  const server = a.serverAddress && !a.serverAddress.includes('://') ? `https://${a.serverAddress}` : a.serverAddress ?? '';
  return {
    username: a.username ?? '', password: a.password ?? '', auth: a.auth ?? '', server_address: server,
    identity_token: a.identityToken ?? '', registry_token: a.registryToken ?? '',
  };
}

/** The part of an OCI image configuration (its "config" object) that shapes a container. */
export interface OciImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

/**
 * imageInfoFromStatus builds resolveImage's answer from ImageStatus (verbose): the image's config
 * from containerd's info ("imageSpec": the OCI image), imageID as the repo digest of the name asked
 * for (Kubernetes' containerStatuses[].imageID), the image id when it has none (an imported image).
 */
export function imageInfoFromStatus(image: string, i: cri.Image, info: Record<string, string>): ImageInfo {
  let cfg: OciImageConfig = {};
  try {
    const verbose = JSON.parse(info.info ?? '{}') as { imageSpec?: { config?: OciImageConfig } };
    cfg = verbose.imageSpec?.config ?? {};
  } catch {
    // A runtime that gives no verbose info: the image's own command is then unknown.
  }
  const env: Record<string, string> = {};
  for (const kv of cfg.Env ?? []) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const out: ImageInfo = {
    image,
    imageID: repoDigestFor(image, i.repo_digests ?? []) ?? i.id,
    entrypoint: [...(cfg.Entrypoint ?? [])],
    cmd: [...(cfg.Cmd ?? [])],
    env,
    size: Number(i.size ?? 0),
  };
  if (cfg.WorkingDir) out.workingDir = cfg.WorkingDir;
  const user = parseImageUser(cfg.User);
  if (user.user) out.user = user.user;
  if (user.userName) out.userName = user.userName;
  return out;
}

/** parseImageUser splits an image's USER ("1000", "1000:1000", "nginx", "nginx:www"): numeric ids, or a name the runtime resolves. */
export function parseImageUser(u: string | undefined): { user?: { uid: number; gid?: number }; userName?: string } {
  if (!u) return {};
  const [name, group] = u.split(':', 2);
  if (/^\d+$/.test(name) && (group === undefined || /^\d+$/.test(group))) {
    return { user: { uid: Number(name), ...(group !== undefined ? { gid: Number(group) } : {}) } };
  }
  return { userName: u };
}

/** repoDigestFor picks the repo digest of the repository the name refers to ("busybox" → docker.io/library/busybox@sha256:…), else the first. */
export function repoDigestFor(image: string, digests: string[]): string | undefined {
  if (!digests.length) return undefined;
  const repo = repositoryOf(image);
  return digests.find((d) => d.slice(0, d.indexOf('@')) === repo) ?? digests[0];
}

/** repositoryOf is an image reference's repository, normalized as Docker does (docker.io/library/ for official images), without tag or digest. */
export function repositoryOf(image: string): string {
  let name = image;
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) name = name.slice(0, colon);
  const first = name.split('/')[0];
  const hasDomain = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasDomain) name = name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  return name;
}
