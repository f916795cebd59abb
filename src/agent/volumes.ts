import fs from 'node:fs';
import path from 'node:path';
import type { Pod, Volume, KeyToPath } from 'kubernetes-types/core/v1.js';
import type { Mount } from '../runtime/types.js';
import { ContainerConfigError, expand, fieldValue, resourceValue, type ConfigSource, type NodeAllocatable } from './container-env.js';
import { parseQuantity } from './quantity.js';
import { writeAtomically, type FileProjection } from './atomic-writer.js';
import { isMountPoint, mountPointsUnder } from '../util/mounts.js';
import type { TokenWish } from './service-account-token.js';
import type { CommandError } from '../network/command/command.js';
import { log } from '../util/log.js';
import { mount, unmountOk } from '../network/command/host-ops.js';

const logger = log.child({ component: 'kubelet' });

/** VolumeSource adds what volumes need beyond ConfigMaps and Secrets. */
export interface VolumeSource extends ConfigSource {
  /** pvcPath returns the host directory of a bound claim, or undefined while unbound */
  pvcPath(namespace: string, claim: string): Promise<string | undefined>;
  /** serviceAccountToken requests a token bound to the pod (TokenRequest with the node's credentials); absent: none can be had */
  serviceAccountToken?(namespace: string, serviceAccount: string, wish: TokenWish): Promise<string>;
}

/**
 * LOCAL_PATH_DIR_ANNOTATION is the Node annotation through which an agent tells the local-path
 * provisioner (src/controllers/localpath, which spells the same key) where this node keeps
 * local-path volumes.
 */
export const LOCAL_PATH_DIR_ANNOTATION = 'tskube.io/local-path-dir';

/** localPathDir is the node's local-path volume directory: `local-path` under the agent's root dir. */
export function localPathDir(rootDir: string): string {
  return path.join(path.resolve(rootDir), 'local-path');
}

/** VolumeMountError means a volume cannot be set up yet (FailedMount). */
export class VolumeMountError extends Error {
  readonly reason = 'FailedMount';
}

/** SERVICE_ACCOUNT_TOKEN_UNSUPPORTED is why a serviceAccountToken projection fails its mount when the agent has no way to request tokens. */
export const SERVICE_ACCOUNT_TOKEN_UNSUPPORTED = 'the node agent has no TokenRequest client';

/** DEFAULT_FILE_MODE is the mode of projected files when the volume sets no defaultMode (0644). */
export const DEFAULT_FILE_MODE = 0o644;


/**
 * prepareVolumes materialises every volume of the pod under podDir/volumes/NAME (hostPath and bound
 * PVCs use their own directory) and returns the host path of each volume by name. Safe to call
 * again: ConfigMap, Secret and downward API contents are rewritten when they changed.
 */
export async function prepareVolumes(pod: Pod, podDir: string, src: VolumeSource, node: NodeAllocatable, podIP: string, hostIP: string): Promise<Map<string, string>> {
  const ns = pod.metadata?.namespace ?? 'default';
  const out = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) {
    const dir = path.join(podDir, 'volumes', v.name);
    const hp = await volumePath(v, dir, ns, pod, src, node, podIP, hostIP);
    out.set(v.name, hp);
  }
  return out;
}

/**
 * volumesShowPodIP reports whether a downward API file of the pod (a downwardAPI volume or a
 * projected one's downwardAPI source) shows a status field such as status.podIP, so its volumes
 * change once the sandbox gives the pod an address.
 */
export function volumesShowPodIP(pod: Pod): boolean {
  const showsStatus = (items: { fieldRef?: { fieldPath: string } }[] | undefined) => (items ?? []).some((i) => i.fieldRef?.fieldPath.startsWith('status.'));
  return (pod.spec?.volumes ?? []).some((v) => showsStatus(v.downwardAPI?.items) || (v.projected?.sources ?? []).some((s) => showsStatus(s.downwardAPI?.items)));
}

