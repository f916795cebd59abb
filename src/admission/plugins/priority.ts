/**
 * Priority is kube-apiserver's Priority admission plugin (plugin/pkg/admission/priority): a new pod
 * gets the priority and preemption policy of its PriorityClass (or of the globalDefault class), and
 * only one PriorityClass may be the global default.
 */
import type { KubeObject } from '../../api/resource.js';
import { PREEMPTION_POLICY_DEFAULTED, PRIORITY_DEFAULTED } from '../../api/core/pod-defaults.js';
import { forbidden, StatusError } from '../../apimachinery/errors.js';
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '../interfaces.js';
import type { PluginDeps } from './deps.js';

const PODS = { group: '', resource: 'pods' };
const PRIORITY_CLASSES = { group: 'scheduling.k8s.io', resource: 'priorityclasses' };

/** PriorityPlugin resolves pods' priorityClassName and guards the single globalDefault class. */
export class PriorityPlugin implements AdmissionPlugin {
  readonly name = 'Priority';
  constructor(private readonly deps: PluginDeps) {}

  handles(op: Operation): boolean { return op === 'CREATE' || op === 'UPDATE'; }

  async admit(attrs: AdmissionAttributes): Promise<void> {
    // Only a new pod gets its priority: the field is immutable afterwards.
    if (attrs.operation !== 'CREATE' || attrs.subresource !== '' || attrs.def.group !== '' || attrs.def.plural !== 'pods' || !attrs.object) return;
    await this.admitPodPriority(attrs.object);
  }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    if (attrs.subresource !== '' || attrs.def.group !== 'scheduling.k8s.io' || attrs.def.plural !== 'priorityclasses' || !attrs.object) return;
    await this.checkSingleGlobalDefault(attrs.object);
  }

  /** defaultPriorityClass is the globalDefault class (the lowest value if a race made several). */
  private async defaultPriorityClass(): Promise<KubeObject | undefined> {
    const { items } = await this.deps.storeFor('scheduling.k8s.io', 'v1', 'priorityclasses').list(undefined);
    let best: KubeObject | undefined;
    for (const pc of items) if (pc.globalDefault === true && (!best || Number(best.value) > Number(pc.value))) best = pc;
    return best;
  }

  /**
   * admitPodPriority gives a pod the priority (and preemption policy) of its priorityClassName, or
   * of the globalDefault class (0 and PreemptLowerPriority without one); an unknown class, or a
   * priority that disagrees with the class, is Forbidden.
   */
  private async admitPodPriority(pod: KubeObject): Promise<void> {
    const spec = pod.spec as Record<string, unknown> | undefined;
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return;
    const name = pod.metadata?.name ?? '';
    // Values the defaulting put there are not the user's: only the user's must agree with the class.
    const userPriority = PRIORITY_DEFAULTED.has(spec) ? undefined : spec.priority;
    const userPolicy = PREEMPTION_POLICY_DEFAULTED.has(spec) ? undefined : spec.preemptionPolicy;
    let priority = 0;
    let policy: unknown = 'PreemptLowerPriority';
    if (!spec.priorityClassName) {
      const dpc = await this.defaultPriorityClass();
      if (dpc) {
        spec.priorityClassName = dpc.metadata?.name;
        priority = Number(dpc.value ?? 0);
        policy = dpc.preemptionPolicy;
      }
    } else {
      let pc: KubeObject;
      try {
        pc = await this.deps.storeFor('scheduling.k8s.io', 'v1', 'priorityclasses').get(undefined, String(spec.priorityClassName));
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) throw forbidden(PODS, name, `no PriorityClass with name ${spec.priorityClassName} was found`);
        throw e;
      }
      priority = Number(pc.value ?? 0);
      policy = pc.preemptionPolicy;
    }
    if (userPriority !== undefined && userPriority !== null && userPriority !== priority) {
      throw forbidden(PODS, name, `the integer value of priority (${userPriority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
    }
    spec.priority = priority;
    if (policy !== undefined && policy !== null) {
      if (userPolicy !== undefined && userPolicy !== null && userPolicy !== policy) {
        throw forbidden(PODS, name, `the string value of PreemptionPolicy (${userPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
      }
      spec.preemptionPolicy = policy;
    }
  }

  /** checkSingleGlobalDefault refuses a second globalDefault PriorityClass. */
  private async checkSingleGlobalDefault(pc: KubeObject): Promise<void> {
    if (pc.globalDefault !== true) return;
    const dpc = await this.defaultPriorityClass();
    if (dpc && dpc.metadata?.name !== pc.metadata?.name) {
      throw forbidden(PRIORITY_CLASSES, pc.metadata?.name ?? '', `PriorityClass ${dpc.metadata?.name} is already marked as default. Only one default can exist`);
    }
  }
}
