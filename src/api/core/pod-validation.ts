/**
 * Pod spec and pod template validation (ValidatePodSpec, ValidatePodTemplateSpec, ValidatePodUpdate)
 * with Kubernetes 1.32's field paths and messages.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { isObj, clone, type Obj } from '../common/obj.js';
import { deepEqual } from '../../apimachinery/deep.js';
import {
  GE0, duplicate, forbidden, invalidField, messagesAt, nonNegative, notFoundField, notSupported, required,
} from '../validation/field.js';
import { validateAnnotations, validateLabels } from '../validation/labels.js';
import {
  isDNS1123Label, isDNS1123Subdomain, isRelaxedEnvVarName, isValidPortName, isValidPortNum, isQualifiedName, isConfigMapKey,
} from '../validation/names.js';
import { tryParseQuantity, parseQuantity } from '../../apimachinery/quantity.js';

/** Options for validatePodSpec. */
export interface PodSpecOptions {
  /** restartPolicy values the owner allows (Deployments: Always only) */
  restartPolicies?: string[];
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const HANDLER_TYPES = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos',
  'csi', 'ephemeral', 'image',
];

/** validatePodTemplateSpec checks a template's labels, annotations and pod spec at `path`. */
export function validatePodTemplateSpec(template: unknown, path: string, opts: PodSpecOptions = {}): FieldError[] {
  if (!isObj(template)) return [required(path)];
  const meta: Obj = isObj(template.metadata) ? template.metadata : {};
  const errs = [
    ...validateLabels(meta.labels, `${path}.metadata.labels`),
    ...validateAnnotations(meta.annotations, `${path}.metadata.annotations`),
    ...validatePodSpec(isObj(template.spec) ? template.spec : {}, `${path}.spec`, opts),
  ];
  return errs;
}

