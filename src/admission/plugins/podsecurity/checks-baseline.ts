/**
 * The baseline Pod Security Standard's checks (kubernetes.io/docs/concepts/security/pod-security-standards,
 * "Baseline"): what prevents known privilege escalations. Each reports what k8s.io/pod-security-admission
 * reports, in its words, so a refusal or warning reads as kube-apiserver's.
 */
import type { Check } from './check.js';
import {
  ALLOWED, containers, containersPhrase, forbid, joinQuote, list, nameOf, obj, pluralize, securityContext, sortedSet, str,
  byteOrder, type CheckResult, type Obj, type PodView,
} from './helpers.js';
import { goQuote } from '../../../util/go-quote.js';

/** windowsHostProcess: neither the pod nor a container may set windowsOptions.hostProcess=true. */
function windowsHostProcess({ spec }: PodView): CheckResult {
  const hostProcess = (sc: Obj | undefined) => obj(sc?.windowsOptions)?.hostProcess === true;
  const setters: string[] = [];
  if (hostProcess(securityContext(spec))) setters.push('pod');
  const bad = containers(spec).filter((c) => hostProcess(securityContext(c))).map(nameOf);
  if (bad.length) setters.push(containersPhrase(bad));
  if (!setters.length) return ALLOWED;
  return forbid('hostProcess', `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`);
}

/** hostNamespaces: no hostNetwork, hostPID or hostIPC. */
function hostNamespaces({ spec }: PodView): CheckResult {
  const used = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => spec[f] === true).map((f) => `${f}=true`);
  return used.length ? forbid('host namespaces', used.join(', ')) : ALLOWED;
}

/** privileged: no container may be privileged. */
function privileged({ spec }: PodView): CheckResult {
  const bad = containers(spec).filter((c) => securityContext(c)?.privileged === true).map(nameOf);
  return bad.length ? forbid('privileged', `${containersPhrase(bad)} must not set securityContext.privileged=true`) : ALLOWED;
}

/** The capabilities a container runtime grants by default: the only ones baseline lets a container add. */
export const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID',
  'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

/** capabilities_baseline: capabilities.add holds only the default set. */
function capabilitiesBaseline({ spec }: PodView): CheckResult {
  const bad: string[] = [];
  const added: string[] = [];
  for (const c of containers(spec)) {
    const caps = obj(securityContext(c)?.capabilities);
    if (!caps) continue;
    const extra = (Array.isArray(caps.add) ? caps.add : []).map(str).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (!extra.length) continue;
    bad.push(nameOf(c));
    added.push(...extra);
  }
  if (!bad.length) return ALLOWED;
  return forbid('non-default capabilities',
    `${containersPhrase(bad)} must not include ${joinQuote(sortedSet(added))} in securityContext.capabilities.add`);
}

/** hostPathVolumes: no hostPath volume (restricted replaces this with its volume-type check). */
function hostPathVolumes({ spec }: PodView): CheckResult {
  const bad = list(spec.volumes).filter((v) => v.hostPath !== undefined && v.hostPath !== null).map(nameOf);
  return bad.length ? forbid('hostPath volumes', `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`) : ALLOWED;
}

