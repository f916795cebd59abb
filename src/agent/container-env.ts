import type { Container, EnvVar, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from './quantity.js';

/** ConfigSource reads the ConfigMaps and Secrets a pod refers to (undefined = not found). */
export interface ConfigSource {
  configMap(namespace: string, name: string): Promise<{ data?: Record<string, string>; binaryData?: Record<string, string> } | undefined>;
  /** secret returns data already base64-decoded */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** ContainerConfigError is Kubernetes' CreateContainerConfigError (message as kubelet words it). */
export class ContainerConfigError extends Error {
  readonly reason = 'CreateContainerConfigError';
}

/** NodeAllocatable is used for resourceFieldRef when the container sets no limit. */
export interface NodeAllocatable { cpu: number; memory: number }

/**
 * buildEnv resolves a container's environment as kubelet does: envFrom first, then env in order,
 * each value's $(VAR) expanded against the variables defined before it.
 */
export async function buildEnv(pod: Pod, c: Container, src: ConfigSource, node: NodeAllocatable, podIP: string, hostIP: string): Promise<Record<string, string>> {
  const ns = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = await src.configMap(ns, from.configMapRef.name ?? '');
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) env[prefix + k] = v;
    }
    if (from.secretRef) {
      const s = await src.secret(ns, from.secretRef.name ?? '');
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(s)) env[prefix + k] = v;
    }
  }
  for (const e of c.env ?? []) {
    const v = await envValue(e, pod, c, src, node, podIP, hostIP, env);
    if (v !== undefined) env[e.name] = v;
  }
  return env;
}

async function envValue(e: EnvVar, pod: Pod, c: Container, src: ConfigSource, node: NodeAllocatable, podIP: string, hostIP: string, env: Record<string, string>): Promise<string | undefined> {
  const ns = pod.metadata?.namespace ?? 'default';
  if (!e.valueFrom) return expand(e.value ?? '', env);
  const vf = e.valueFrom;
  if (vf.configMapKeyRef) {
    const ref = vf.configMapKeyRef;
    const cm = await src.configMap(ns, ref.name ?? '');
    if (!cm) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`configmap "${ref.name}" not found`);
    }
    const v = cm.data?.[ref.key];
    if (v === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
    }
    return v;
  }
  if (vf.secretKeyRef) {
    const ref = vf.secretKeyRef;
    const s = await src.secret(ns, ref.name ?? '');
    if (!s) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`secret "${ref.name}" not found`);
    }
    const v = s[ref.key];
    if (v === undefined) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
    }
    return v;
  }
  if (vf.fieldRef) return fieldValue(pod, vf.fieldRef.fieldPath, podIP, hostIP);
  if (vf.resourceFieldRef) {
    const ref = vf.resourceFieldRef;
    const target = ref.containerName ? (pod.spec?.containers ?? []).find((x) => x.name === ref.containerName) ?? c : c;
    return resourceValue(target, ref.resource, ref.divisor, node);
  }
  return '';
}

/** fieldValue answers a downward-API fieldRef. */
export function fieldValue(pod: Pod, fieldPath: string, podIP: string, hostIP: string): string {
  const md = pod.metadata ?? {};
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? md.labels : md.annotations)?.[m[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return md.name ?? '';
    case 'metadata.namespace': return md.namespace ?? '';
    case 'metadata.uid': return md.uid ?? '';
    case 'metadata.labels': return formatMap(md.labels);
    case 'metadata.annotations': return formatMap(md.annotations);
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP': case 'status.hostIPs': return hostIP;
    case 'status.podIP': case 'status.podIPs': return podIP;
    default: return '';
  }
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}="${m![k]}"`).join('\n');
}

/** resourceValue answers a resourceFieldRef (limits fall back to the node's allocatable). */
export function resourceValue(c: Container, resource: string, divisor: string | undefined, node: NodeAllocatable): string {
  const res = c.resources ?? {};
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  let v = parseQuantity((res[kind] as Record<string, string> | undefined)?.[name]);
  if (!v) {
    if (kind === 'limits' || name === 'memory' || name === 'cpu') v = kind === 'limits' ? (name === 'cpu' ? node.cpu : node.memory) : 0;
  }
  const d = parseQuantity(divisor ?? '1') || 1;
  return String(Math.ceil(v / d));
}

/**
 * expand replaces $(VAR) with its value from env ($$ escapes a dollar); unknown references stay as
 * written, as Kubernetes does.
 */
export function expand(s: string, env: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '$' || i + 1 >= s.length) { out += s[i]; continue; }
    if (s[i + 1] === '$') { out += '$'; i++; continue; }
    if (s[i + 1] === '(') {
      const end = s.indexOf(')', i + 2);
      if (end > 0) {
        const name = s.slice(i + 2, end);
        out += name in env ? env[name] : `$(${name})`;
        i = end;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

/** containerArgv applies Kubernetes' rules: command replaces the entrypoint, args replace cmd. */
export function containerArgv(c: Container, image: { entrypoint: string[]; cmd: string[] }, env: Record<string, string>): string[] {
  const command = c.command?.length ? c.command : image.entrypoint;
  const args = c.args?.length ? c.args : c.command?.length ? [] : image.cmd;
  return [...command, ...args].map((a) => expand(a, env));
}