/** validatePodSpec checks a PodSpec at `path` (`spec`, `spec.template.spec`, ...). */
export function validatePodSpec(spec: Obj, path: string, opts: PodSpecOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const volumes = validateVolumes(spec.volumes, `${path}.volumes`, errs);
  const names = new Set<string>();
  const initContainers: Obj[] = Array.isArray(spec.initContainers) ? spec.initContainers : [];
  initContainers.forEach((c, i) => errs.push(...validateContainer(c, `${path}.initContainers[${i}]`, volumes, names, true)));
  const containers: Obj[] = Array.isArray(spec.containers) ? spec.containers : [];
  if (containers.length === 0) errs.push(required(`${path}.containers`));
  containers.forEach((c, i) => errs.push(...validateContainer(c, `${path}.containers[${i}]`, volumes, names, false)));
  errs.push(...validateHostPortConflicts(containers, `${path}.containers`));

  const allowed = opts.restartPolicies ?? RESTART_POLICIES;
  if (spec.restartPolicy === undefined || spec.restartPolicy === '') errs.push(required(`${path}.restartPolicy`));
  else if (!allowed.includes(spec.restartPolicy)) errs.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, allowed));
  if (spec.dnsPolicy !== undefined && !DNS_POLICIES.includes(spec.dnsPolicy)) errs.push(notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  if (spec.dnsPolicy === 'None' && !(isObj(spec.dnsConfig) && Array.isArray(spec.dnsConfig.nameservers) && spec.dnsConfig.nameservers.length > 0)) {
    errs.push(required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  if (spec.serviceAccountName) errs.push(...messagesAt(`${path}.serviceAccountName`, spec.serviceAccountName, isDNS1123Subdomain(spec.serviceAccountName)));
  if (spec.nodeName) errs.push(...messagesAt(`${path}.nodeName`, spec.nodeName, isDNS1123Subdomain(spec.nodeName)));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const v = spec.activeDeadlineSeconds;
    if (typeof v !== 'number' || v < 1 || v > 2147483647) errs.push(invalidField(`${path}.activeDeadlineSeconds`, v, 'must be between 1 and 2147483647, inclusive'));
  }
  if (spec.hostname) errs.push(...messagesAt(`${path}.hostname`, spec.hostname, isDNS1123Label(spec.hostname)));
  if (spec.subdomain) errs.push(...messagesAt(`${path}.subdomain`, spec.subdomain, isDNS1123Label(spec.subdomain)));
  if (spec.priorityClassName) errs.push(...messagesAt(`${path}.priorityClassName`, spec.priorityClassName, isDNS1123Subdomain(spec.priorityClassName)));
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  // One PID namespace cannot be both the node's and the pod's own (validatePodSpecSecurityContext).
  if (spec.hostPID === true && spec.shareProcessNamespace === true) {
    errs.push(invalidField(`${path}.securityContext.shareProcessNamespace`, true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  if (isObj(spec.securityContext)) errs.push(...validateSysctls(spec.securityContext.sysctls, `${path}.securityContext.sysctls`));
  if (Array.isArray(spec.imagePullSecrets)) {
    (spec.imagePullSecrets as Obj[]).forEach((s, i) => { if (!s?.name) errs.push(required(`${path}.imagePullSecrets[${i}].name`)); });
  }
  return errs;
}

/** SYSCTL_NAME is a sysctl name: segments separated by dots or slashes (validation's sysctlContainSlashRegexp). */
const SYSCTL_NAME = '^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$';

/** validateSysctls checks the pod's sysctls: names present, well-formed (at most 253 characters) and unique. */
function validateSysctls(sysctls: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(sysctls)) return errs;
  const seen = new Set<string>();
  (sysctls as unknown[]).forEach((x, i) => {
    const name = isObj(x) && typeof x.name === 'string' ? x.name : '';
    const p = `${path}[${i}].name`;
    if (!name) errs.push(required(p));
    else if (name.length > 253 || !new RegExp(SYSCTL_NAME).test(name)) errs.push(invalidField(p, name, `must have at most 253 characters and match regex ${SYSCTL_NAME}`));
    else if (seen.has(name)) errs.push(duplicate(p, name));
    seen.add(name);
  });
  return errs;
}

/** validateVolumes checks names (unique DNS labels) and sources; returns the volume names. */
function validateVolumes(volumes: unknown, path: string, errs: FieldError[]): Map<string, Obj> {
  const byName = new Map<string, Obj>();
  if (!Array.isArray(volumes)) return byName;
  (volumes as Obj[]).forEach((v, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(v)) return;
    const name = v.name;
    if (!name) errs.push(required(`${p}.name`));
    else {
      errs.push(...messagesAt(`${p}.name`, name, isDNS1123Label(name)));
      if (byName.has(name)) errs.push(duplicate(`${p}.name`, name));
      else byName.set(name, v);
    }
    const sources = VOLUME_SOURCES.filter((s) => v[s] !== undefined && v[s] !== null);
    if (sources.length === 0) errs.push(required(p, 'must specify a volume type'));
    for (const extra of sources.slice(1)) errs.push(forbidden(`${p}.${extra}`, 'may not specify more than 1 volume type'));
    errs.push(...validateVolumeSource(v, p));
  });
  return byName;
}

function validateVolumeSource(v: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isObj(v.hostPath)) {
    if (!v.hostPath.path) errs.push(required(`${p}.hostPath.path`));
    const types = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
    if (v.hostPath.type !== undefined && !types.includes(v.hostPath.type)) errs.push(notSupported(`${p}.hostPath.type`, v.hostPath.type, types));
  }
  if (isObj(v.emptyDir)) {
    if (v.emptyDir.medium !== undefined && !['', 'Memory', 'HugePages'].includes(v.emptyDir.medium) && !String(v.emptyDir.medium).startsWith('HugePages-')) {
      errs.push(notSupported(`${p}.emptyDir.medium`, v.emptyDir.medium, ['', 'Memory', 'HugePages']));
    }
    if (v.emptyDir.sizeLimit !== undefined && tryParseQuantity(v.emptyDir.sizeLimit) === undefined) {
      errs.push(invalidField(`${p}.emptyDir.sizeLimit`, v.emptyDir.sizeLimit, 'must be a valid quantity'));
    }
  }
  if (isObj(v.persistentVolumeClaim) && !v.persistentVolumeClaim.claimName) errs.push(required(`${p}.persistentVolumeClaim.claimName`));
  if (isObj(v.configMap)) {
    errs.push(...validateFileMode(v.configMap.defaultMode, `${p}.configMap.defaultMode`));
    errs.push(...validateKeyToPaths(v.configMap.items, `${p}.configMap.items`));
  }
  if (isObj(v.secret)) {
    errs.push(...validateFileMode(v.secret.defaultMode, `${p}.secret.defaultMode`));
    errs.push(...validateKeyToPaths(v.secret.items, `${p}.secret.items`));
  }
  if (isObj(v.nfs)) {
    if (!v.nfs.server) errs.push(required(`${p}.nfs.server`));
    if (!v.nfs.path) errs.push(required(`${p}.nfs.path`));
  }
  return errs;
}

function validateFileMode(mode: unknown, path: string): FieldError[] {
  if (mode === undefined || mode === null) return [];
  if (typeof mode !== 'number' || mode < 0 || mode > 0o777) {
    return [invalidField(path, mode, 'must be a number between 0 and 0777 (octal), both inclusive')];
  }
  return [];
}

function validateKeyToPaths(items: unknown, path: string): FieldError[] {
  if (!Array.isArray(items)) return [];
  const errs: FieldError[] = [];
  (items as Obj[]).forEach((it, i) => {
    const p = `${path}[${i}]`;
    if (!it?.key) errs.push(required(`${p}.key`));
    if (!it?.path) errs.push(required(`${p}.path`));
    else errs.push(...validateLocalPath(it.path, `${p}.path`));
    errs.push(...validateFileMode(it?.mode, `${p}.mode`));
  });
  return errs;
}

function validateLocalPath(path: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (path.startsWith('/')) errs.push(invalidField(field, path, 'must be a relative path'));
  if (path.split('/').includes('..')) errs.push(invalidField(field, path, "must not contain '..'"));
  return errs;
}

/** validateContainer checks one container (validateContainerCommon + the regular/init container rules) at `p`; names collects names for the duplicate check. */
export function validateContainer(c: Obj, p: string, volumes: Map<string, Obj>, names: Set<string>, init: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(c)) return [required(p)];
  if (!c.name) errs.push(required(`${p}.name`));
  else {
    errs.push(...messagesAt(`${p}.name`, c.name, isDNS1123Label(c.name)));
    if (names.has(c.name)) errs.push(duplicate(`${p}.name`, c.name));
    names.add(c.name);
  }
  if (!c.image || (typeof c.image === 'string' && c.image.trim() === '')) errs.push(required(`${p}.image`));
  if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy)) errs.push(notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  if (c.terminationMessagePolicy !== undefined && !TERMINATION_MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    errs.push(notSupported(`${p}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
  }
  errs.push(...validateContainerPorts(c.ports, `${p}.ports`));
  errs.push(...validateEnv(c.env, `${p}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${p}.envFrom`));
  errs.push(...validateVolumeMounts(c.volumeMounts, `${p}.volumeMounts`, volumes));
  errs.push(...validateResources(c.resources, `${p}.resources`));
  if (init) {
    const sidecar = c.restartPolicy === 'Always';
    if (c.restartPolicy !== undefined && !sidecar) errs.push(notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
    if (!sidecar) {
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[probe] !== undefined) errs.push(forbidden(`${p}.${probe}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    }
    if (sidecar) errs.push(...validateProbes(c, p));
  } else {
    if (c.restartPolicy !== undefined) errs.push(forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
    errs.push(...validateProbes(c, p));
  }
  if (isObj(c.lifecycle)) {
    for (const h of ['postStart', 'preStop']) if (c.lifecycle[h] !== undefined) errs.push(...validateHandler(c.lifecycle[h], `${p}.lifecycle.${h}`, true));
  }
  return errs;
}

function validateProbes(c: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const pr = c[probe];
    if (pr === undefined || pr === null) continue;
    const pp = `${p}.${probe}`;
    errs.push(...validateProbe(pr, pp));
    if ((probe === 'livenessProbe' || probe === 'startupProbe') && pr.successThreshold !== undefined && pr.successThreshold !== 1) {
      errs.push(invalidField(`${pp}.successThreshold`, pr.successThreshold, 'must be 1'));
    }
  }
  return errs;
}

/** validateProbe checks handler (exactly one) and the numeric fields of one probe. */
export function validateProbe(pr: unknown, pp: string): FieldError[] {
  if (!isObj(pr)) return [];
  const errs = validateHandler(pr, pp, false);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...nonNegative(`${pp}.${f}`, pr[f]));
  }
  if (pr.terminationGracePeriodSeconds !== undefined && pr.terminationGracePeriodSeconds !== null && pr.terminationGracePeriodSeconds <= 0) {
    errs.push(invalidField(`${pp}.terminationGracePeriodSeconds`, pr.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  return errs;
}

function validateHandler(h: Obj, p: string, lifecycle: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const types = lifecycle ? ['exec', 'httpGet', 'tcpSocket', 'sleep'] : HANDLER_TYPES;
  const present = types.filter((t) => h[t] !== undefined && h[t] !== null);
  if (present.length === 0) errs.push(required(p, 'must specify a handler type'));
  for (const t of present.slice(1)) errs.push(forbidden(`${p}.${t}`, 'may not specify more than 1 handler type'));
  if (isObj(h.exec) && (!Array.isArray(h.exec.command) || h.exec.command.length === 0)) errs.push(required(`${p}.exec.command`));
  if (isObj(h.httpGet)) {
    errs.push(...validatePortNumOrName(h.httpGet.port, `${p}.httpGet.port`));
    if (h.httpGet.scheme !== undefined && !['HTTP', 'HTTPS'].includes(h.httpGet.scheme)) errs.push(notSupported(`${p}.httpGet.scheme`, h.httpGet.scheme, ['HTTP', 'HTTPS']));
    if (!h.httpGet.path) errs.push(required(`${p}.httpGet.path`));
  }
  if (isObj(h.tcpSocket)) errs.push(...validatePortNumOrName(h.tcpSocket.port, `${p}.tcpSocket.port`));
  if (isObj(h.grpc)) errs.push(...messagesAt(`${p}.grpc.port`, h.grpc.port, isValidPortNum(Number(h.grpc.port))));
  return errs;
}

/** validatePortNumOrName accepts a port number 1-65535 or an IANA port name. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return messagesAt(path, port, isValidPortNum(port));
  if (typeof port === 'string') {
    if (port === '') return [required(path)];
    if (/^\d+$/.test(port)) return messagesAt(path, port, isValidPortNum(Number(port)));
    return messagesAt(path, port, isValidPortName(port));
  }
  return [required(path)];
}

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  if (!Array.isArray(ports)) return [];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (ports as Obj[]).forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(port)) return;
    if (port.name) {
      errs.push(...messagesAt(`${p}.name`, port.name, isValidPortName(port.name)));
      if (names.has(port.name)) errs.push(duplicate(`${p}.name`, port.name));
      names.add(port.name);
    }
    if (port.containerPort === undefined || port.containerPort === 0) errs.push(required(`${p}.containerPort`));
    else errs.push(...messagesAt(`${p}.containerPort`, port.containerPort, isValidPortNum(port.containerPort)));
    if (port.hostPort !== undefined && port.hostPort !== 0) errs.push(...messagesAt(`${p}.hostPort`, port.hostPort, isValidPortNum(port.hostPort)));
    if (port.protocol === undefined || port.protocol === '') errs.push(required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  return errs;
}

function validateHostPortConflicts(containers: Obj[], path: string): FieldError[] {
  const seen = new Set<string>();
  const errs: FieldError[] = [];
  containers.forEach((c, ci) => {
    if (!Array.isArray(c?.ports)) return;
    (c.ports as Obj[]).forEach((p, pi) => {
      if (!p?.hostPort) return;
      const key = `${p.hostIP ?? ''}/${p.protocol ?? 'TCP'}/${p.hostPort}`;
      if (seen.has(key)) errs.push(duplicate(`${path}[${ci}].ports[${pi}].hostPort`, key));
      seen.add(key);
    });
  });
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  if (!Array.isArray(env)) return [];
  const errs: FieldError[] = [];
  (env as Obj[]).forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(e)) return;
    if (!e.name) errs.push(required(`${p}.name`));
    else errs.push(...messagesAt(`${p}.name`, e.name, isRelaxedEnvVarName(e.name)));
    if (isObj(e.valueFrom)) {
      const vf = e.valueFrom;
      const kinds = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => vf[k] !== undefined && vf[k] !== null);
      if (e.value) errs.push(invalidField(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
      if (kinds.length === 0) errs.push(invalidField(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      else if (kinds.length > 1) errs.push(invalidField(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
      if (isObj(vf.fieldRef) && !vf.fieldRef.fieldPath) errs.push(required(`${p}.valueFrom.fieldRef.fieldPath`));
      for (const ref of ['configMapKeyRef', 'secretKeyRef']) {
        if (!isObj(vf[ref])) continue;
        if (!vf[ref].key) errs.push(required(`${p}.valueFrom.${ref}.key`));
        else errs.push(...messagesAt(`${p}.valueFrom.${ref}.key`, vf[ref].key, isConfigMapKey(vf[ref].key)));
        if (!vf[ref].name) errs.push(required(`${p}.valueFrom.${ref}.name`));
      }
      if (isObj(vf.resourceFieldRef) && !vf.resourceFieldRef.resource) errs.push(required(`${p}.valueFrom.resourceFieldRef.resource`));
    }
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  if (!Array.isArray(envFrom)) return [];
  const errs: FieldError[] = [];
  (envFrom as Obj[]).forEach((e, i) => {
    const p = `${path}[${i}]`;
    const kinds = ['configMapRef', 'secretRef'].filter((k) => e?.[k] !== undefined && e?.[k] !== null);
    if (kinds.length === 0) errs.push(invalidField(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (kinds.length > 1) errs.push(invalidField(p, '', 'may not have more than one field specified at a time'));
    for (const k of kinds) if (!e[k].name) errs.push(required(`${p}.${k}.name`));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, path: string, volumes: Map<string, Obj>): FieldError[] {
  if (!Array.isArray(mounts)) return [];
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  (mounts as Obj[]).forEach((m, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(m)) return;
    if (!m.name) errs.push(required(`${p}.name`));
    else if (!volumes.has(m.name)) errs.push(notFoundField(`${p}.name`, m.name));
    if (!m.mountPath) errs.push(required(`${p}.mountPath`));
    else {
      if (paths.has(m.mountPath)) errs.push(invalidField(`${p}.mountPath`, m.mountPath, 'must be unique'));
      paths.add(m.mountPath);
    }
    if (m.subPath) errs.push(...validateLocalPath(m.subPath, `${p}.subPath`));
    const props = ['None', 'HostToContainer', 'Bidirectional'];
    if (m.mountPropagation !== undefined && !props.includes(m.mountPropagation)) errs.push(notSupported(`${p}.mountPropagation`, m.mountPropagation, props));
  });
  return errs;
}

/** validateResources checks quantities (non-negative, parseable) and requests <= limits. */
export function validateResources(res: unknown, path: string): FieldError[] {
  if (!isObj(res)) return [];
  const errs: FieldError[] = [];
  const values: Record<'limits' | 'requests', Record<string, number>> = { limits: {}, requests: {} };
  for (const kind of ['limits', 'requests'] as const) {
    if (!isObj(res[kind])) continue;
    for (const [name, q] of Object.entries(res[kind])) {
      const p = `${path}.${kind}[${name}]`;
      errs.push(...isQualifiedName(name).map((m) => invalidField(p, name, m)));
      let n: number;
      try { n = parseQuantity(q as string); } catch (e) {
        errs.push(invalidField(p, q, (e as Error).message));
        continue;
      }
      if (n < 0) errs.push(invalidField(p, String(q), GE0));
      else if ((name === 'cpu' && kind === 'limits') || name === 'memory') {
        // Kubernetes only checks positivity through limits >= requests; zero is allowed.
      }
      values[kind][name] = n;
    }
  }
  for (const [name, req] of Object.entries(values.requests)) {
    const lim = values.limits[name];
    if (lim !== undefined && req > lim) {
      errs.push(invalidField(`${path}.requests`, String(res.requests[name]), `must be less than or equal to ${name} limit of ${String(res.limits[name])}`));
    }
  }
  return errs;
}

function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  if (!Array.isArray(tolerations)) return [];
  const errs: FieldError[] = [];
  const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
  (tolerations as Obj[]).forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(t)) return;
    if (t.key) errs.push(...isQualifiedName(t.key).map((m) => invalidField(`${p}.key`, t.key, m)));
    if (!t.key && t.operator !== 'Exists') errs.push(invalidField(`${p}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(invalidField(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator) {
      case undefined: case '': case 'Equal':
        if (t.value) errs.push(...isValidLabelValueMsgs(t.value).map((m) => invalidField(`${p}.operator`, t.value, m)));
        break;
      case 'Exists':
        if (t.value) errs.push(invalidField(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(`${p}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !effects.includes(t.effect)) errs.push(notSupported(`${p}.effect`, t.effect, effects));
  });
  return errs;
}