/** hostPorts: no container port with a hostPort. */
function hostPorts({ spec }: PodView): CheckResult {
  const bad: string[] = [];
  const ports: string[] = [];
  for (const c of containers(spec)) {
    const used = list(c.ports).map((p) => p.hostPort).filter((p): p is number => typeof p === 'number' && p !== 0);
    if (!used.length) continue;
    bad.push(nameOf(c));
    ports.push(...used.map(String));
  }
  if (!bad.length) return ALLOWED;
  const sorted = sortedSet(ports);
  return forbid('hostPort', `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', sorted.length)} ${sorted.join(', ')}`);
}

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** appArmorProfile: profiles (fields or the beta annotations) may only be the runtime's default or a localhost one. */
function appArmorProfile({ metadata, spec }: PodView): CheckResult {
  const allowedType = (t: string) => t === 'RuntimeDefault' || t === 'Localhost';
  const setters: string[] = [];
  const values: string[] = [];
  const podProfile = obj(securityContext(spec)?.appArmorProfile);
  if (podProfile && !allowedType(str(podProfile.type))) {
    setters.push('pod');
    values.push(str(podProfile.type));
  }
  const bad: string[] = [];
  for (const c of containers(spec)) {
    const profile = obj(securityContext(c)?.appArmorProfile);
    if (profile && !allowedType(str(profile.type))) {
      bad.push(nameOf(c));
      values.push(str(profile.type));
    }
  }
  if (bad.length) setters.push(containersPhrase(bad));
  const badValues = sortedSet(values);
  const annotations = Object.entries(obj(metadata.annotations) ?? {})
    .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAnnotation(str(v)))
    .map(([k, v]) => `${k}=${goQuote(str(v))}`)
    .sort(byteOrder);
  if (annotations.length) {
    badValues.push(...annotations);
    setters.push(pluralize('annotation', 'annotations', annotations.length));
  }
  if (!setters.length) return ALLOWED;
  return forbid(pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', badValues.length),
    `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(badValues)}`);
}

const allowedAnnotation = (v: string) => v === '' || v === 'runtime/default' || v.startsWith('localhost/');

/** seLinuxOptions: only the container types, and no user or role. */
function seLinuxOptions(allowedTypes: ReadonlySet<string>) {
  return ({ spec }: PodView): CheckResult => {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const valid = (opts: Obj) => {
      let ok = true;
      if (!allowedTypes.has(str(opts.type))) { ok = false; badTypes.push(str(opts.type)); }
      if (str(opts.user)) { ok = false; setUser = true; }
      if (str(opts.role)) { ok = false; setRole = true; }
      return ok;
    };
    const setters: string[] = [];
    const podOpts = obj(securityContext(spec)?.seLinuxOptions);
    if (podOpts && !valid(podOpts)) setters.push('pod');
    const bad = containers(spec).filter((c) => {
      const o = obj(securityContext(c)?.seLinuxOptions);
      return o !== undefined && !valid(o);
    }).map(nameOf);
    if (bad.length) setters.push(containersPhrase(bad));
    if (!setters.length) return ALLOWED;
    const data: string[] = [];
    const types = sortedSet(badTypes);
    if (types.length) data.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return forbid('seLinuxOptions', `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`);
  };
}

const SELINUX_TYPES_1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_TYPES_1_31 = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);

/** procMount: only the Default /proc mount. */
function procMount({ spec }: PodView): CheckResult {
  const bad: string[] = [];
  const types: string[] = [];
  for (const c of containers(spec)) {
    const pm = securityContext(c)?.procMount;
    if (pm === undefined || pm === null || pm === 'Default') continue;
    bad.push(nameOf(c));
    types.push(str(pm));
  }
  if (!bad.length) return ALLOWED;
  return forbid('procMount', `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`);
}

export const validSeccompType = (t: string): boolean => t === 'Localhost' || t === 'RuntimeDefault';

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

/** seccompProfile_baseline before v1.19: the alpha annotations may name the runtime's default or a localhost profile. */
function seccompAnnotations({ metadata, spec }: PodView): CheckResult {
  const annotations = obj(metadata.annotations) ?? {};
  const valid = (v: string) => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
  const forbidden: string[] = [];
  const look = (key: string) => {
    if (!Object.prototype.hasOwnProperty.call(annotations, key)) return;
    const v = str(annotations[key]);
    if (!valid(v)) forbidden.push(`${key}=${goQuote(v)}`);
  };
  look(SECCOMP_POD_ANNOTATION);
  for (const c of containers(spec)) look(SECCOMP_CONTAINER_ANNOTATION_PREFIX + nameOf(c));
  const sorted = sortedSet(forbidden);
  if (!sorted.length) return ALLOWED;
  return forbid('seccompProfile', `forbidden ${pluralize('annotation', 'annotations', sorted.length)} ${sorted.join(', ')}`);
}

