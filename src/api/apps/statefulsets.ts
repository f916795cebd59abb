/** apps/v1 statefulsets, daemonsets and controllerrevisions. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { clone, isObj, type Obj } from '../common/obj.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import { defaultPodTemplate } from '../core/pod-defaults.js';
import { defaultPVCSpec, validatePVCSpec } from '../core/volumes.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import { IMMUTABLE, forbidden, invalidField, invalidText, nonNegative, notSupported, required } from '../validation/field.js';
import { validateWorkloadStatus } from './deployments.js';
import {
  goIntOrString, isZeroIntOrPercent, validatePositiveIntOrPercent, validateReplicaFields, validateSelectorAndTemplate,
  validateSelectorUpdate,
} from './workload.js';

const specOf = (o: KubeObject): Obj => (isObj(o.spec) ? o.spec : {});

/** defaultStatefulSet applies apps/v1 SetDefaults_StatefulSet, including volumeClaimTemplates. */
export function defaultStatefulSet(sts: Obj): void {
  const spec: Obj = isObj(sts.spec) ? sts.spec : (sts.spec = {});
  spec.podManagementPolicy ??= 'OrderedReady';
  const us: Obj = isObj(spec.updateStrategy) ? spec.updateStrategy : (spec.updateStrategy = {});
  us.type ??= 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru: Obj = isObj(us.rollingUpdate) ? us.rollingUpdate : (us.rollingUpdate = {});
    ru.partition ??= 0;
  }
  const policy: Obj = isObj(spec.persistentVolumeClaimRetentionPolicy) ? spec.persistentVolumeClaimRetentionPolicy : (spec.persistentVolumeClaimRetentionPolicy = {});
  policy.whenDeleted ??= 'Retain';
  policy.whenScaled ??= 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplate(spec.template);
  if (Array.isArray(spec.volumeClaimTemplates)) {
    for (const t of spec.volumeClaimTemplates as Obj[]) {
      if (!isObj(t)) continue;
      t.apiVersion ??= 'v1';
      t.kind ??= 'PersistentVolumeClaim';
      if (!isObj(t.metadata)) t.metadata = {};
      if (t.metadata.creationTimestamp === undefined) t.metadata.creationTimestamp = null;
      defaultPVCSpec(isObj(t.spec) ? t.spec : (t.spec = {}));
      if (!isObj(t.status)) t.status = { phase: 'Pending' };
    }
  }
}

const POLICY_VALUES = ['Retain', 'Delete'];

