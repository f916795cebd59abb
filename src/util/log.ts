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
  /** debug is for developer traces; printed only with `--log-level debug`. */
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** v returns a logger that prints only when the configured verbosity is at least level. */
  v(level: number): VerboseLogger;
  /** child adds fields (component, node, controller …) to every line. */
  child(fields: Record<string, unknown>): Logger;
}

/** VerboseLogger is what `log.v(n)` returns (klog's Verbose): info lines gated by `-v`. */
export interface VerboseLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  /** enabled tells whether lines at this verbosity print (skip building costly fields when not). */
  enabled(): boolean;
}

/** LogLevel is the lowest severity printed (`--log-level`); `silent` turns logging off (tests). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** LogFormat is `--log-format`: one readable line per entry, or one JSON object per line. */
export type LogFormat = 'text' | 'json';

/** LogOptions configure the process-wide logger (see configureLogging). */
export interface LogOptions {
  /** verbosity, as kubectl/klog's -v: 0 (default) … 10 */
  verbosity?: number;
  /** 'text' (one readable line, the default) or 'json' */
  format?: LogFormat;
  /** lowest level printed (default info); `silent` turns logging off (tests) */
  level?: LogLevel;
  /** where lines go (default stderr) */
  destination?: NodeJS.WritableStream;
}

/** LOG_LEVELS are the values `--log-level` accepts. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
/** LOG_FORMATS are the values `--log-format` accepts. */
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

let verbosity = 0;
let textStacks = false;
let root: PinoLogger = makePino({});
/** what configureLogging was last given, without the destination (a worker thread logs the same way) */
let configured: Omit<LogOptions, 'destination'> = {};

function makePino(o: LogOptions): PinoLogger {
  const dest = o.destination ?? process.stderr;
  const level = o.level ?? 'info';
  if (o.format === 'json') {
    return pino({
      level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    }, dest as never);
  }
  // Text lines are rendered from pino's JSON by textLine; pino's epoch-ms `time` gives the stamp.
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.epochTime }, {
    write: (line: string) => { dest.write(textLine(line, { stacks: textStacks })); },
  } as never);
}

const MARKS: [number, string][] = [[50, 'E'], [40, 'W'], [30, 'I'], [0, 'D']];

/**
 * textLine turns one pino JSON line into klog's look:
 * `I1127 08:57:51.123 replicaset-controller] synced key=default/web err="boom"`.
 * The first letter is the severity (E, W, I; D for debug), then local month/day and time, the
 * component when there is one, the message and the fields. With `stacks`, an error's stack follows
 * on indented lines (`-v 4` and up).
 */
export function textLine(jsonLine: string, o: { stacks?: boolean } = {}): string {
  let rec: Record<string, unknown>;
  try { rec = JSON.parse(jsonLine) as Record<string, unknown>; } catch { return jsonLine; }
  // `v` is kept in JSON (klog's key) but left out of the readable line.
  const { level, msg, time, err, component, v: _v, ...rest } = rec;
  const mark = typeof level === 'number' ? MARKS.find(([min]) => level >= min)![1] : 'I';
  const d = typeof time === 'number' ? new Date(time) : new Date();
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${pad(d.getMonth() + 1)}${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  const head = component !== undefined ? ` ${String(component)}]` : '';
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${fieldText(v)}`);
  let errText = '';
  let stack = '';
  if (err !== undefined) {
    const e = err as { message?: unknown; stack?: unknown };
    errText = ` err=${JSON.stringify(typeof err === 'object' && err !== null && e.message !== undefined ? String(e.message) : err)}`;
    if (o.stacks && typeof e?.stack === 'string') stack = e.stack.split('\n').slice(1).map((l) => `\t${l.trim()}\n`).join('');
  }
  return `${mark}${stamp}${head} ${String(msg ?? '')}${fields.length ? ' ' + fields.join(' ') : ''}${errText}\n${stack}`;
}

/** fieldText writes a field value: plain when it is a word, JSON (quoted) otherwise. */
function fieldText(v: unknown): string {
  if (typeof v === 'string') return v !== '' && !/[\s"=]/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** configureLogging sets format, level and verbosity for every logger of the process (cli flags). */
export function configureLogging(o: LogOptions): void {
  configured = { verbosity: o.verbosity, format: o.format, level: o.level };
  verbosity = o.verbosity ?? 0;
  textStacks = verbosity >= 4;
  root = makePino(o);
}

/** loggingOptions is the level, format and verbosity in force (what a worker thread is configured with). */
export function loggingOptions(): Omit<LogOptions, 'destination'> {
  return { ...configured };
}

/**
 * parseLogFlags checks the command-line values of `-v`, `--log-level` and `--log-format` and turns
 * them into LogOptions; a bad value throws with the accepted ones (the CLI prints it and exits 1).
 */
export function parseLogFlags(flags: { v?: string | number; logLevel?: string; logFormat?: string }): LogOptions {
  const out: LogOptions = {};
  if (flags.v !== undefined) {
    const n = Number(flags.v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`invalid argument "${flags.v}" for "-v, --v": must be a non-negative integer`);
    out.verbosity = n;
  }
  if (flags.logLevel !== undefined) {
    if (!(LOG_LEVELS as readonly string[]).includes(flags.logLevel)) throw new Error(`invalid argument "${flags.logLevel}" for "--log-level": must be one of ${LOG_LEVELS.join(', ')}`);
    out.level = flags.logLevel as LogLevel;
  }
  if (flags.logFormat !== undefined) {
    if (!(LOG_FORMATS as readonly string[]).includes(flags.logFormat)) throw new Error(`invalid argument "${flags.logFormat}" for "--log-format": must be one of ${LOG_FORMATS.join(', ')}`);
    out.format = flags.logFormat as LogFormat;
  }
  return out;
}

function wrap(get: () => PinoLogger): Logger {
  return {
    info: (msg, fields) => get().info(fields ?? {}, msg),
    warn: (msg, fields) => get().warn(fields ?? {}, msg),
    debug: (msg, fields) => get().debug(fields ?? {}, msg),
    // pino's err serializer keeps an Error's type, message, stack, cause and own fields (code, reason).
    error: (err, msg, fields) => get().error({ ...fields, err }, msg),
    v: (level) => ({
      enabled: () => verbosity >= level,
      info: (msg, fields) => { if (verbosity >= level) get().info({ ...fields, v: level }, msg); },
    }),
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
