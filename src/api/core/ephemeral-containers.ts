/**
 * Ephemeral containers (core/v1 Pod spec.ephemeralContainers and the pods/ephemeralcontainers
 * subresource): Kubernetes 1.32's validation (validateEphemeralContainers,
 * ValidatePodEphemeralContainersUpdate) and the subresource's update strategy, which takes only
 * spec.ephemeralContainers from the request.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { clone, isObj, type Obj } from '../common/obj.js';
import type { KubeObject, ResourceStrategy } from '../resource.js';
import { resetObjectMetaForStatus } from '../common/strategy.js';
import { duplicate, forbidden, notFoundField } from '../validation/field.js';
import { defaultContainer } from './pod-defaults.js';
import { validateContainer } from './pod-validation.js';

/**
 * EPHEMERAL_CONTAINER_FIELDS are the EphemeralContainerCommon fields in Go's struct order, each
 * with whether an ephemeral container may set it (allowedEphemeralContainerFields): an ephemeral
 * container is for debugging, so nothing a pod's service relies on (ports, probes, resources,
 * lifecycle, restart policy) is allowed.
 */
const EPHEMERAL_CONTAINER_FIELDS: [string, boolean][] = [
  ['name', true], ['image', true], ['command', true], ['args', true], ['workingDir', true], ['ports', false],
  ['envFrom', true], ['env', true], ['resources', false], ['resizePolicy', false], ['restartPolicy', false],
  ['volumeMounts', true], ['volumeDevices', true], ['livenessProbe', false], ['readinessProbe', false],
  ['startupProbe', false], ['lifecycle', false], ['terminationMessagePath', true], ['terminationMessagePolicy', true],
  ['imagePullPolicy', true], ['securityContext', true], ['stdin', true], ['stdinOnce', true], ['tty', true],
];

const NOT_FOR_EPHEMERAL = 'cannot be set for an Ephemeral Container';

/** isZero: Go's zero value as JSON shows it (absent, null, "", false, 0, empty list or object). */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObj(v)) return Object.values(v).every(isZero);
  return false;
}

/** validateEphemeralContainers checks spec.ephemeralContainers of a pod spec at `path` (validateEphemeralContainers). */
export function validateEphemeralContainers(spec: Obj, path: string): FieldError[] {
  const ecs: unknown[] = Array.isArray(spec.ephemeralContainers) ? spec.ephemeralContainers : [];
  if (ecs.length === 0) return [];
  const errs: FieldError[] = [];
  const volumes = new Map<string, Obj>();
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) if (isObj(v) && typeof v.name === 'string') volumes.set(v.name, v);
  const others = new Set<string>();
  for (const list of ['containers', 'initContainers']) {
    for (const c of Array.isArray(spec[list]) ? spec[list] : []) if (isObj(c) && typeof c.name === 'string') others.add(c.name);
  }
  const all = new Set(others);
  ecs.forEach((ec, i) => {
    const p = `${path}.ephemeralContainers[${i}]`;
    if (!isObj(ec)) { errs.push(...validateContainer(ec as Obj, p, volumes, new Set(), false)); return; }
    // The common container checks see only the allowed fields: the others get their own error below.
    const common: Obj = {};
    for (const [f, allowed] of EPHEMERAL_CONTAINER_FIELDS) if (allowed && ec[f] !== undefined) common[f] = ec[f];
    errs.push(...validateContainer(common, p, volumes, new Set(), false));
    if (typeof ec.name === 'string' && ec.name) {
      if (all.has(ec.name)) errs.push(duplicate(`${p}.name`, ec.name));
      else all.add(ec.name);
    }
    if (ec.targetContainerName && !others.has(ec.targetContainerName)) errs.push(notFoundField(`${p}.targetContainerName`, ec.targetContainerName));
    for (const [f, allowed] of EPHEMERAL_CONTAINER_FIELDS) if (!allowed && !isZero(ec[f])) errs.push(forbidden(`${p}.${f}`, NOT_FOR_EPHEMERAL));
    // subPath mounts are bind mounts that outlive the container until the pod goes; they are refused.
    (Array.isArray(ec.volumeMounts) ? ec.volumeMounts : []).forEach((m: unknown, j: number) => {
      if (!isObj(m)) return;
      if (m.subPath) errs.push(forbidden(`${p}.volumeMounts[${j}].subPath`, NOT_FOR_EPHEMERAL));
      if (m.subPathExpr) errs.push(forbidden(`${p}.volumeMounts[${j}].subPathExpr`, NOT_FOR_EPHEMERAL));
    });
  });
  return errs;
}

/** validateNoEphemeralContainersOnCreate: a new pod cannot have ephemeral containers (ValidatePodCreate). */
export function validateNoEphemeralContainersOnCreate(pod: KubeObject): FieldError[] {
  const spec = isObj(pod.spec) ? pod.spec : {};
  return Array.isArray(spec.ephemeralContainers) && spec.ephemeralContainers.length > 0
    ? [forbidden('spec.ephemeralContainers', 'cannot be set on create')] : [];
}

/** MIRROR_POD_ANNOTATION marks a static pod's mirror. */
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/**
 * validateEphemeralContainersUpdate is ValidatePodEphemeralContainersUpdate: the new pod's ephemeral
 * containers are valid, and the old ones are all still there, unchanged (they can only be added).
 */
export function validateEphemeralContainersUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  if (old.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return [forbidden('', 'static pods do not support ephemeral containers')];
  const spec: Obj = isObj(pod.spec) ? pod.spec : {};
  const oldSpec: Obj = isObj(old.spec) ? old.spec : {};
  const errs = validateEphemeralContainers(spec, 'spec');
  const byName = new Map<string, Obj>();
  for (const ec of Array.isArray(spec.ephemeralContainers) ? spec.ephemeralContainers : []) if (isObj(ec)) byName.set(String(ec.name), ec);
  for (const prev of Array.isArray(oldSpec.ephemeralContainers) ? oldSpec.ephemeralContainers as Obj[] : []) {
    const now = byName.get(String(prev.name));
    if (!now) errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers "${prev.name}" may not be removed\n`));
    else if (!deepEqual(now, prev)) errs.push(forbidden(`spec.ephemeralContainers[${prev.name}]`, `existing ephemeral containers "${prev.name}" may not be changed\n`));
  }
  return errs;
}

/**
 * ephemeralContainersStrategy is the pods/ephemeralcontainers strategy (podEphemeralContainersStrategy):
 * PrepareForUpdate keeps everything but spec.ephemeralContainers from the stored pod
 * (dropNonEphemeralContainerUpdates, metadata as ResetObjectMetaForStatus) and defaults the new
 * containers; ValidateUpdate is ValidatePodEphemeralContainersUpdate.
 */
export const ephemeralContainersStrategy: ResourceStrategy = {
  prepareForUpdate(pod: KubeObject, old: KubeObject): void {
    const ecs = isObj(pod.spec) ? pod.spec.ephemeralContainers : undefined;
    const spec = clone(isObj(old.spec) ? old.spec : {}) as Obj;
    if (Array.isArray(ecs) && ecs.length) spec.ephemeralContainers = clone(ecs);
    else delete spec.ephemeralContainers;
    for (const ec of Array.isArray(spec.ephemeralContainers) ? spec.ephemeralContainers : []) if (isObj(ec)) defaultContainer(ec, spec.hostNetwork === true);
    pod.spec = spec;
    if (old.status === undefined) delete pod.status;
    else pod.status = clone(old.status);
    resetObjectMetaForStatus(pod, old);
  },
  validateUpdate: (pod, old) => validateEphemeralContainersUpdate(pod, old),
};
