import fs from 'node:fs';

/**
 * STARTUP_TRACE_FILE: when TSKUBE_STARTUP_TRACE names a file, each pod start's stages are appended
 * to it as "epochMs podUid stage" lines (a developer's profile of create → Running; off otherwise):
 * informer (the agent first sees the pod), sync, volumes, sandbox, created, started, patch:PHASE
 * and patched:PHASE (the status PATCH sent and answered). The first line of each stage counts.
 */
const STARTUP_TRACE_FILE = process.env.TSKUBE_STARTUP_TRACE;

/** traceStartup records that a pod reached a stage of its start (no-op unless tracing is on). */
export function traceStartup(podUid: string | undefined, stage: string): void {
  if (!STARTUP_TRACE_FILE || !podUid) return;
  const t = performance.timeOrigin + performance.now();
  try { fs.appendFileSync(STARTUP_TRACE_FILE, `${t.toFixed(2)} ${podUid} ${stage}\n`); } catch { /* tracing is best effort */ }
}