async function volumePath(v: Volume, dir: string, ns: string, pod: Pod, src: VolumeSource, node: NodeAllocatable, podIP: string, hostIP: string): Promise<string> {
  if (v.hostPath) {
    const p = v.hostPath.path;
    const type = v.hostPath.type ?? '';
    if (!fs.existsSync(p)) {
      if (type === 'FileOrCreate') { fs.mkdirSync(path.dirname(p), { recursive: true }); fs.writeFileSync(p, ''); }
      else if (type === '' || type === 'DirectoryOrCreate') fs.mkdirSync(p, { recursive: true });
      else throw new VolumeMountError(`MountVolume.SetUp failed for volume "${v.name}" : hostPath type check failed: ${p} is not a ${type === 'File' ? 'file' : 'directory'}`);
    }
    return p;
  }
  if (v.persistentVolumeClaim) {
    // The bound volume's hostPath/local directory (a local-path volume's is created on first use,
    // as its DirectoryOrCreate type says). The scheduler binds pods only once their claims are
    // bound, so an unbound claim here is a race the pod worker retries.
    const claim = v.persistentVolumeClaim.claimName;
    const p = await src.pvcPath(ns, claim);
    if (!p) {
      const all = (pod.spec?.volumes ?? []).map((x) => x.name).sort().join(' ');
      throw new VolumeMountError(`Unable to attach or mount volumes: unmounted volumes=[${v.name}], unattached volumes=[${all}]: error processing PVC ${ns}/${claim}: PVC is not bound`);
    }
    fs.mkdirSync(p, { recursive: true });
    return p;
  }
  fs.mkdirSync(dir, { recursive: true });
  // ConfigMap, Secret, downward API and projected volumes wrap an emptyDir: a ConfigMap's a disk one
  // (0777: `ls -la` shows drwxrwxrwx beside the ..data link), the others a Memory one, whose tmpfs
  // root is 1777 (drwxrwxrwt, as the downward API page's `ls -laR /etc/podinfo` shows).
  if (v.configMap) fs.chmodSync(dir, 0o777);
  if (v.secret || v.downwardAPI || v.projected) fs.chmodSync(dir, TMPFS_ROOT_MODE);
  if (v.configMap) {
    const cm = await src.configMap(ns, v.configMap.name ?? '');
    if (!cm) {
      // An optional ConfigMap that is gone leaves an empty volume (its files go with it).
      if (v.configMap.optional) { writeAtomically(dir, {}); return dir; }
      throw new VolumeMountError(`MountVolume.SetUp failed for volume "${v.name}" : configmap "${v.configMap.name}" not found`);
    }
    const data: Record<string, Buffer> = {};
    for (const [k, val] of Object.entries(cm.data ?? {})) data[k] = Buffer.from(val);
    for (const [k, val] of Object.entries(cm.binaryData ?? {})) data[k] = Buffer.from(val, 'base64');
    writeAtomically(dir, project(data, v.configMap.items, v.name, 'configmap', v.configMap.optional, v.configMap.defaultMode));
  } else if (v.secret) {
    const s = await src.secret(ns, v.secret.secretName ?? '');
    if (!s) {
      if (v.secret.optional) { writeAtomically(dir, {}); return dir; }
      throw new VolumeMountError(`MountVolume.SetUp failed for volume "${v.name}" : secret "${v.secret.secretName}" not found`);
    }
    const data: Record<string, Buffer> = {};
    for (const [k, val] of Object.entries(s)) data[k] = Buffer.from(val);
    writeAtomically(dir, project(data, v.secret.items, v.name, 'secret', v.secret.optional, v.secret.defaultMode));
  } else if (v.downwardAPI) {
    const files: Record<string, FileProjection> = {};
    const defaultMode = v.downwardAPI.defaultMode ?? DEFAULT_FILE_MODE;
    for (const item of v.downwardAPI.items ?? []) {
      const mode = item.mode ?? defaultMode;
      if (item.fieldRef) files[item.path] = { data: Buffer.from(fieldValue(pod, item.fieldRef.fieldPath, podIP, hostIP)), mode };
      else if (item.resourceFieldRef) {
        const c = (pod.spec?.containers ?? []).find((x) => x.name === item.resourceFieldRef!.containerName) ?? pod.spec!.containers[0];
        files[item.path] = { data: Buffer.from(resourceValue(c, item.resourceFieldRef.resource, item.resourceFieldRef.divisor, node)), mode };
      }
    }
    writeAtomically(dir, files);
  } else if (v.projected) {
    const files: Record<string, FileProjection> = {};
    const defaultMode = v.projected.defaultMode ?? DEFAULT_FILE_MODE;
    for (const s of v.projected.sources ?? []) {
      if (s.configMap) {
        const cm = await src.configMap(ns, s.configMap.name ?? '');
        if (!cm && !s.configMap.optional) throw new VolumeMountError(`MountVolume.SetUp failed for volume "${v.name}" : configmap "${s.configMap.name}" not found`);
        const data: Record<string, Buffer> = {};
        for (const [k, x] of Object.entries(cm?.data ?? {})) data[k] = Buffer.from(x);
        for (const [k, x] of Object.entries(cm?.binaryData ?? {})) data[k] = Buffer.from(x, 'base64');
        if (cm) Object.assign(files, project(data, s.configMap.items, v.name, 'configmap', s.configMap.optional, defaultMode));
      } else if (s.secret) {
        const sec = await src.secret(ns, s.secret.name ?? '');
        if (!sec && !s.secret.optional) throw new VolumeMountError(`MountVolume.SetUp failed for volume "${v.name}" : secret "${s.secret.name}" not found`);
        if (sec) Object.assign(files, project(Object.fromEntries(Object.entries(sec).map(([k, x]) => [k, Buffer.from(x)])), s.secret.items, v.name, 'secret', s.secret.optional, defaultMode));
      } else if (s.downwardAPI) {
        for (const item of s.downwardAPI.items ?? []) {
          const mode = item.mode ?? defaultMode;
          if (item.fieldRef) files[item.path] = { data: Buffer.from(fieldValue(pod, item.fieldRef.fieldPath, podIP, hostIP)), mode };
          else if (item.resourceFieldRef) {
            const c = (pod.spec?.containers ?? []).find((x) => x.name === item.resourceFieldRef!.containerName) ?? pod.spec!.containers[0];
            files[item.path] = { data: Buffer.from(resourceValue(c, item.resourceFieldRef.resource, item.resourceFieldRef.divisor, node)), mode };
          }
        }
      } else if (s.serviceAccountToken) {
        // kubelet's projection: a token bound to this pod, for the projection's audience and lifetime
        const t = s.serviceAccountToken;
        const token = await fetchToken(src, ns, pod, { audience: t.audience || undefined, expirationSeconds: t.expirationSeconds ?? 3600 })
          .catch((e: unknown) => { throw new VolumeMountError(`MountVolume.SetUp failed for volume "${v.name}" : failed to fetch token: ${e instanceof Error ? e.message : String(e)}`); });
        files[t.path] = { data: Buffer.from(token), mode: defaultMode };
      }
    }
    writeAtomically(dir, files);
  }
  if (v.emptyDir) {
    // kubelet's emptyDir is world-writable (0777), a tmpfs for medium Memory (its root 1777, sticky).
    // Mounting needs root: an agent without it keeps a plain directory (its containers share the host's filesystem anyway).
    const memory = v.emptyDir.medium === 'Memory';
    if (memory && process.getuid?.() === 0 && !isMountPoint(dir)) await mountTmpfs(dir, v.emptyDir.sizeLimit);
    fs.chmodSync(dir, memory ? TMPFS_ROOT_MODE : 0o777);
  }
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  if (fsGroup !== undefined && (v.emptyDir || v.configMap || v.secret || v.downwardAPI || v.projected)) {
    setVolumeOwnership(dir, fsGroup, !v.emptyDir);
  }
  return dir;
}

