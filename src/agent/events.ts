import type { KubeObject } from '../api/resource.js';
import { EventRecorder, type EventType } from '../client/events.js';
import type { Client } from '../client/types.js';
import type { Clock } from '../util/clock.js';

export type { EventType };

/** AgentRecorder records events about a pod (or one of its containers, by fieldPath). */
export interface AgentRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

/** KubeletEventRecorder is the client's EventRecorder reporting as kubelet on this node. */
export class KubeletEventRecorder extends EventRecorder implements AgentRecorder {
  constructor(client: Client, nodeName: string, clock: Clock) {
    super(client, { component: 'kubelet', host: nodeName }, clock);
  }
}

/**
 * WarningsOnlyRecorder passes on Warning events only: simulated nodes report no per-pod Normal
 * events (KWOK reports none), which at scale would be most of the agent's requests.
 */
export class WarningsOnlyRecorder implements AgentRecorder {
  constructor(private readonly inner: AgentRecorder) {}

  event(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): void {
    if (type === 'Warning') this.inner.event(obj, type, reason, message, fieldPath);
  }
}
