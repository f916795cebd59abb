import { pino, type Logger as PinoLogger } from 'pino';

/**
 * Logger is the one structured, leveled logger every component shares (klog's shape on pino):
 * `log.info(msg, fields)`, `log.error(err, msg, fields)` (errors are always logged), and
 * Kubernetes-style verbosity: `log.v(4).info(...)` prints only at `-v 4` or higher.
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(err: unknown, msg: string, fields?: Record<string, unknown>): void;
  /** v returns a logger that prints only when the configured verbosity is at least level. */
  v(level: number): Pick<Logger, 'info'>;
  /** child adds fields (component, node, controller …) to every line. */
  child(fields: Record<string, unknown>): Logger;
}

/** LogOptions configure the process-wide logger (see configureLogging). */
export interface LogOptions {
  /** verbosity, as kubectl/klog's -v: 0 (default) … 10 */
  verbosity?: number;
  /** 'text' (one readable line, the default) or 'json' */
  format?: 'text' | 'json';
  /** lowest level printed (default info); `silent` turns logging off (tests) */
  level?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** where lines go (default stderr) */
  destination?: NodeJS.WritableStream;
}

let verbosity = 0;
let root: PinoLogger = makePino({});

function makePino(o: LogOptions): PinoLogger {
  const dest = o.destination ?? process.stderr;
  const level = o.level ?? 'debug';
  if (o.format === 'json') return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, dest as never);
  return pino({ level, base: undefined, timestamp: false }, { write: (line: string) => { dest.write(textLine(line)); } } as never);
}

/** textLine turns one pino JSON line into `I1127 08:57:51.123 component msg key=value …` (klog's look). */
export function textLine(jsonLine: string): string {
  let rec: Record<string, unknown>;
  try { rec = JSON.parse(jsonLine) as Record<string, unknown>; } catch { return jsonLine; }
  const { level, msg, time: _t, err, ...rest } = rec;
  const mark = typeof level === 'number' ? (level >= 50 ? 'E' : level >= 40 ? 'W' : 'I') : 'I';
  const d = new Date();
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${pad(d.getMonth() + 1)}${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`);
  const errText = err && typeof err === 'object' ? ` err=${JSON.stringify((err as { message?: string }).message ?? err)}` : '';
  return `${mark}${stamp} ${String(msg ?? '')}${fields.length ? ' ' + fields.join(' ') : ''}${errText}\n`;
}

/** configureLogging sets format, level and verbosity for every logger of the process (cli flags). */
export function configureLogging(o: LogOptions): void {
  verbosity = o.verbosity ?? 0;
  root = makePino(o);
}

function wrap(get: () => PinoLogger): Logger {
  return {
    info: (msg, fields) => get().info(fields ?? {}, msg),
    warn: (msg, fields) => get().warn(fields ?? {}, msg),
    error: (err, msg, fields) => get().error({ ...fields, err: err instanceof Error ? { message: err.message, stack: err.stack } : err }, msg),
    v: (level) => ({ info: (msg, fields) => { if (verbosity >= level) get().info({ ...fields, v: level }, msg); } }),
    child: (fields) => {
      // Children are resolved lazily so configureLogging after import still applies.
      let cached: PinoLogger | undefined;
      let cachedRoot: PinoLogger | undefined;
      return wrap(() => {
        const r = get();
        if (cachedRoot !== r || !cached) { cached = r.child(fields); cachedRoot = r; }
        return cached;
      });
    },
  };
}

/** log is the process-wide root logger; components take `log.child({ component: '…' })`. */
export const log: Logger = wrap(() => root);
