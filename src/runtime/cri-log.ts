import { createRequire } from 'node:module';
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

/** CriLogWriter writes one container's CRI log file (see cri-log-writer.cjs, which the container shim loads too). */
export interface CriLogWriter {
  readonly file: string;
  /** write appends a chunk of one stream; complete lines become F records. */
  write(stream: CriStream, chunk: Buffer | string): void;
  /** flush writes any unterminated text as a partial record. */
  flush(): void;
  /** close flushes and closes the file. */
  close(): void;
}

const writerModule = createRequire(import.meta.url)('./cri-log-writer.cjs') as {
  CriLogWriter: new (file: string, maxBytes?: number, now?: () => Date) => CriLogWriter;
  DEFAULT_MAX_LOG_BYTES: number;
};

/** CriLogWriter(file, maxBytes = DEFAULT_MAX_LOG_BYTES, now): the file's writer, rotated to `file.1` past maxBytes. */
export const CriLogWriter = writerModule.CriLogWriter;
/** DEFAULT_MAX_LOG_BYTES is kubelet's containerLogMaxSize default (10Mi). */
export const DEFAULT_MAX_LOG_BYTES = writerModule.DEFAULT_MAX_LOG_BYTES;
