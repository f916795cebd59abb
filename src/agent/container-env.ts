import type { Container, EnvVar, Pod, Service } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from './quantity.js';
import { goQuote } from '../util/go-quote.js';

/** ConfigSource reads the ConfigMaps and Secrets a pod refers to (undefined = not found). */
export interface ConfigSource {
  configMap(namespace: string, name: string): Promise<{ data?: Record<string, string>; binaryData?: Record<string, string> } | undefined>;
  /** secret returns data already base64-decoded */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** services lists the Services of a namespace (for the Service environment variables); absent: none */
  services?(namespace: string): Promise<Service[]>;
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
  const serviceEnv = await serviceEnvFor(pod, src);
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
    // $(VAR) may name a Service variable too (kubelet's MappingFuncFor(tmpEnv, serviceEnv)).
    const v = await envValue(e, pod, c, src, node, podIP, hostIP, { ...serviceEnv, ...env });
    if (v !== undefined) env[e.name] = v;
  }
  // The Service variables come last and never override the container's own.
  return { ...serviceEnv, ...env };
}

/** MASTER_SERVICES are the default namespace's Services every pod gets variables for (kubelet's masterServices). */
const MASTER_SERVICES = ['kubernetes'];

/**
 * serviceEnvFor is kubelet's getServiceEnvVarMap: the variables of the `kubernetes` Service always,
 * and of every Service of the pod's namespace unless enableServiceLinks is false; Services without
 * a cluster IP (headless, ExternalName) give none.
 */
async function serviceEnvFor(pod: Pod, src: ConfigSource): Promise<Record<string, string>> {
  if (!src.services) return {};
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false;
  const byName = new Map<string, Service>();
  const inDefault = await src.services('default');
  for (const svc of inDefault) if (MASTER_SERVICES.includes(svc.metadata?.name ?? '') && isServiceIPSet(svc)) byName.set(svc.metadata!.name!, svc);
  if (links) {
    for (const svc of ns === 'default' ? inDefault : await src.services(ns)) if (isServiceIPSet(svc)) byName.set(svc.metadata?.name ?? '', svc);
  }
  const env: Record<string, string> = {};
  for (const svc of byName.values()) Object.assign(env, serviceEnvVars(svc));
  return env;
}

function isServiceIPSet(svc: Service): boolean {
  return !!svc.spec?.clusterIP && svc.spec.clusterIP !== 'None';
}

const envName = (s: string) => s.replace(/-/g, '_').toUpperCase();

/**
 * serviceEnvVars is kubelet's envvars.FromServices for one Service: NAME_SERVICE_HOST,
 * NAME_SERVICE_PORT (the first port), NAME_SERVICE_PORT_<PORTNAME> for named ports, and the
 * Docker link variables NAME_PORT, NAME_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR}.
 */
export function serviceEnvVars(svc: Service): Record<string, string> {
  const out: Record<string, string> = {};
  const ip = svc.spec?.clusterIP ?? '';
  const ports = svc.spec?.ports ?? [];
  if (!isServiceIPSet(svc) || ports.length === 0) return out;
  const prefix = envName(svc.metadata?.name ?? '');
  out[`${prefix}_SERVICE_HOST`] = ip;
  out[`${prefix}_SERVICE_PORT`] = String(ports[0].port);
  for (const p of ports) if (p.name) out[`${prefix}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
  ports.forEach((p, i) => {
    const proto = (p.protocol ?? 'TCP').toLowerCase();
    const hostPort = ip.includes(':') ? `[${ip}]:${p.port}` : `${ip}:${p.port}`;
    if (i === 0) out[`${prefix}_PORT`] = `${proto}://${hostPort}`;
    const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out[pp] = `${proto}://${hostPort}`;
    out[`${pp}_PROTO`] = proto;
    out[`${pp}_PORT`] = String(p.port);
    out[`${pp}_ADDR`] = ip;
  });
  return out;
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

/**
 * withKubeletAnnotations is the pod as the kubelet's own copy has it: its config source ("api")
 * and when the kubelet first saw it, annotations the downward API shows (metadata.annotations
 * lists kubernetes.io/config.seen and kubernetes.io/config.source) though the API object has neither.
 */
export function withKubeletAnnotations(pod: Pod, firstSeen: Date): Pod {
  const annotations = pod.metadata?.annotations ?? {};
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      annotations: {
        ...annotations,
        // RFC 3339 with the fraction's trailing zeros dropped, as Go's RFC3339Nano writes it
        'kubernetes.io/config.seen': annotations['kubernetes.io/config.seen'] ?? firstSeen.toISOString().replace(/\.?0+Z$/, 'Z'),
        'kubernetes.io/config.source': annotations['kubernetes.io/config.source'] ?? 'api',
      },
    },
  };
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

/** formatMap is the downward API's labels/annotations file: key="value" lines, sorted, values quoted as Go's %q (the kubelet's). */
function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${goQuote(m![k])}`).join('\n');
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

/**
 * containerArgv applies Kubernetes' rules: command replaces the entrypoint, args replace cmd. Only the
 * pod's command and args are expanded, with the container's own variables (env: the kubelet's, not
 * the image's ENV): the kubelet expands them before the runtime adds the image's ENTRYPOINT and CMD,
 * which stay as the image has them.
 */
export function containerArgv(c: Container, image: { entrypoint: string[]; cmd: string[] }, env: Record<string, string>): string[] {
  const command = c.command?.length ? c.command.map((a) => expand(a, env)) : image.entrypoint;
  const args = c.args?.length ? c.args.map((a) => expand(a, env)) : c.command?.length ? [] : image.cmd;
  return [...command, ...args];
}