/** fetchToken asks the source for the pod's service account token (the pod's serviceAccountName, bound to the pod). */
async function fetchToken(src: VolumeSource, ns: string, pod: Pod, w: { audience?: string; expirationSeconds: number }): Promise<string> {
  if (!src.serviceAccountToken) throw new Error(SERVICE_ACCOUNT_TOKEN_UNSUPPORTED);
  return src.serviceAccountToken(ns, pod.spec?.serviceAccountName || 'default', { ...w, podName: pod.metadata?.name ?? '', podUID: pod.metadata?.uid ?? '' });
}

/**
 * setVolumeOwnership gives the volume to the pod's fsGroup as kubelet's SetVolumeOwnership does:
 * every file and directory gets group fsGroup and group read (read-only volumes: ConfigMap,
 * Secret, downward API, projected) or read-write (emptyDir) permission; directories also the
 * setgid bit, so files created later belong to the group.
 */
export function setVolumeOwnership(dir: string, fsGroup: number, readOnly: boolean): void {
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    fs.chownSync(p, st.uid, fsGroup);
    let mask = readOnly ? 0o440 : 0o660;
    if (st.isDirectory()) mask |= 0o110 | 0o2000;
    fs.chmodSync(p, (st.mode & 0o7777) | mask);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(dir);
}

/** TMPFS_ROOT_MODE is a tmpfs' root as the kubelet mounts it (no mode option): world-writable and sticky. */
const TMPFS_ROOT_MODE = 0o1777;

