/** core/v1 pods: defaulting, admission defaults, status on create, validation and update rules. */
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import { admitPodDefaults, defaultPod, podQOSClass } from './pod-defaults.js';
import { validatePodSpec, validatePodSpecUpdate } from './pod-validation.js';
import { nonNegative, notSupported } from '../validation/field.js';
import { invalid, type FieldError } from '../../apimachinery/errors.js';
import { ephemeralContainersStrategy, validateEphemeralContainers, validateNoEphemeralContainersOnCreate } from './ephemeral-containers.js';

const spec = (o: KubeObject): Obj => (isObj(o.spec) ? o.spec : {});
const status = (o: KubeObject): Obj => (isObj(o.status) ? o.status : {});

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

function validatePodStatusUpdate(obj: KubeObject): FieldError[] {
  const st = status(obj);
  const errs: FieldError[] = [];
  if (st.phase !== undefined && st.phase !== '' && !PHASES.includes(st.phase)) errs.push(notSupported('status.phase', st.phase, PHASES));
  const lists = ['containerStatuses', 'initContainerStatuses'];
  for (const l of lists) {
    if (!Array.isArray(st[l])) continue;
    (st[l] as Obj[]).forEach((c, i) => errs.push(...nonNegative(`status.${l}[${i}].restartCount`, c?.restartCount)));
  }
  return errs;
}

/**
 * nullConditionTimes gives every pod condition its lastProbeTime and lastTransitionTime, null when
 * unset: they are non-pointer metav1.Time fields in Kubernetes, always serialized (`lastProbeTime:
 * null`), while a patch's null removes them here.
 */
function nullConditionTimes(pod: KubeObject): void {
  const conds = (pod.status as { conditions?: unknown } | undefined)?.conditions;
  if (!Array.isArray(conds)) return;
  for (const c of conds) {
    if (c === null || typeof c !== 'object' || Array.isArray(c)) continue;
    const cond = c as Record<string, unknown>;
    if (cond.lastProbeTime === undefined) cond.lastProbeTime = null;
    if (cond.lastTransitionTime === undefined) cond.lastTransitionTime = null;
  }
}

/** pods is the core/v1 Pod resource. */
export const pods: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true,
  shortNames: ['po'], categories: ['all'],
  subresources: ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'status'],
  strategy: specStatusStrategy({
    default: defaultPod,
    initialStatus: (pod) => ({ phase: 'Pending', qosClass: podQOSClass(spec(pod)) }),
    prepareForCreate(pod, ctx) {
      // ValidatePodCreate: ephemeral containers are only added to a running pod (pods/ephemeralcontainers).
      const errs = validateNoEphemeralContainersOnCreate(pod);
      if (errs.length) throw invalid('Pod', '', pod.metadata?.name ?? '', errs);
      admitPodDefaults(pod, ctx.admission);
    },
    validate: (pod) => [...validatePodSpec(spec(pod), 'spec'), ...validateEphemeralContainers(spec(pod), 'spec')],
    validateUpdate: (pod, old) => validatePodSpecUpdate(spec(pod), spec(old)),
  }),
  statusStrategy: statusStrategy({ lightMetadata: true, validateUpdate: (pod) => validatePodStatusUpdate(pod), normalize: nullConditionTimes }),
  subresourceStrategies: { ephemeralcontainers: ephemeralContainersStrategy },
  selectableFields: {
    'spec.nodeName': (o) => spec(o).nodeName ?? '',
    'spec.restartPolicy': (o) => spec(o).restartPolicy ?? '',
    'spec.schedulerName': (o) => spec(o).schedulerName ?? '',
    'spec.serviceAccountName': (o) => spec(o).serviceAccountName ?? '',
    'spec.hostNetwork': (o) => String(spec(o).hostNetwork === true),
    'status.phase': (o) => status(o).phase ?? '',
    'status.podIP': (o) => status(o).podIP ?? '',
    'status.nominatedNodeName': (o) => status(o).nominatedNodeName ?? '',
  },
});
