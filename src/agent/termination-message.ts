import fs from 'node:fs';
import { parseCriLine } from '../runtime/cri-log.js';

/** MAX_TERMINATION_MESSAGE_BYTES is kubelet's MaxContainerTerminationMessageLength: what is read of the file (its end). */
export const MAX_TERMINATION_MESSAGE_BYTES = 4 * 1024;
/** kubelet's MaxContainerTerminationMessageLogLines / LogLength: what FallbackToLogsOnError takes of the log's end. */
export const MAX_TERMINATION_LOG_LINES = 80;
export const MAX_TERMINATION_LOG_BYTES = 2 * 1024;

/** DEFAULT_TERMINATION_MESSAGE_PATH is where a container writes its termination message unless it says otherwise. */
export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';

/**
 * terminationMessage is what kubelet reports as state.terminated.message of an exited container:
 * the end of the file mounted at its terminationMessagePath; with FallbackToLogsOnError, when that
 * is empty and the container failed (exit code not 0), the end of its log instead. undefined: none.
 */
export function terminationMessage(o: { file?: string; policy?: string; exitCode: number; logPath: string }): string | undefined {
  const fallback = o.policy === 'FallbackToLogsOnError' && o.exitCode !== 0;
  let msg = '';
  if (o.file) {
    try {
      msg = readTail(o.file, MAX_TERMINATION_MESSAGE_BYTES);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `Error on reading termination log ${o.file}: ${(e as Error).message}`;
    }
  }
  if (!msg && fallback) msg = lastLogLines(o.logPath, MAX_TERMINATION_LOG_LINES, MAX_TERMINATION_LOG_BYTES);
  return msg || undefined;
}

/** readTail reads at most max bytes from the end of a file. */
function readTail(file: string, max: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const n = Math.min(size, max);
    const buf = Buffer.alloc(n);
    fs.readSync(fd, buf, 0, n, size - n);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** lastLogLines is the container's output (both streams) from its CRI log: the last lines, at most maxBytes. */
function lastLogLines(logPath: string, lines: number, maxBytes: number): string {
  let text = '';
  try { text = fs.readFileSync(logPath, 'utf8'); } catch { return ''; }
  let out = '';
  for (const l of text.split('\n')) {
    const r = parseCriLine(l);
    if (r) out += r.partial ? r.message : `${r.message}\n`;
  }
  // The last `lines` lines as written: an unterminated last line stays unterminated.
  const ended = out.endsWith('\n');
  const parts = out.split('\n');
  if (ended) parts.pop();
  const tail = parts.slice(-lines).join('\n') + (ended ? '\n' : '');
  const b = Buffer.from(tail);
  return b.length > maxBytes ? b.subarray(b.length - maxBytes).toString('utf8') : tail;
}