function isValidLabelValueMsgs(v: string): string[] {
  return /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v) && v.length <= 63 ? [] : ['a valid label must be an empty string or consist of alphanumeric characters'];
}

/** POD_UPDATE_FORBIDDEN is the detail Kubernetes gives when a pod update touches an immutable spec field. */
export const POD_UPDATE_FORBIDDEN = 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/**
 * validatePodSpecUpdate rejects spec changes other than container images, activeDeadlineSeconds
 * (set or lowered), toleration additions and (scheduler-set) nodeName.
 */
export function validatePodSpecUpdate(newSpec: Obj, oldSpec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const ads = newSpec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (oldAds !== undefined && oldAds !== null && (ads === undefined || ads === null || ads > oldAds)) {
    errs.push(invalidField('spec.activeDeadlineSeconds', ads ?? 0, 'must be less than or equal to previous value'));
  }
  const munged = clone(newSpec);
  for (const list of ['containers', 'initContainers']) {
    const olds: Obj[] = Array.isArray(oldSpec[list]) ? oldSpec[list] : [];
    if (Array.isArray(munged[list])) {
      (munged[list] as Obj[]).forEach((c, i) => {
        if (isObj(c) && olds[i]) { c.image = olds[i].image; c.imagePullPolicy = olds[i].imagePullPolicy ?? c.imagePullPolicy; }
      });
    }
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  if (oldSpec.terminationGracePeriodSeconds !== undefined && oldSpec.terminationGracePeriodSeconds < 0 && newSpec.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  const oldTol: Obj[] = Array.isArray(oldSpec.tolerations) ? oldSpec.tolerations : [];
  const newTol: Obj[] = Array.isArray(newSpec.tolerations) ? newSpec.tolerations : [];
  const keepsOld = oldTol.every((t) => newTol.some((n) => deepEqual(n, t)));
  if (keepsOld) munged.tolerations = oldSpec.tolerations;
  // Scheduling gates may only be removed (the pod's user lifts them one by one).
  const oldGates: Obj[] = Array.isArray(oldSpec.schedulingGates) ? oldSpec.schedulingGates : [];
  const newGates: unknown[] = Array.isArray(newSpec.schedulingGates) ? newSpec.schedulingGates : [];
  for (const g of newGates) {
    const name = isObj(g) ? g.name : undefined;
    if (!oldGates.some((o) => isObj(o) && o.name === name)) errs.push(forbidden('spec.schedulingGates', `only deletion is allowed, but found new scheduling gate '${String(name ?? '')}'`));
  }
  munged.schedulingGates = oldSpec.schedulingGates;
  // While a pod is gated its nodeSelector may grow (a queue controller steers it before it schedules).
  if (oldGates.length > 0 && isObj(newSpec.nodeSelector ?? {})) {
    const oldSel: Obj = isObj(oldSpec.nodeSelector) ? oldSpec.nodeSelector : {};
    const newSel: Obj = isObj(newSpec.nodeSelector) ? newSpec.nodeSelector : {};
    munged.nodeSelector = oldSpec.nodeSelector;
    if (!Object.entries(oldSel).every(([k, v]) => newSel[k] === v)) errs.push(invalidField('spec.nodeSelector', newSel, 'only additions to spec.nodeSelector are allowed (no mutations or deletions)'));
  }
  if (!deepEqual(munged, oldSpec)) errs.push(forbidden('spec', POD_UPDATE_FORBIDDEN));
  return errs;
}
