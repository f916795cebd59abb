// TypeScript shapes of the CRI v1 messages in api.proto, as @grpc/proto-loader decodes and encodes
// them with { keepCase: true, longs: String, enums: String, defaults: true }: snake_case fields,
// enums by name, int64 as decimal strings (nanosecond timestamps exceed 2^53), bytes as Buffers.

/** int64 on the wire: a decimal string (numbers are accepted when encoding). */
export type Int64 = string;

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface NamespaceOption { network?: NamespaceMode; pid?: NamespaceMode; ipc?: NamespaceMode; target_id?: string }
export interface Int64Value { value: Int64 }
export interface ImageSpec { image: string; annotations?: Record<string, string>; user_specified_image?: string }
export interface KeyValue { key: string; value: string }

export interface PodSandboxMetadata { name: string; uid: string; namespace: string; attempt: number }
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  log_directory: string;
  dns_config?: { servers: string[]; searches: string[]; options: string[] };
  port_mappings: { protocol: 'TCP' | 'UDP' | 'SCTP'; container_port: number; host_port: number; host_ip: string }[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  linux?: {
    cgroup_parent: string;
    security_context?: { namespace_options?: NamespaceOption; privileged?: boolean };
    sysctls: Record<string, string>;
  };
}

export interface PodSandboxStatus {
  id: string;
  metadata?: PodSandboxMetadata;
  state: PodSandboxState;
  created_at: Int64;
  network?: { ip: string; additional_ips?: { ip: string }[] } | null;
  linux?: { namespaces?: { options?: NamespaceOption | null } | null } | null;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface PodSandbox {
  id: string;
  metadata?: PodSandboxMetadata;
  state: PodSandboxState;
  created_at: Int64;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface PodSandboxFilter { id: string; state?: { state: PodSandboxState }; label_selector: Record<string, string> }

export interface Capability { add_capabilities: string[]; drop_capabilities: string[] }
export interface LinuxContainerResources {
  cpu_period: Int64; cpu_quota: Int64; cpu_shares: Int64; memory_limit_in_bytes: Int64; oom_score_adj: Int64;
  cpuset_cpus: string; cpuset_mems: string;
}
export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged: boolean;
  namespace_options?: NamespaceOption;
  run_as_user?: Int64Value;
  run_as_group?: Int64Value;
  run_as_username: string;
  readonly_rootfs: boolean;
  supplemental_groups: Int64[];
  no_new_privs: boolean;
}
export interface Mount {
  container_path: string; host_path: string; readonly: boolean; selinux_relabel?: boolean;
  propagation?: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}
export interface ContainerMetadata { name: string; attempt: number }
export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  command: string[];
  args: string[];
  working_dir: string;
  envs: KeyValue[];
  mounts: Mount[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  log_path: string;
  stdin: boolean;
  stdin_once: boolean;
  tty: boolean;
  linux: { resources?: LinuxContainerResources; security_context?: LinuxContainerSecurityContext };
}

export interface ContainerFilter { id: string; state?: { state: ContainerState }; pod_sandbox_id: string; label_selector: Record<string, string> }
export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata?: ContainerMetadata;
  image?: ImageSpec;
  image_ref: string;
  state: ContainerState;
  created_at: Int64;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface ContainerStatus {
  id: string;
  metadata?: ContainerMetadata | null;
  state: ContainerState;
  created_at: Int64;
  started_at: Int64;
  finished_at: Int64;
  exit_code: number;
  image?: ImageSpec | null;
  image_ref?: string;
  reason: string;
  message: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  log_path?: string;
}

export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string }

export interface Image {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: Int64 | number;
  uid?: Int64Value | null;
  username?: string;
  pinned?: boolean;
}
export interface AuthConfig {
  username: string; password: string; auth: string; server_address: string; identity_token: string; registry_token: string;
}
export interface FilesystemUsage { timestamp: Int64; fs_id?: { mountpoint: string } | null; used_bytes?: { value: Int64 } | null }

export type ContainerEventType = 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';
export interface ContainerEventResponse {
  container_id: string;
  container_event_type: ContainerEventType;
  created_at: Int64;
  pod_sandbox_status?: PodSandboxStatus | null;
}
