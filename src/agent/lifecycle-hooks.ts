import type { LifecycleHandler } from 'kubernetes-types/core/v1.js';
import { runProbe, type ProbeTarget } from './prober/runners.js';

/** HookResult is one lifecycle hook run: ok, or the kubelet's message of its failure. */
export interface HookResult { ok: boolean; message: string }

/**
 * runLifecycleHandler runs a postStart/preStop handler as the kubelet's handlerRunner: exec in the
 * container, or an HTTP GET (host defaults to the pod's address), waiting at most timeoutMs.
 * A failed exec's output and a failed request's error make the message the events carry.
 */
export async function runLifecycleHandler(h: LifecycleHandler, target: ProbeTarget, timeoutMs: number): Promise<HookResult> {
  if (h.sleep) {
    await new Promise((r) => setTimeout(r, Math.min(h.sleep!.seconds * 1000, timeoutMs)));
    return { ok: true, message: '' };
  }
  if (!h.exec && !h.httpGet && !h.tcpSocket) return { ok: false, message: 'invalid handler: no exec, httpGet or sleep action' };
  const timeoutSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const r = await runProbe({ exec: h.exec, httpGet: h.httpGet, tcpSocket: h.tcpSocket, timeoutSeconds }, target);
  if (r.ok) return { ok: true, message: '' };
  if (h.exec) return { ok: false, message: `Exec lifecycle hook (${JSON.stringify(h.exec.command ?? [])}) for Container failed - error: command '${(h.exec.command ?? []).join(' ')}' exited with non-zero code, message: ${JSON.stringify(r.output)}` };
  if (h.httpGet) return { ok: false, message: `HTTP lifecycle hook (${h.httpGet.path ?? ''}) for Container failed - error: ${r.output}` };
  return { ok: false, message: r.output };
}