/** mountTmpfs mounts a tmpfs on dir (emptyDir medium Memory); sizeLimit becomes its size. */
async function mountTmpfs(dir: string, sizeLimit?: string | number): Promise<void> {
  const bytes = sizeLimit !== undefined ? Math.floor(parseQuantity(String(sizeLimit))) : 0;
  const size = Number.isFinite(bytes) && bytes > 0 ? `,size=${Math.max(4096, bytes)}` : '';
  // Through the command helper, not a (synchronous) fork of the agent's large process.
  try {
    await mount('tmpfs', 'tmpfs', dir, `mode=1777${size}`);
  } catch (e) {
    throw new VolumeMountError(`MountVolume.SetUp failed for volume "${path.basename(dir)}" : mount failed: ${((e as CommandError).result?.stderr || (e as Error).message).trim()}`);
  }
}

/** teardownVolumes unmounts what prepareVolumes mounted under podDir (tmpfs emptyDirs) before the directory goes. */
export async function teardownVolumes(podDir: string): Promise<void> {
  for (const mp of mountPointsUnder(path.join(path.resolve(podDir), 'volumes'))) {
    await unmountOk([mp], true).catch((e: unknown) => logger.error(e, 'Failed to unmount a volume', { mountPoint: mp }));
  }
}

/**
 * project picks the files of a ConfigMap or Secret volume (kubelet's MakePayload): every key, or
 * only the listed items at their paths; each file gets its item's mode, else the volume's
 * defaultMode (0644). A listed key that does not exist fails the mount unless the source is optional.
 */
function project(data: Record<string, Buffer>, items: KeyToPath[] | undefined, volume: string, kind: 'configmap' | 'secret', optional?: boolean, defaultMode = DEFAULT_FILE_MODE): Record<string, FileProjection> {
  const out: Record<string, FileProjection> = {};
  if (!items?.length) {
    for (const [k, d] of Object.entries(data)) out[k] = { data: d, mode: defaultMode };
    return out;
  }
  for (const it of items) {
    if (!(it.key in data)) {
      if (optional) continue;
      const what = kind === 'configmap' ? `configmap references non-existent config key: ${it.key}` : `references non-existent secret key: ${it.key}`;
      throw new VolumeMountError(`MountVolume.SetUp failed for volume "${volume}" : ${what}`);
    }
    out[it.path] = { data: data[it.key], mode: it.mode ?? defaultMode };
  }
  return out;
}

/**
 * expandSubPathExpr expands a volumeMount's subPathExpr against the container's environment, as the
 * kubelet's ExpandContainerVolumeMounts: a reference to a variable that is unset or empty fails.
 */
export function expandSubPathExpr(expr: string, env: Record<string, string>): string {
  const missing = new Set<string>();
  const probe: Record<string, string> = new Proxy({}, {
    has: () => true,
    get: (_t, k: string) => { const v = env[k]; if (!v) missing.add(k); return v ?? ''; },
  });
  const out = expand(expr, probe);
  if (missing.size) throw new ContainerConfigError(`missing value for ${[...missing].sort().join(', ')}`);
  return out;
}

/**
 * containerMounts maps a container's volumeMounts (subPath, or subPathExpr expanded with env) onto
 * prepared volume paths. A sub-path that is absolute or climbs out (..) is refused as the kubelet's
 * makeMounts refuses it (CreateContainerConfigError).
 */
export function containerMounts(c: { volumeMounts?: { name: string; mountPath: string; subPath?: string; subPathExpr?: string; readOnly?: boolean }[] }, volumes: Map<string, string>, env: Record<string, string> = {}): Mount[] {
  const out: Mount[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const base = volumes.get(vm.name);
    if (!base) continue;
    let hostPath = base;
    const subPath = vm.subPathExpr ? expandSubPathExpr(vm.subPathExpr, env) : vm.subPath;
    if (subPath) {
      if (path.isAbsolute(subPath)) throw new ContainerConfigError(`error SubPath \`${subPath}\` must not be an absolute path`);
      if (subPath.split(/[\\/]/).includes('..')) throw new ContainerConfigError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
      hostPath = path.join(base, subPath);
      if (!fs.existsSync(hostPath)) fs.mkdirSync(hostPath, { recursive: true });
    }
    out.push({ hostPath, containerPath: vm.mountPath, readOnly: vm.readOnly });
  }
  return out;
}
