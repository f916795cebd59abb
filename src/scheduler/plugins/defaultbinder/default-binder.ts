/** DefaultBinder binds a pod by POSTing a Binding to pods/binding. */
import type { Client } from '../../../client/types.js';
import { Resources } from '../../../client/types.js';
import type { BindPlugin } from '../../framework/interface.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { asStatus, type MaybeStatus } from '../../framework/status.js';
import { Names } from '../names.js';

/** DefaultBinder is the default Bind plugin. */
export class DefaultBinder implements BindPlugin {
  readonly name = Names.DefaultBinder;

  constructor(private readonly client: Client) {}

  /** bind creates the pod's Binding (with its UID, so a re-created pod of the same name is not bound by mistake). */
  async bind(_state: unknown, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    try {
      await this.client.createSubresource(Resources.pods, pod.namespace, pod.name, 'binding', {
        apiVersion: 'v1', kind: 'Binding',
        metadata: { namespace: pod.namespace, name: pod.name, ...(pod.pod.metadata?.uid ? { uid: pod.pod.metadata.uid } : {}) },
        target: { kind: 'Node', name: nodeName },
      });
      return undefined;
    } catch (e) {
      return asStatus(e);
    }
  }
}
