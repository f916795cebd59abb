import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** CollectedProcess is a child process whose output is kept as it comes, for a test to look at. */
export interface CollectedProcess {
  child: ChildProcess;
  /** what it wrote to stdout so far */
  out(): string;
  /** what it wrote to stderr so far ('' when stderr was not piped) */
  err(): string;
  /** both, in the order they came */
  all(): string;
  /** its exit: code, or signal when a signal ended it */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** spawnCollected starts file with args (stdin ignored, stdout and stderr piped unless opts say otherwise) and collects its output. */
export function spawnCollected(file: string, args: string[], opts: SpawnOptions = {}): CollectedProcess {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  let err = '';
  let all = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); all += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); all += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, err: () => err, all: () => all, exited };
}
