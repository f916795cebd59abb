import { badRequest } from './errors.js';
import { goQuote } from '../util/go-quote.js';

/**
 * Query parameters as Kubernetes decodes them (apimachinery's url.Values conversions), in one
 * place for the API server and the node agent:
 * - a repeated parameter: the first value counts (labelSelector given twice), except list-typed
 *   ones such as exec's `command`, which take every value in order;
 * - booleans: absent → false; "0" or "false" in any letter case → false; anything else, the empty
 *   string included, → true (so Python's `watch=True` and `stdout=True` are true);
 * - integers: strconv.ParseInt's rules (optional sign, decimal digits, 64-bit range), a bad value
 *   is 400 BadRequest with Go's message, e.g. `strconv.ParseInt: parsing "abc": invalid syntax`;
 * - unknown parameters are ignored.
 */

/** queryBool reads a boolean parameter. */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** queryOptionalBool is queryBool, but undefined when the parameter is absent (pointer fields). */
export function queryOptionalBool(q: URLSearchParams, name: string): boolean | undefined {
  return q.has(name) ? queryBool(q, name) : undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** parseInt64 parses as Go's strconv.ParseInt(s, 10, 64), throwing 400 with its message. */
export function parseInt64(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw badRequest(`strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n < INT64_MIN || n > INT64_MAX) throw badRequest(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  return Number(n);
}

/** queryInt reads an integer parameter; undefined when absent. An empty value is invalid syntax, as in Go. */
export function queryInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return parseInt64(v);
}

/** queryString reads the first value of a parameter; undefined when absent. */
export function queryString(q: URLSearchParams, name: string): string | undefined {
  return q.get(name) ?? undefined;
}

/** queryStrings reads every value of a list-typed parameter, in order. */
export function queryStrings(q: URLSearchParams, name: string): string[] {
  return q.getAll(name);
}

/** PodLogOptions are the query parameters of pods/log (core/v1 PodLogOptions). */
export interface PodLogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  sinceTime?: string;
  tailLines?: number;
  limitBytes?: number;
  insecureSkipTLSVerifyBackend: boolean;
}

/** parsePodLogOptions decodes and validates pods/log's query as the API server does. */
export function parsePodLogOptions(q: URLSearchParams): PodLogOptions {
  const o: PodLogOptions = {
    container: queryString(q, 'container'),
    follow: queryBool(q, 'follow'),
    previous: queryBool(q, 'previous'),
    timestamps: queryBool(q, 'timestamps'),
    sinceSeconds: queryInt(q, 'sinceSeconds'),
    sinceTime: queryString(q, 'sinceTime'),
    tailLines: queryInt(q, 'tailLines'),
    limitBytes: queryInt(q, 'limitBytes'),
    insecureSkipTLSVerifyBackend: queryBool(q, 'insecureSkipTLSVerifyBackend'),
  };
  const causes: string[] = [];
  if (o.tailLines !== undefined && o.tailLines < 0) causes.push('tailLines: Invalid value: ' + o.tailLines + ': must be greater than or equal to 0');
  if (o.limitBytes !== undefined && o.limitBytes < 1) causes.push('limitBytes: Invalid value: ' + o.limitBytes + ': must be greater than 0');
  if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) causes.push('sinceSeconds: Invalid value: ' + o.sinceSeconds + ': must be greater than 0');
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined) causes.push('sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (o.sinceTime !== undefined && Number.isNaN(Date.parse(o.sinceTime))) {
    throw badRequest(`parsing time ${goQuote(o.sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse ${goQuote(o.sinceTime)} as "2006"`);
  }
  if (causes.length) throw badRequest(causes.length === 1 ? causes[0] : `[${causes.join(', ')}]`);
  return o;
}

/** podLogQuery renders log options for the node agent (only what is set). */
export function podLogQuery(o: PodLogOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (o.follow) q.set('follow', 'true');
  if (o.previous) q.set('previous', 'true');
  if (o.timestamps) q.set('timestamps', 'true');
  if (o.sinceSeconds !== undefined) q.set('sinceSeconds', String(o.sinceSeconds));
  if (o.sinceTime !== undefined) q.set('sinceTime', o.sinceTime);
  if (o.tailLines !== undefined) q.set('tailLines', String(o.tailLines));
  if (o.limitBytes !== undefined) q.set('limitBytes', String(o.limitBytes));
  return q;
}

/** PodExecOptions are the query parameters of pods/exec and pods/attach. */
export interface PodExecOptions {
  container?: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  command: string[];
}

/** parsePodExecOptions decodes exec/attach's query; exec needs a command, both need a stream. */
export function parsePodExecOptions(q: URLSearchParams, kind: 'exec' | 'attach'): PodExecOptions {
  const o: PodExecOptions = {
    container: queryString(q, 'container'),
    stdin: queryBool(q, 'stdin'), stdout: queryBool(q, 'stdout'), stderr: queryBool(q, 'stderr'), tty: queryBool(q, 'tty'),
    command: queryStrings(q, 'command'),
  };
  if (!o.stdin && !o.stdout && !o.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  if (kind === 'exec' && o.command.length === 0) throw badRequest('you must specify at least 1 command');
  return o;
}

/** podExecQuery renders exec/attach options for the node agent. */
export function podExecQuery(o: PodExecOptions): URLSearchParams {
  const q = new URLSearchParams();
  for (const k of ['stdin', 'stdout', 'stderr', 'tty'] as const) if (o[k]) q.set(k, 'true');
  for (const c of o.command) q.append('command', c);
  return q;
}
