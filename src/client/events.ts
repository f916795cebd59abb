import type { KubeObject } from '../api/resource.js';
import { rfc3339 } from '../apimachinery/time.js';
import type { Clock } from '../util/clock.js';
import { log } from '../util/log.js';
import { Resources, type Client } from './types.js';

const logger = log.child({ component: 'event-recorder' });

/** EventSource names who reports (core/v1 Event.source and reportingComponent/Instance). */
export interface EventSource { component: string; host?: string }

/** EventType is Normal or Warning. */
export type EventType = 'Normal' | 'Warning';

/**
 * EventRecorder writes core/v1 Events as client-go's recorder does: one Event per (object,
 * fieldPath, type, reason, message), named `<object>.<hex nanoseconds>`; a repeat bumps count and
 * lastTimestamp, so `kubectl describe` shows "(x6 over 2m58s)". Writes are queued in order and
 * never throw: events are best effort.
 */
export class EventRecorder {
  private readonly seen = new Map<string, { name: string; namespace: string; count: number }>();
  private chain: Promise<unknown> = Promise.resolve();
  /** seq orders events recorded within one millisecond (starts anywhere so two recorders rarely collide) */
  private seq = Math.floor(Math.random() * 1_000_000);

  constructor(private readonly client: Client, private readonly source: EventSource, private readonly clock: Clock) {}

  /** event records that `reason` happened to obj (or to one of its containers, by fieldPath). */
  event(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const at = this.clock.now();
    // Names sort in the order events happened, as client-go's nanosecond names do (describe lists them by name).
    const nanos = BigInt(at.getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    this.chain = this.chain.then(() => this.write(obj, type, reason, message, fieldPath, rfc3339(at), nanos)).catch((e) => {
      logger.v(2).info('Unable to write event (may retry after sleeping)', { reason, object: `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`, err: e instanceof Error ? e.message : String(e) });
    });
  }

  /** flush resolves when queued writes are done (tests). */
  flush(): Promise<unknown> { return this.chain; }

  private async write(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath: string | undefined, now: string, nanos: bigint): Promise<void> {
    const md = obj.metadata ?? {};
    const namespace = md.namespace || 'default';
    const key = [md.uid, fieldPath ?? '', type, reason, message].join('\u0000');
    const prev = this.seen.get(key);
    if (prev) {
      prev.count++;
      try {
        await this.client.patch(Resources.events, prev.namespace, prev.name, { count: prev.count, lastTimestamp: now }, 'merge');
        return;
      } catch { this.seen.delete(key); }
    }
    const name = `${md.name}.${nanos.toString(16)}`;
    const ev: KubeObject = {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion ?? 'v1', kind: obj.kind ?? 'Pod', name: md.name, namespace: md.namespace, uid: md.uid,
        resourceVersion: md.resourceVersion, ...(fieldPath ? { fieldPath } : {}),
      },
      reason, message, type, count: 1, firstTimestamp: now, lastTimestamp: now, eventTime: null,
      source: { component: this.source.component, ...(this.source.host ? { host: this.source.host } : {}) },
      reportingComponent: this.source.component, reportingInstance: this.source.host ?? '',
    };
    await this.client.create(Resources.events, namespace, ev);
    this.seen.set(key, { name, namespace, count: 1 });
    if (this.seen.size > 5000) this.seen.delete(this.seen.keys().next().value as string);
  }
}
