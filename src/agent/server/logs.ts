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
  // The follower keeps its descriptor on the file it read: when the writer rotates it (renames it to
  // FILE.1 and starts FILE afresh) the rest of the old file is still read before moving on.
  let fd: number | undefined;
  try { fd = fs.openSync(file, 'r'); } catch { /* not yet written */ }
  const content = fd === undefined ? '' : readFrom(fd, 0).toString();
  let offset = Buffer.byteLength(content);
  const lastNl = content.lastIndexOf('\n');
  let carry = content.slice(lastNl + 1);
  offset -= Buffer.byteLength(carry);
  let lines = content.slice(0, lastNl + 1).split('\n').filter(Boolean);
  if (opts.tailLines !== undefined) lines = opts.tailLines <= 0 ? [] : lines.slice(-opts.tailLines);
  carry = '';
  for (const l of lines) {
    const r = parseCriLine(l);
    if (r && !emit(r)) return closeFd(fd);
  }
  if (!opts.follow) return closeFd(fd);
  let finished = false;
  void done?.then(() => { finished = true; });
  /** emitText emits the complete lines of text (after what was carried over); false once the budget is spent. */
  const emitText = (buf: Buffer): boolean => {
    const text = carry + buf.toString();
    const nl = text.lastIndexOf('\n');
    carry = text.slice(nl + 1);
    for (const l of text.slice(0, nl + 1).split('\n')) {
      if (!l) continue;
      const r = parseCriLine(l);
      if (r && !emit(r)) return false;
    }
    return true;
  };
  try {
    for (;;) {
      if (closed) return;
      if (fd === undefined) {
        try { fd = fs.openSync(file, 'r'); offset = 0; } catch { /* not yet */ }
      }
      if (fd !== undefined) {
        if (fs.fstatSync(fd).size < offset) offset = 0; // truncated in place
        const buf = readFrom(fd, offset);
        if (buf.length > 0) {
          offset += buf.length;
          if (!emitText(buf)) return;
          continue;
        }
        const ours = fs.fstatSync(fd).ino;
        const current = inode(file);
        if (current !== undefined && current !== ours) {
          // Rotated, and our file is drained. If it rotated more than once meanwhile, FILE.1 is a
          // generation we never opened: read it whole before the new FILE.
          const rotated = inode(`${file}.1`);
          closeFd(fd);
          fd = undefined;
          if (rotated !== undefined && rotated !== ours && rotated !== current) {
            try {
              const older = fs.openSync(`${file}.1`, 'r');
              const ok = emitText(readFrom(older, 0));
              closeFd(older);
              if (!ok) return;
            } catch { /* rotated away again */ }
          }
          continue;
        }
      }
      if (finished) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    closeFd(fd);
  }
}

/** readFrom reads what an open file holds from offset to its current end. */
function readFrom(fd: number, offset: number): Buffer {
  const size = fs.fstatSync(fd).size;
  if (size <= offset) return Buffer.alloc(0);
  const buf = Buffer.alloc(size - offset);
  const n = fs.readSync(fd, buf, 0, buf.length, offset);
  return buf.subarray(0, n);
}

function inode(file: string): number | undefined {
  try { return fs.statSync(file).ino; } catch { return undefined; }
}

function closeFd(fd: number | undefined): void {
  if (fd !== undefined) try { fs.closeSync(fd); } catch { /* already closed */ }
}
