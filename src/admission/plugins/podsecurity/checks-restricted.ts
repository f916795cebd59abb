/**
 * The restricted Pod Security Standard's own checks (kubernetes.io/docs/concepts/security/pod-security-standards,
 * "Restricted"): pod hardening on top of baseline. Several replace a baseline check from the
 * version they appeared in (volume types replace hostPath volumes; drop ALL replaces the baseline
 * capability list; a required seccomp profile replaces the baseline seccomp check). Reasons and
 * details are worded as k8s.io/pod-security-admission words them.
 */
import type { Check, CheckFn } from './check.js';
import {
  ALLOWED, containers, containersPhrase, forbid, isWindows, joinQuote, list, nameOf, obj, pluralize, securityContext, sortedSet, str,
  type CheckResult, type PodView,
} from './helpers.js';
import { CAPABILITIES_BASELINE_ID, HOST_PATH_VOLUMES_ID, SECCOMP_BASELINE_ID, validSeccompType } from './checks-baseline.js';

/** exceptWindows: from v1.25 a pod with spec.os.name=windows passes the Linux-only checks. */
const exceptWindows = (check: CheckFn): CheckFn => (pod) => (isWindows(pod.spec) ? ALLOWED : check(pod));

/** allowPrivilegeEscalation: every container sets allowPrivilegeEscalation=false. */
function allowPrivilegeEscalation({ spec }: PodView): CheckResult {
  const bad = containers(spec).filter((c) => securityContext(c)?.allowPrivilegeEscalation !== false).map(nameOf);
  if (!bad.length) return ALLOWED;
  return forbid('allowPrivilegeEscalation != false', `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`);
}

/** capabilities_restricted: every container drops ALL and adds nothing but NET_BIND_SERVICE. */
function capabilitiesRestricted({ spec }: PodView): CheckResult {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbiddenCaps: string[] = [];
  for (const c of containers(spec)) {
    const caps = obj(securityContext(c)?.capabilities);
    if (!caps) {
      missingDropAll.push(nameOf(c));
      continue;
    }
    const drop = Array.isArray(caps.drop) ? caps.drop : [];
    if (!drop.includes('ALL')) missingDropAll.push(nameOf(c));
    const extra = (Array.isArray(caps.add) ? caps.add : []).map(str).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (extra.length) {
      addingForbidden.push(nameOf(c));
      forbiddenCaps.push(...extra);
    }
  }
  const details: string[] = [];
  if (missingDropAll.length) details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (addingForbidden.length) {
    details.push(`${containersPhrase(addingForbidden)} must not include ${joinQuote(sortedSet(forbiddenCaps))} in securityContext.capabilities.add`);
  }
  return details.length ? forbid('unrestricted capabilities', details.join('; ')) : ALLOWED;
}

/** The volume sources restricted allows: ephemeral or API-backed ones. */
const ALLOWED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** The other sources, in the order Kubernetes looks for the one a volume uses (the name it reports). */
const RESTRICTED_VOLUME_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder',
  'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume',
  'scaleIO', 'storageos',
];

/** restrictedVolumes: only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes. */
function restrictedVolumes({ spec }: PodView): CheckResult {
  const has = (v: Record<string, unknown>, key: string) => v[key] !== undefined && v[key] !== null;
  const bad: string[] = [];
  const types: string[] = [];
  for (const v of list(spec.volumes)) {
    if (ALLOWED_VOLUME_SOURCES.some((k) => has(v, k))) continue;
    bad.push(nameOf(v));
    const source = RESTRICTED_VOLUME_SOURCES.find((k) => has(v, k));
    types.push(source ?? 'unknown');
  }
  if (!bad.length) return ALLOWED;
  const sorted = sortedSet(types);
  return forbid('restricted volume types',
    `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ` +
    `${pluralize('restricted volume type', 'restricted volume types', sorted.length)} ${joinQuote(sorted)}`);
}

