import type { LifecycleHandler } from 'kubernetes-types/core/v1.js';
import { runProbe, type ProbeTarget } from './prober/runners.js';
import { ExecStartError } from '../runtime/types.js';
import { goQuote } from '../util/go-quote.js';

/** HookResult is one lifecycle hook run: ok, or the kubelet's message of its failure. */
export interface HookResult { ok: boolean; message: string }

/** HookOwner names a hook's container and its pod as the kubelet's messages do (format.Pod: name_namespace(uid)). */
export interface HookOwner { container: string; pod: string }

/**
 * runLifecycleHandler runs a postStart/preStop handler as the kubelet's handlerRunner: exec in the
 * container, or an HTTP GET (host defaults to the pod's address), waiting at most timeoutMs.
 * A failure's message is the kubelet's, which the events carry.
 */
export async function runLifecycleHandler(h: LifecycleHandler, target: ProbeTarget, timeoutMs: number, owner: HookOwner): Promise<HookResult> {
  if (h.sleep) {
    await new Promise((r) => setTimeout(r, Math.min(h.sleep!.seconds * 1000, timeoutMs)));
    return { ok: true, message: '' };
  }
  if (!h.exec && !h.httpGet && !h.tcpSocket) return { ok: false, message: 'invalid handler: no exec, httpGet or sleep action' };
  const who = `for Container ${goQuote(owner.container)} in Pod ${goQuote(owner.pod)}`;
  if (h.exec) {
    const argv = h.exec.command ?? [];
    const failed = (err: string, output: string) => ({ ok: false, message: `Exec lifecycle hook ([${argv.join(' ')}]) ${who} failed - error: ${err}, message: ${goQuote(output)}` });
    let r: Awaited<ReturnType<ProbeTarget['exec']>>;
    try {
      r = await target.exec(argv, timeoutMs);
    } catch (e) {
      if (!(e instanceof ExecStartError)) throw e;
      return failed(`rpc error: code = Unknown desc = ${e.runtimeMessage()}`, '');
    }
    if (r.exitCode === 0 && !r.timedOut) return { ok: true, message: '' };
    if (r.timedOut) return failed(`command '${argv.join(' ')}' timed out`, r.output);
    // The CRI's error carries the command's stderr; the exec here gives stdout and stderr as one
    // output, which stands for it (a failing command usually writes to stderr alone).
    return failed(`command '${argv.join(' ')}' exited with ${r.exitCode}: ${r.output}`, r.output);
  }
  const timeoutSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const r = await runProbe({ httpGet: h.httpGet, tcpSocket: h.tcpSocket, timeoutSeconds }, target);
  if (r.ok) return { ok: true, message: '' };
  if (h.httpGet) return { ok: false, message: `HTTP lifecycle hook (${h.httpGet.path ?? ''}) ${who} failed - error: ${r.output}` };
  return { ok: false, message: r.output };
}
