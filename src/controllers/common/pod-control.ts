import type { KubeObject, OwnerReference } from '../../api/resource.js';
import { StatusError } from '../../apimachinery/errors.js';
import type { EventRecorder } from '../../client/events.js';
import { Resources, type Client } from '../../client/types.js';

/** PodTemplate is a workload's spec.template (labels, annotations, finalizers, spec). */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[]; name?: string };
  spec?: Record<string, unknown>;
}

/**
 * getPodFromTemplate builds the pod a controller creates from its template: the template's labels,
 * annotations, finalizers and spec, `generateName: OWNER-`, and the controller reference.
 */
export function getPodFromTemplate(template: Readonly<PodTemplate>, owner: Readonly<KubeObject>, controllerRef: OwnerReference | undefined): KubeObject {
  const t = structuredClone(template) as PodTemplate;
  const metadata: KubeObject['metadata'] = {
    generateName: `${owner.metadata?.name}-`,
    namespace: owner.metadata?.namespace,
    labels: t.metadata?.labels ?? {},
  };
  if (t.metadata?.annotations) metadata.annotations = t.metadata.annotations;
  if (t.metadata?.finalizers) metadata.finalizers = t.metadata.finalizers;
  if (controllerRef) metadata.ownerReferences = [controllerRef];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: t.spec ?? {} };
}

/** PodControl is how controllers create and delete pods (upstream's PodControlInterface); FakePodControl records calls in tests. */
export interface PodControl {
  /** createPods creates one pod from template, owned by controllerRef; events on owner. Returns the created pod. */
  createPods(namespace: string, template: Readonly<PodTemplate>, owner: Readonly<KubeObject>, controllerRef: OwnerReference, mutate?: (pod: KubeObject) => void): Promise<KubeObject>;
  /** deletePod deletes one pod; events on owner. A pod already gone is not an error. */
  deletePod(namespace: string, name: string, owner: Readonly<KubeObject>): Promise<void>;
  /** patchPod applies a strategic merge patch to a pod (adoption, release). */
  patchPod(namespace: string, name: string, patch: unknown): Promise<void>;
}

/** RealPodControl talks to the API server and records Kubernetes' events (SuccessfulCreate, FailedCreate, SuccessfulDelete, FailedDelete). */
export class RealPodControl implements PodControl {
  constructor(private readonly client: Client, private readonly recorder: EventRecorder) {}

  async createPods(namespace: string, template: Readonly<PodTemplate>, owner: Readonly<KubeObject>, controllerRef: OwnerReference, mutate?: (pod: KubeObject) => void): Promise<KubeObject> {
    const pod = getPodFromTemplate(template, owner, controllerRef);
    mutate?.(pod);
    if (Object.keys(pod.metadata?.labels ?? {}).length === 0) throw new Error('unable to create pods, no labels');
    try {
      const created = await this.client.create(Resources.pods, namespace, pod);
      this.recorder.event(owner as KubeObject, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
      return created;
    } catch (e) {
      // A namespace being deleted refuses creates; that is expected and not worth an event.
      if (!(e instanceof StatusError && e.code === 403 && /being terminated/.test(e.message))) {
        this.recorder.event(owner as KubeObject, 'Warning', 'FailedCreate', `Error creating: ${e instanceof Error ? e.message : String(e)}`);
      }
      throw e;
    }
  }

  async deletePod(namespace: string, name: string, owner: Readonly<KubeObject>): Promise<void> {
    try {
      await this.client.delete(Resources.pods, namespace, name);
      this.recorder.event(owner as KubeObject, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      this.recorder.event(owner as KubeObject, 'Warning', 'FailedDelete', `Error deleting: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }

  async patchPod(namespace: string, name: string, patch: unknown): Promise<void> {
    await this.client.patch(Resources.pods, namespace, name, patch, 'strategic');
  }
}

/** FakePodControl records what a controller asked for, for unit tests; `createError`/`deleteError` make calls fail. */
export class FakePodControl implements PodControl {
  readonly created: KubeObject[] = [];
  readonly deleted: string[] = [];
  readonly patches: { name: string; patch: unknown }[] = [];
  createError?: Error;
  deleteError?: Error;
  /** createLimit makes creates fail after this many (slow-start tests) */
  createLimit = Infinity;
  private seq = 0;

  async createPods(namespace: string, template: Readonly<PodTemplate>, owner: Readonly<KubeObject>, controllerRef: OwnerReference, mutate?: (pod: KubeObject) => void): Promise<KubeObject> {
    if (this.createError || this.created.length >= this.createLimit) throw this.createError ?? new Error('create limit reached');
    const pod = getPodFromTemplate(template, owner, controllerRef);
    mutate?.(pod);
    pod.metadata!.name ??= `${pod.metadata!.generateName}${String(this.seq++).padStart(5, '0')}`;
    pod.metadata!.namespace = namespace;
    this.created.push(pod);
    return pod;
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    if (this.deleteError) throw this.deleteError;
    this.deleted.push(`${namespace}/${name}`);
  }

  async patchPod(_namespace: string, name: string, patch: unknown): Promise<void> { this.patches.push({ name, patch }); }

  /** clear forgets recorded calls. */
  clear(): void { this.created.length = 0; this.deleted.length = 0; this.patches.length = 0; }
}
