import type { KubeObject } from '../api/resource.js';
import { Resources, type Client } from '../client/types.js';
import type { Clock } from '../util/clock.js';

/** EventType is Normal or Warning. */
export type EventType = 'Normal' | 'Warning';

/** AgentRecorder records events about a pod (or one of its containers, by fieldPath). */
export interface AgentRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

/**
 * KubeletEventRecorder writes core/v1 Events as kubelet does (source.component "kubelet",
 * source.host = node), folding repeats of the same (object, fieldPath, reason, message) into one
 * Event whose count grows, so `kubectl describe` shows "(x6 over 2m58s)".
 */
export class KubeletEventRecorder implements AgentRecorder {
  private readonly seen = new Map<string, { name: string; namespace: string; count: number; first: string }>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: Client, private readonly nodeName: string, private readonly clock: Clock) {}

  event(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const md = obj.metadata ?? {};
    const namespace = md.namespace ?? 'default';
    const key = [md.uid, fieldPath ?? '', type, reason, message].join('\u0000');
    const now = this.clock.now().toISOString().replace(/\.\d+Z$/, 'Z');
    this.chain = this.chain.then(() => this.write(obj, namespace, key, type, reason, message, fieldPath, now)).catch(() => undefined);
  }

  /** flush resolves when queued writes are done (tests). */
  flush(): Promise<unknown> { return this.chain; }

  private async write(obj: KubeObject, namespace: string, key: string, type: EventType, reason: string, message: string, fieldPath: string | undefined, now: string): Promise<void> {
    const prev = this.seen.get(key);
    if (prev) {
      prev.count++;
      try {
        await this.client.patch(Resources.events, prev.namespace, prev.name, { count: prev.count, lastTimestamp: now }, 'merge');
        return;
      } catch { this.seen.delete(key); }
    }
    const md = obj.metadata ?? {};
    const name = `${md.name}.${(BigInt(Date.parse(now)) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`;
    const ev: KubeObject = {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion ?? 'v1', kind: obj.kind ?? 'Pod', name: md.name, namespace: md.namespace, uid: md.uid,
        resourceVersion: md.resourceVersion, ...(fieldPath ? { fieldPath } : {}),
      },
      reason, message, type, count: 1, firstTimestamp: now, lastTimestamp: now, eventTime: null,
      source: { component: 'kubelet', host: this.nodeName },
      reportingComponent: 'kubelet', reportingInstance: this.nodeName,
    };
    await this.client.create(Resources.events, namespace, ev);
    this.seen.set(key, { name, namespace, count: 1, first: now });
    if (this.seen.size > 5000) this.seen.delete(this.seen.keys().next().value as string);
  }
}
