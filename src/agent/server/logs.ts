import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { parseCriLine, type CriRecord } from '../../runtime/cri-log.js';
import { parsePodLogOptions } from '../../apimachinery/query.js';

/** LogOptions are kubelet's containerLogs query parameters. */
export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps?: boolean;
  limitBytes?: number;
}

/** parseLogOptions reads the query string. */
export function parseLogOptions(q: URLSearchParams): LogOptions {
  // The API server has validated these already; parse them the same way.
  const o = parsePodLogOptions(q);
  return { follow: o.follow, timestamps: o.timestamps, tailLines: o.tailLines, sinceSeconds: o.sinceSeconds, limitBytes: o.limitBytes, sinceTime: o.sinceTime };
}

function render(r: CriRecord, ts: boolean): string {
  return `${ts ? r.timestamp + ' ' : ''}${r.message}${r.partial ? '' : '\n'}`;
}

/**
 * streamLog writes a CRI log file to out as `kubectl logs` shows it; with follow it keeps reading
 * new lines until `done` resolves (the container exited) and the file is drained, or out closes.
 */
export async function streamLog(file: string, opts: LogOptions, out: Writable, now: Date, done?: Promise<unknown>): Promise<void> {
  const since = opts.sinceTime ? Date.parse(opts.sinceTime) : opts.sinceSeconds !== undefined ? now.getTime() - opts.sinceSeconds * 1000 : undefined;
  let budget = opts.limitBytes ?? Infinity;
  let closed = false;
  out.once('close', () => { closed = true; });
  const emit = (r: CriRecord): boolean => {
    if (since !== undefined && r.time.getTime() < since) return true;
    let s = render(r, !!opts.timestamps);
    if (Buffer.byteLength(s) > budget) s = Buffer.from(s).subarray(0, budget).toString();
    budget -= Buffer.byteLength(s);
    if (s) out.write(s);
    return budget > 0;
  };
  let content = '';
  try { content = fs.readFileSync(file, 'utf8'); } catch { /* not yet written */ }
  let offset = Buffer.byteLength(content);
  const lastNl = content.lastIndexOf('\n');
  let carry = content.slice(lastNl + 1);
  offset -= Buffer.byteLength(carry);
  let lines = content.slice(0, lastNl + 1).split('\n').filter(Boolean);
  if (opts.tailLines !== undefined) lines = opts.tailLines <= 0 ? [] : lines.slice(-opts.tailLines);
  carry = '';
  for (const l of lines) {
    const r = parseCriLine(l);
    if (r && !emit(r)) return;
  }
  if (!opts.follow) return;
  let finished = false;
  void done?.then(() => { finished = true; });
  for (;;) {
    if (closed) return;
    let size = 0;
    try { size = fs.statSync(file).size; } catch { /* not yet */ }
    if (size < offset) offset = 0; // rotated
    if (size > offset) {
      const fd = fs.openSync(file, 'r');
      const buf = Buffer.alloc(size - offset);
      fs.readSync(fd, buf, 0, buf.length, offset);
      fs.closeSync(fd);
      offset = size;
      const text = carry + buf.toString();
      const nl = text.lastIndexOf('\n');
      carry = text.slice(nl + 1);
      for (const l of text.slice(0, nl + 1).split('\n')) {
        if (!l) continue;
        const r = parseCriLine(l);
        if (r && !emit(r)) return;
      }
      continue;
    }
    if (finished) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