/** runAsNonRoot: the pod, or every container, sets runAsNonRoot=true, and none sets false. */
function runAsNonRoot({ spec }: PodView): CheckResult {
  const setters: string[] = [];
  let podNonRoot = false;
  const podValue = securityContext(spec)?.runAsNonRoot;
  if (typeof podValue === 'boolean') {
    if (!podValue) setters.push('pod');
    else podNonRoot = true;
  }
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const c of containers(spec)) {
    const v = securityContext(c)?.runAsNonRoot;
    if (typeof v === 'boolean') {
      if (!v) explicitlyBad.push(nameOf(c));
    } else if (!podNonRoot) {
      implicitlyBad.push(nameOf(c));
    }
  }
  if (explicitlyBad.length) setters.push(containersPhrase(explicitlyBad));
  if (setters.length) return forbid('runAsNonRoot != true', `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`);
  if (implicitlyBad.length) return forbid('runAsNonRoot != true', `pod or ${containersPhrase(implicitlyBad)} must set securityContext.runAsNonRoot=true`);
  return ALLOWED;
}

/** runAsUser: neither the pod nor a container sets runAsUser=0. */
function runAsUser({ spec }: PodView): CheckResult {
  const setters: string[] = [];
  if (securityContext(spec)?.runAsUser === 0) setters.push('pod');
  const bad = containers(spec).filter((c) => securityContext(c)?.runAsUser === 0).map(nameOf);
  if (bad.length) setters.push(containersPhrase(bad));
  return setters.length ? forbid('runAsUser=0', `${setters.join(' and ')} must not set runAsUser=0`) : ALLOWED;
}

/** seccompProfile_restricted: a RuntimeDefault or Localhost profile for every container, from the pod or its own. */
function seccompProfileRestricted({ spec }: PodView): CheckResult {
  const setters: string[] = [];
  const values: string[] = [];
  let podSet = false;
  const podProfile = obj(securityContext(spec)?.seccompProfile);
  if (podProfile) {
    if (!validSeccompType(str(podProfile.type))) {
      setters.push('pod');
      values.push(str(podProfile.type));
    } else {
      podSet = true;
    }
  }
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const c of containers(spec)) {
    const profile = obj(securityContext(c)?.seccompProfile);
    if (profile) {
      if (!validSeccompType(str(profile.type))) {
        explicitlyBad.push(nameOf(c));
        values.push(str(profile.type));
      }
    } else if (!podSet) {
      implicitlyBad.push(nameOf(c));
    }
  }
  if (explicitlyBad.length) setters.push(containersPhrase(explicitlyBad));
  if (setters.length) {
    return forbid('seccompProfile', `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}`);
  }
  if (implicitlyBad.length) {
    return forbid('seccompProfile', `pod or ${containersPhrase(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
  }
  return ALLOWED;
}

/** restrictedChecks are every restricted check with its versions. */
export const restrictedChecks: readonly Check[] = [
  {
    id: 'allowPrivilegeEscalation', level: 'restricted', versions: [
      { minimumMinor: 8, check: allowPrivilegeEscalation },
      { minimumMinor: 25, check: exceptWindows(allowPrivilegeEscalation) },
    ],
  },
  {
    id: 'capabilities_restricted', level: 'restricted', versions: [
      { minimumMinor: 22, check: capabilitiesRestricted, overrides: [CAPABILITIES_BASELINE_ID] },
      { minimumMinor: 25, check: exceptWindows(capabilitiesRestricted), overrides: [CAPABILITIES_BASELINE_ID] },
    ],
  },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ minimumMinor: 0, check: restrictedVolumes, overrides: [HOST_PATH_VOLUMES_ID] }] },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ minimumMinor: 0, check: runAsNonRoot }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ minimumMinor: 23, check: runAsUser }] },
  {
    id: 'seccompProfile_restricted', level: 'restricted', versions: [
      { minimumMinor: 19, check: seccompProfileRestricted, overrides: [SECCOMP_BASELINE_ID] },
      { minimumMinor: 25, check: exceptWindows(seccompProfileRestricted), overrides: [SECCOMP_BASELINE_ID] },
    ],
  },
];