/** seccompProfile_baseline from v1.19: seccompProfile.type, where set, is RuntimeDefault or Localhost. */
function seccompProfileBaseline({ spec }: PodView): CheckResult {
  const setters: string[] = [];
  const values: string[] = [];
  const podProfile = obj(securityContext(spec)?.seccompProfile);
  if (podProfile && !validSeccompType(str(podProfile.type))) {
    setters.push('pod');
    values.push(str(podProfile.type));
  }
  const bad: string[] = [];
  for (const c of containers(spec)) {
    const profile = obj(securityContext(c)?.seccompProfile);
    if (profile && !validSeccompType(str(profile.type))) {
      bad.push(nameOf(c));
      values.push(str(profile.type));
    }
  }
  if (bad.length) setters.push(containersPhrase(bad));
  if (!setters.length) return ALLOWED;
  return forbid('seccompProfile', `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}`);
}

/** The sysctls baseline allows ("safe": namespaced and isolated from other pods), by the version that added them. */
export const SAFE_SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SAFE_SYSCTLS_1_27 = [...SAFE_SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SAFE_SYSCTLS_1_29 = [...SAFE_SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SAFE_SYSCTLS_1_32 = [...SAFE_SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

/** sysctls: only the safe set, named in the order the pod lists them. */
function sysctls(safe: readonly string[]) {
  const allowed = new Set(safe);
  return ({ spec }: PodView): CheckResult => {
    const bad = list(securityContext(spec)?.sysctls).map((s) => str(s.name)).filter((n) => !allowed.has(n));
    return bad.length ? forbid('forbidden sysctls', bad.join(', ')) : ALLOWED;
  };
}

export const CAPABILITIES_BASELINE_ID = 'capabilities_baseline';
export const HOST_PATH_VOLUMES_ID = 'hostPathVolumes';
export const SECCOMP_BASELINE_ID = 'seccompProfile_baseline';

/** baselineChecks are every baseline check with its versions. */
export const baselineChecks: readonly Check[] = [
  { id: 'appArmorProfile', level: 'baseline', versions: [{ minimumMinor: 0, check: appArmorProfile }] },
  { id: CAPABILITIES_BASELINE_ID, level: 'baseline', versions: [{ minimumMinor: 0, check: capabilitiesBaseline }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ minimumMinor: 0, check: hostNamespaces }] },
  { id: HOST_PATH_VOLUMES_ID, level: 'baseline', versions: [{ minimumMinor: 0, check: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ minimumMinor: 0, check: hostPorts }] },
  { id: 'privileged', level: 'baseline', versions: [{ minimumMinor: 0, check: privileged }] },
  { id: 'procMount', level: 'baseline', versions: [{ minimumMinor: 0, check: procMount }] },
  {
    id: 'seLinuxOptions', level: 'baseline', versions: [
      { minimumMinor: 0, check: seLinuxOptions(SELINUX_TYPES_1_0) },
      { minimumMinor: 31, check: seLinuxOptions(SELINUX_TYPES_1_31) },
    ],
  },
  {
    id: SECCOMP_BASELINE_ID, level: 'baseline', versions: [
      { minimumMinor: 0, check: seccompAnnotations },
      { minimumMinor: 19, check: seccompProfileBaseline },
    ],
  },
  {
    id: 'sysctls', level: 'baseline', versions: [
      { minimumMinor: 0, check: sysctls(SAFE_SYSCTLS_1_0) },
      { minimumMinor: 27, check: sysctls(SAFE_SYSCTLS_1_27) },
      { minimumMinor: 29, check: sysctls(SAFE_SYSCTLS_1_29) },
      { minimumMinor: 32, check: sysctls(SAFE_SYSCTLS_1_32) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ minimumMinor: 0, check: windowsHostProcess }] },
];
