import type { KubeObject } from '../api/resource.js';
import { StatusError } from '../apimachinery/errors.js';
import type { Clock } from '../util/clock.js';
import { Resources, type Client } from './types.js';

/** EventSource names who reports (core/v1 Event.source and reportingComponent). */
export interface EventSource { component: string; host?: string }

function rfc3339(d: Date): string { return d.toISOString().replace(/\.\d{3}Z$/, 'Z'); }

/**
 * EventRecorder writes core/v1 Events as client-go's recorder does: one Event per (object, type,
 * reason, message), named `<object>.<hex nanoseconds>`; a repeat bumps count and lastTimestamp.
 * Fire-and-forget: failures are logged, never thrown.
 */
export class EventRecorder {
  private readonly seen = new Map<string, { name: string; namespace: string; count: number }>();

  constructor(private readonly client: Client, private readonly source: EventSource, private readonly clock: Clock) {}

  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void {
    void this.record(obj, type, reason, message, fieldPath).catch((e) => console.error(`event ${reason} not recorded:`, e instanceof Error ? e.message : e));
  }

  private async record(obj: KubeObject, type: string, reason: string, message: string, fieldPath?: string): Promise<void> {
    const m = obj.metadata ?? {};
    const namespace = m.namespace || 'default';
    const key = [m.uid, fieldPath ?? '', type, reason, message].join('|');
    const now = rfc3339(this.clock.now());
    const prev = this.seen.get(key);
    if (prev) {
      prev.count++;
      try {
        await this.client.patch(Resources.events, prev.namespace, prev.name, { count: prev.count, lastTimestamp: now }, 'merge');
        return;
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
    }
    const name = `${m.name}.${(BigInt(this.clock.now().getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`;
    const involvedObject: Record<string, unknown> = {
      kind: obj.kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: obj.apiVersion, resourceVersion: m.resourceVersion,
    };
    if (fieldPath) involvedObject.fieldPath = fieldPath;
    await this.client.create(Resources.events, namespace, {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name, namespace },
      involvedObject, reason, message, type,
      source: { component: this.source.component, ...(this.source.host ? { host: this.source.host } : {}) },
      firstTimestamp: now, lastTimestamp: now, count: 1,
      reportingComponent: this.source.component, reportingInstance: this.source.host ?? '',
    });
    this.seen.set(key, { name, namespace, count: 1 });
    if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value!);
  }
}