function validateStatefulSet(sts: KubeObject): FieldError[] {
  const spec = specOf(sts);
  const errs: FieldError[] = [];
  if (spec.podManagementPolicy !== 'OrderedReady' && spec.podManagementPolicy !== 'Parallel') {
    errs.push(invalidField('spec.podManagementPolicy', spec.podManagementPolicy ?? '', "must be 'OrderedReady' or 'Parallel'"));
  }
  const us: Obj = isObj(spec.updateStrategy) ? spec.updateStrategy : {};
  if (us.type === 'RollingUpdate') {
    if (isObj(us.rollingUpdate)) {
      errs.push(...nonNegative('spec.updateStrategy.rollingUpdate.partition', us.rollingUpdate.partition));
      if (us.rollingUpdate.maxUnavailable !== undefined) errs.push(...validatePositiveIntOrPercent(us.rollingUpdate.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
    }
  } else if (us.type === 'OnDelete') {
    if (us.rollingUpdate !== undefined && us.rollingUpdate !== null) {
      errs.push(invalidText('spec.updateStrategy.rollingUpdate', 'apps.RollingUpdateStatefulSetStrategy{...}', "only allowed for updateStrategy 'RollingUpdate'"));
    }
  } else {
    errs.push(invalidText('spec.updateStrategy', `apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(us.type ?? '')}}`, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const policy: Obj = isObj(spec.persistentVolumeClaimRetentionPolicy) ? spec.persistentVolumeClaimRetentionPolicy : {};
  for (const f of ['whenDeleted', 'whenScaled']) {
    if (policy[f] !== undefined && !POLICY_VALUES.includes(policy[f])) errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, policy[f], POLICY_VALUES));
  }
  errs.push(...validateReplicaFields(spec));
  if (isObj(spec.ordinals)) errs.push(...nonNegative('spec.ordinals.start', spec.ordinals.start));
  // Containers may mount volumeClaimTemplates: the pod gets them as volumes, so validate against the union.
  errs.push(...validateSelectorAndTemplate(withClaimVolumes(spec), { emptySelectorKind: 'statefulset', ownerKind: 'StatefulSet', unconvertibleSelector: 'invalid' }));
  if (Array.isArray(spec.volumeClaimTemplates)) {
    (spec.volumeClaimTemplates as Obj[]).forEach((t, i) => {
      const p = `spec.volumeClaimTemplates[${i}]`;
      if (!t?.metadata?.name) errs.push(required(`${p}.metadata.name`));
      errs.push(...validatePVCSpec(isObj(t?.spec) ? t.spec : {}, `${p}.spec`));
    });
  }
  return errs;
}

/** withClaimVolumes is spec with each volumeClaimTemplate not already a volume added as a claim volume. */
function withClaimVolumes(spec: Obj): Obj {
  if (!Array.isArray(spec.volumeClaimTemplates) || !isObj(spec.template) || !isObj(spec.template.spec)) return spec;
  const given = spec.template.spec.volumes;
  if (given !== undefined && given !== null && !Array.isArray(given)) return spec;
  const volumes: Obj[] = given ?? [];
  const have = new Set(volumes.map((v) => v?.name));
  const extra = (spec.volumeClaimTemplates as Obj[]).map((t) => t?.metadata?.name).filter((n) => typeof n === 'string' && n && !have.has(n))
    .map((name) => ({ name, persistentVolumeClaim: { claimName: name } }));
  if (extra.length === 0) return spec;
  return { ...spec, template: { ...spec.template, spec: { ...spec.template.spec, volumes: [...volumes, ...extra] } } };
}

/** STATEFULSET_UPDATE_FORBIDDEN is Kubernetes' detail for forbidden StatefulSet spec updates. */
export const STATEFULSET_UPDATE_FORBIDDEN = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

function validateStatefulSetUpdate(sts: KubeObject, old: KubeObject): FieldError[] {
  const spec = clone(specOf(sts));
  const oldSpec = specOf(old);
  for (const f of ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']) {
    if (oldSpec[f] === undefined) delete spec[f];
    else spec[f] = oldSpec[f];
  }
  return deepEqual(spec, oldSpec) ? [] : [forbidden('spec', STATEFULSET_UPDATE_FORBIDDEN)];
}

/** statefulsets is the apps/v1 StatefulSet resource. */
export const statefulsets: ResourceDefinition = defineResource({
  group: 'apps', version: 'v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true,
  shortNames: ['sts'], categories: ['all'], subresources: ['scale', 'status'],
  strategy: specStatusStrategy({ generation: true, default: defaultStatefulSet, validate: validateStatefulSet, validateUpdate: validateStatefulSetUpdate }),
  statusStrategy: statusStrategy({ validateUpdate: (s) => validateWorkloadStatus(s) }),
  scale: { specReplicasPath: ['spec', 'replicas'], statusReplicasPath: ['status', 'replicas'], labelSelectorPath: ['spec', 'selector'] },
});

/** TEMPLATE_GENERATION_ANNOTATION mirrors DaemonSet's deprecated templateGeneration. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** defaultDaemonSet: RollingUpdate maxUnavailable 1 maxSurge 0, revisionHistoryLimit 10. */
export function defaultDaemonSet(ds: Obj): void {
  const spec: Obj = isObj(ds.spec) ? ds.spec : (ds.spec = {});
  const us: Obj = isObj(spec.updateStrategy) ? spec.updateStrategy : (spec.updateStrategy = {});
  us.type ??= 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru: Obj = isObj(us.rollingUpdate) ? us.rollingUpdate : (us.rollingUpdate = {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplate(spec.template);
}

function validateDaemonSet(ds: KubeObject): FieldError[] {
  const spec = specOf(ds);
  const errs = validateSelectorAndTemplate(spec, { emptySelectorKind: 'daemonset', ownerKind: 'DaemonSet', selectorRequired: false });
  const us: Obj = isObj(spec.updateStrategy) ? spec.updateStrategy : {};
  if (us.type === 'RollingUpdate') {
    if (!isObj(us.rollingUpdate)) errs.push(required('spec.updateStrategy.rollingUpdate'));
    else {
      const ru = us.rollingUpdate;
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, 'spec.updateStrategy.rollingUpdate.maxSurge'));
      if (isZeroIntOrPercent(ru.maxUnavailable) && isZeroIntOrPercent(ru.maxSurge)) {
        errs.push(invalidText('spec.updateStrategy.rollingUpdate.maxUnavailable', goIntOrString(ru.maxUnavailable ?? 0), 'may not be 0 when `maxSurge` is 0'));
      }
    }
  } else if (us.type !== 'OnDelete') {
    errs.push(notSupported('spec.updateStrategy.type', us.type ?? '', ['OnDelete', 'RollingUpdate']));
  }
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  return errs;
}

function templateGeneration(obj: KubeObject): number {
  const v = Number(obj.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isFinite(v) && v > 0 ? v : 1;
}

function setTemplateGeneration(obj: KubeObject, gen: number): void {
  const meta = (obj.metadata ??= {});
  meta.annotations = { ...(meta.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(gen) };
}

/** daemonsets is the apps/v1 DaemonSet resource (template generation kept in an annotation, as Kubernetes does). */
export const daemonsets: ResourceDefinition = defineResource({
  group: 'apps', version: 'v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true,
  shortNames: ['ds'], categories: ['all'], subresources: ['status'],
  strategy: specStatusStrategy({
    generation: true,
    default: defaultDaemonSet,
    prepareForCreate(ds) { setTemplateGeneration(ds, 1); },
    prepareForUpdate(ds, old) {
      const oldGen = templateGeneration(old);
      const changed = !deepEqual((ds.spec as Obj | undefined)?.template, (old.spec as Obj | undefined)?.template);
      setTemplateGeneration(ds, changed ? oldGen + 1 : oldGen);
    },
    validate: validateDaemonSet,
    validateUpdate: (ds, old) => validateSelectorUpdate(specOf(ds), specOf(old)),
  }),
  statusStrategy: statusStrategy({
    validateUpdate(ds) {
      const st: Obj = isObj(ds.status) ? ds.status : {};
      const errs: FieldError[] = [];
      for (const f of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'observedGeneration']) {
        errs.push(...nonNegative(`status.${f}`, st[f]));
      }
      return errs;
    },
  }),
});

/** controllerrevisions is the apps/v1 ControllerRevision resource (data immutable). */
export const controllerrevisions: ResourceDefinition = defineResource({
  group: 'apps', version: 'v1', kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true,
  strategy: {
    validate(cr) {
      const errs = nonNegative('revision', cr.revision);
      if (cr.data === undefined || cr.data === null) errs.push(required('data', 'data is mandatory'));
      return errs;
    },
    validateUpdate(cr, old) {
      return deepEqual(cr.data, old.data) ? [] : [invalidText('data', 'runtime.RawExtension{...}', IMMUTABLE)];
    },
  },
});
