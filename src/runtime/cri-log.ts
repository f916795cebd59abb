import fs from 'node:fs';
import path from 'node:path';
import { rfc3339Nano } from '../apimachinery/time.js';

/**
 * CRI log format (what containerd and CRI-O write and kubelet reads): one line per record,
 * `TIMESTAMP STREAM TAG MESSAGE`, TAG "F" for a full line and "P" for a partial one.
 */

/** CriStream is the stream a record came from. */
export type CriStream = 'stdout' | 'stderr';

/** CriRecord is one parsed log line. */
export interface CriRecord {
  time: Date;
  /** the timestamp as written (RFC3339 with nanoseconds) */
  timestamp: string;
  stream: CriStream;
  partial: boolean;
  message: string;
}

/** DEFAULT_MAX_LOG_BYTES is kubelet's containerLogMaxSize default (10Mi). */
export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024;
const MAX_LINE = 16 * 1024;

/** criTimestamp formats a time as RFC3339 with nanosecond digits, as containerd does. */
export function criTimestamp(d: Date): string {
  return rfc3339Nano(d);
}

/** parseCriLine parses one log line; undefined for a malformed line. */
export function parseCriLine(line: string): CriRecord | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const timestamp = line.slice(0, a);
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const message = c < 0 ? '' : line.slice(c + 1);
  const time = new Date(timestamp);
  if (Number.isNaN(time.getTime())) return undefined;
  return { time, timestamp, stream, partial: tag.startsWith('P'), message };
}

/**
 * CriLogWriter turns a container's stdout/stderr bytes into CRI log lines in one file, rotating
 * it (to `file.1`) when it grows past maxBytes. Writes are synchronous so records keep their order.
 */
export class CriLogWriter {
  private fd: number;
  private size: number;
  private pending: Record<CriStream, string> = { stdout: '', stderr: '' };

  constructor(readonly file: string, private readonly maxBytes = DEFAULT_MAX_LOG_BYTES, private readonly now: () => Date = () => new Date()) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
    this.size = fs.fstatSync(this.fd).size;
  }

  /** write appends a chunk of one stream; complete lines become F records. */
  write(stream: CriStream, chunk: Buffer | string): void {
    let text = this.pending[stream] + chunk.toString();
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      this.record(stream, text.slice(0, nl), false);
      text = text.slice(nl + 1);
    }
    while (text.length > MAX_LINE) {
      this.record(stream, text.slice(0, MAX_LINE), true);
      text = text.slice(MAX_LINE);
    }
    this.pending[stream] = text;
  }

  /** flush writes any unterminated text as a partial record. */
  flush(): void {
    for (const s of ['stdout', 'stderr'] as const) {
      if (this.pending[s]) this.record(s, this.pending[s], true);
      this.pending[s] = '';
    }
  }

  /** close flushes and closes the file. */
  close(): void {
    this.flush();
    try { fs.closeSync(this.fd); } catch { /* already closed */ }
  }

  private record(stream: CriStream, message: string, partial: boolean): void {
    const line = `${criTimestamp(this.now())} ${stream} ${partial ? 'P' : 'F'} ${message}\n`;
    const buf = Buffer.from(line);
    if (this.size + buf.length > this.maxBytes && this.size > 0) this.rotate();
    fs.writeSync(this.fd, buf);
    this.size += buf.length;
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    fs.renameSync(this.file, `${this.file}.1`);
    this.fd = fs.openSync(this.file, 'a');
    this.size = 0;
  }
}
