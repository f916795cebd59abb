/**
 * RuntimeClass is kube-apiserver's RuntimeClass admission plugin (plugin/pkg/admission/runtimeclass):
 * a new pod naming a runtimeClassName gets the class's pod overhead, node selector and tolerations;
 * a class that does not exist, or an overhead or node selector that disagrees with the class, is
 * refused with Kubernetes' Forbidden messages.
 */
import type { KubeObject } from '../../api/resource.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { forbidden, StatusError } from '../../apimachinery/errors.js';
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '../interfaces.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RuntimeClassDeps: the RuntimeClass store is read through storeFor. */
export interface RuntimeClassDeps {
  storeFor(group: string, version: string, plural: string): unknown;
}

interface ClassStore { get(namespace: string | undefined, name: string): Promise<KubeObject> }

const PODS = { group: '', resource: 'pods' };

/** RuntimeClassPlugin applies and checks a pod's RuntimeClass. */
export class RuntimeClassPlugin implements AdmissionPlugin {
  readonly name = 'RuntimeClass';
  constructor(private readonly deps: RuntimeClassDeps) {}

  handles(op: Operation): boolean { return op === 'CREATE'; }

  private applies(attrs: AdmissionAttributes): boolean {
    return attrs.operation === 'CREATE' && attrs.subresource === '' && attrs.def.group === '' && attrs.def.plural === 'pods' && !!attrs.object;
  }

  /** runtimeClassOf reads the pod's class; a missing class is Forbidden. */
  private async runtimeClassOf(pod: KubeObject, name: string): Promise<KubeObject | undefined> {
    const rcName = (pod.spec as Obj | undefined)?.runtimeClassName;
    if (typeof rcName !== 'string' || rcName === '') return undefined;
    try {
      return await (this.deps.storeFor('node.k8s.io', 'v1', 'runtimeclasses') as ClassStore).get(undefined, rcName);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) throw forbidden(PODS, name, `pod rejected: RuntimeClass ${JSON.stringify(rcName)} not found`);
      throw e;
    }
  }

  async admit(attrs: AdmissionAttributes): Promise<void> {
    if (!this.applies(attrs)) return;
    const pod = attrs.object!;
    const name = podName(attrs);
    const rc = await this.runtimeClassOf(pod, name);
    if (!rc) return;
    const spec: Obj = isObj(pod.spec) ? pod.spec : (pod.spec = {});
    const podFixed = (rc.overhead as Obj | undefined)?.podFixed;
    if (isObj(podFixed)) {
      if (spec.overhead !== undefined && spec.overhead !== null && !deepEqual(spec.overhead, podFixed)) {
        throw forbidden(PODS, name, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
      }
      spec.overhead = structuredClone(podFixed);
    }
    const scheduling = isObj(rc.scheduling) ? rc.scheduling : undefined;
    if (!scheduling) return;
    if (isObj(scheduling.nodeSelector)) {
      const sel: Obj = isObj(spec.nodeSelector) ? spec.nodeSelector : {};
      for (const [k, v] of Object.entries(scheduling.nodeSelector)) {
        if (k in sel && sel[k] !== v) {
          throw forbidden(PODS, name, `conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${v}; pod.spec.nodeSelector[${k}] = ${sel[k]}`);
        }
        sel[k] = v;
      }
      if (Object.keys(sel).length) spec.nodeSelector = sel;
    }
    if (Array.isArray(scheduling.tolerations) && scheduling.tolerations.length) {
      const have: unknown[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
      for (const t of scheduling.tolerations) if (!have.some((h) => deepEqual(h, t))) have.push(structuredClone(t));
      spec.tolerations = have;
    }
  }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    if (!this.applies(attrs)) return;
    const pod = attrs.object!;
    const overhead = (pod.spec as Obj | undefined)?.overhead;
    const rc = await this.runtimeClassOf(pod, podName(attrs));
    const podFixed = (rc?.overhead as Obj | undefined)?.podFixed;
    if (overhead === undefined || overhead === null) return;
    if (!isObj(podFixed)) throw forbidden(PODS, podName(attrs), 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
    if (!deepEqual(overhead, podFixed)) throw forbidden(PODS, podName(attrs), "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
  }
}

function podName(attrs: AdmissionAttributes): string {
  return attrs.object?.metadata?.name || attrs.object?.metadata?.generateName || attrs.name || 'Unknown';
}
