/**
 * The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): a new pod gets its
 * service account's imagePullSecrets when it names none, and — unless the pod or its service
 * account turns automountServiceAccountToken off — the kube-api-access-XXXXX projected volume
 * (a bound token, the cluster CA from kube-root-ca.crt, the namespace) mounted read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount in every container and init container.
 */
import { randomInt } from 'node:crypto';
import type { KubeObject } from '../../api/resource.js';
import { forbidden, StatusError } from '../../apimachinery/errors.js';
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '../../admission/interfaces.js';
import type { PluginDeps } from '../../admission/plugins/deps.js';

/** DEFAULT_API_TOKEN_MOUNT_PATH is where in-cluster clients look for the token, CA and namespace. */
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** SERVICE_ACCOUNT_VOLUME_PREFIX starts the generated volume's name. */
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';
/** WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS is the lifetime the volume asks for (3607: one hour and a marker). */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607;
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** the alphabet of utilrand.String (no vowels, no look-alikes) */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

interface Mount { name: string; mountPath: string; readOnly?: boolean }
interface ContainerLike { volumeMounts?: Mount[] }
interface PodSpecLike {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: { name: string }[];
  volumes?: { name: string; projected?: unknown }[];
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
}

/** tokenVolume is the projected volume the plugin adds (what the reference cluster shows). */
export function tokenVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
      ],
    },
  };
}

/** randomSuffix is utilrand.String(5). */
function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHANUMS[randomInt(ALPHANUMS.length)];
  return s;
}

/**
 * mountServiceAccountToken adds the volume (unless one is there already) and its mount to every
 * container without one at the default path.
 */
export function mountServiceAccountToken(spec: PodSpecLike, suffix = randomSuffix()): void {
  // Mutating admission runs before validation: a null or mistyped element is left for validation to report.
  const existing = objects<{ name?: unknown; projected?: unknown }>(spec.volumes)
    .find((v) => typeof v.name === 'string' && v.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX) && v.projected);
  const volumeName = typeof existing?.name === 'string' ? existing.name : SERVICE_ACCOUNT_VOLUME_PREFIX + suffix;
  let needsVolume = false;
  for (const c of [...objects<ContainerLike>(spec.initContainers), ...objects<ContainerLike>(spec.containers)]) {
    if (c.volumeMounts !== undefined && c.volumeMounts !== null && !Array.isArray(c.volumeMounts)) continue;
    if ((c.volumeMounts ?? []).some((m) => isObject(m) && m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
    (c.volumeMounts ??= []).push({ name: volumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH });
    needsVolume = true;
  }
  if (needsVolume && !existing && (spec.volumes === undefined || spec.volumes === null || Array.isArray(spec.volumes))) {
    (spec.volumes ??= []).push(tokenVolume(volumeName) as never);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** objects keeps a list's object elements (none when it is not a list). */
function objects<T>(list: unknown): T[] {
  return Array.isArray(list) ? (list.filter(isObject) as T[]) : [];
}

/** ServiceAccountPlugin is the ServiceAccount admission plugin (mutating, pods on create). */
export class ServiceAccountPlugin implements AdmissionPlugin {
  readonly name = 'ServiceAccount';
  constructor(private readonly deps: PluginDeps) {}

  handles(op: Operation): boolean { return op === 'CREATE'; }

  async admit(attrs: AdmissionAttributes): Promise<void> {
    if (attrs.subresource !== '' || attrs.def.group !== '' || attrs.def.plural !== 'pods' || !attrs.object) return;
    const pod = attrs.object;
    // Mirror pods come from a kubelet's static manifests: they get no API access.
    if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
    const spec = pod.spec as PodSpecLike | undefined;
    if (!spec || typeof spec !== 'object') return;
    spec.serviceAccountName ||= 'default';
    const sa = await this.serviceAccount(attrs.namespace, spec.serviceAccountName, pod);
    if (!spec.imagePullSecrets?.length && Array.isArray(sa?.imagePullSecrets) && sa.imagePullSecrets.length) {
      spec.imagePullSecrets = structuredClone(sa.imagePullSecrets) as { name: string }[];
    }
    if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec);
  }

  /**
   * serviceAccount reads the pod's service account; a missing one refuses the pod, as Kubernetes
   * does. `default` is looked up again up to 10 times, 100–200 ms apart: the serviceaccount
   * controller makes it a moment after its namespace, and a pod may come first.
   */
  private async serviceAccount(namespace: string, name: string, pod: KubeObject): Promise<KubeObject> {
    const store = this.deps.storeFor('', 'v1', 'serviceaccounts');
    const attempts = name === 'default' ? DEFAULT_ACCOUNT_LOOKUPS : 1;
    const interval = 100 + randomInt(100);
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await this.deps.clock.sleep(interval, this.deps.signal);
      try {
        return await store.get(namespace, name);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
    }
    // Kubernetes runs this before the name is generated, so admission.NewForbidden names such a pod
    // by its generateName (a ReplicaSet's FailedCreate reads `pods "web-5d4f8-" is forbidden`).
    const podName = pod.metadata?.generateName || pod.metadata?.name || 'Unknown';
    throw forbidden({ group: '', resource: 'pods' }, podName, `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`);
  }
}

/** DEFAULT_ACCOUNT_LOOKUPS: how many times a missing `default` account is looked up before the pod is refused. */
const DEFAULT_ACCOUNT_LOOKUPS = 10;

/** shouldAutomount: the pod's setting wins, then the service account's, then true. */
export function shouldAutomount(sa: KubeObject | undefined, spec: PodSpecLike): boolean {
  if (typeof spec.automountServiceAccountToken === 'boolean') return spec.automountServiceAccountToken;
  if (typeof sa?.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}
