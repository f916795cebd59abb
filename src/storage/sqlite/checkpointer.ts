import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { log } from '../../util/log.js';

const logger = log.child({ component: 'sqlite' });

/**
 * CheckpointResult is what `PRAGMA wal_checkpoint` answers: frames in the WAL and frames copied
 * into the database file (equal: everything is backfilled, the next write restarts the WAL).
 */
export interface CheckpointResult {
  log: number;
  checkpointed: number;
}

/**
 * CHECKPOINTER_SOURCE is the worker's code (CommonJS, run with eval so that it needs no file of
 * its own next to a bundle): its own connection to the database runs PASSIVE checkpoints when
 * asked. A PASSIVE checkpoint never blocks the writer (it copies the frames committed before it
 * started), so the writer's thread no longer waits for the checkpoint's fsyncs.
 */
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  let r = { log: -1, checkpointed: -1 };
  try { r = db.pragma('wal_checkpoint(PASSIVE)')[0]; } catch (e) { r.error = String(e); }
  parentPort.postMessage(r);
});
parentPort.postMessage('ready');
`;

/**
 * betterSqlite3Path is where the writer's better-sqlite3 is, for the worker to load the same one:
 * the bundle's module-level require (scripts/build.mjs gives it one, relative to the bundle) when
 * there is one, else resolved from this module.
 */
function betterSqlite3Path(): string {
  return typeof require === 'function' ? require.resolve('better-sqlite3') : createRequire(import.meta.url).resolve('better-sqlite3');
}

/** CheckpointerOptions tune when a Checkpointer runs. */
export interface CheckpointerOptions {
  /** commits between two checkpoints (SQLite's own default is 1,000 pages; a pod write is ~5) */
  commitsPerCheckpoint?: number;
  /**
   * how long the worker stays without a checkpoint to run before it stops (its isolate is ~5-10
   * MiB; an idle cluster writes little): the next checkpoint starts a new one
   */
  idleMs?: number;
  /**
   * WAL frames past which the writer checkpoints itself: under a steady stream of writes a
   * concurrent checkpoint never catches up with the newest frames, so the WAL never restarts;
   * one checkpoint on the writer's thread (nothing is appended meanwhile) lets it restart
   */
  maxFrames?: number;
}

/**
 * Checkpointer moves SQLite's WAL checkpoints (copying committed pages into the database file,
 * with two fsyncs) off the writer's thread onto a worker thread with its own connection: the
 * writer's connection runs with wal_autocheckpoint = 0 and calls committed() after each commit.
 * Commits are written to the WAL before they are acknowledged exactly as before; revision order
 * and watch delivery stay on the writer's thread, untouched. The worker starts at the first
 * checkpoint (a database that sees few writes never starts one).
 */
export class Checkpointer {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private commits = 0;
  private busy = false;
  private closed = false;
  private failed = false;
  private readonly commitsPerCheckpoint: number;
  private readonly maxFrames: number;
  private result: CheckpointResult | undefined;
  private readonly idleMs: number;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** workers stopped for idleness that have not exited yet (close waits for them) */
  private readonly retiring = new Set<Promise<void>>();

  constructor(
    private readonly path: string,
    /** checkpointHere runs a checkpoint on the writer's own connection (see maxFrames) */
    private readonly checkpointHere: () => void,
    opts: CheckpointerOptions = {},
  ) {
    this.commitsPerCheckpoint = opts.commitsPerCheckpoint ?? 200;
    this.maxFrames = opts.maxFrames ?? 20_000;
    this.idleMs = opts.idleMs ?? 60_000;
  }

  /** committed counts one commit and asks the worker for a checkpoint every commitsPerCheckpoint. */
  committed(): void {
    if (this.closed || ++this.commits < this.commitsPerCheckpoint || this.busy) return;
    this.commits = 0;
    // Without its worker (it failed) the writer checkpoints itself, as SQLite would have.
    if (this.failed) { this.checkpointHere(); return; }
    this.busy = true;
    clearTimeout(this.idleTimer);
    void this.start().then(() => {
      // Held while a checkpoint runs (idle, the worker never keeps the process alive).
      this.worker?.ref();
      this.worker?.postMessage('checkpoint');
    });
  }

  /** last is the worker's latest checkpoint result (undefined before the first). */
  get last(): CheckpointResult | undefined { return this.result; }

  /** running says whether a worker is up (started by a checkpoint, stopped after idleMs without one). */
  get running(): boolean { return this.worker !== undefined; }

  /** close stops the worker after its checkpoint in progress, closing its connection first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    await Promise.all(this.retiring);
    const w = this.worker;
    if (!w) return;
    await this.ready;
    if (!this.worker) return;
    await new Promise<void>((resolve) => {
      w.once('exit', () => resolve());
      w.ref();
      w.postMessage('close');
    });
  }

  /** retire stops an idle worker (not a timer of the injected clock: housekeeping, not behaviour). */
  private retire(): void {
    const w = this.worker;
    if (this.busy || this.closed || !w) return;
    this.worker = undefined;
    this.ready = undefined;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    this.retiring.add(exited);
    void exited.then(() => this.retiring.delete(exited));
    // held until it has closed its connection (a close() of ours may be waiting for that)
    w.ref();
    w.postMessage('close');
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    let w: Worker;
    try {
      w = new Worker(CHECKPOINTER_SOURCE, { eval: true, workerData: { path: this.path, module: betterSqlite3Path() } });
    } catch (e) {
      logger.error(e, 'WAL checkpoint worker could not start; the writer checkpoints');
      this.failed = true;
      this.busy = false;
      this.checkpointHere();
      return Promise.resolve();
    }
    this.worker = w;
    this.ready = new Promise<void>((resolve) => {
      w.once('message', () => resolve());
      w.once('error', () => resolve());
    });
    w.on('message', (m: unknown) => { if (m !== 'ready') this.done(m as CheckpointResult & { error?: string }); });
    w.on('error', (e) => {
      if (this.worker !== w) return;
      logger.error(e, 'WAL checkpoint worker failed; the writer checkpoints');
      this.worker = undefined;
      this.failed = true;
      this.busy = false;
      if (!this.closed) this.checkpointHere();
    });
    return this.ready;
  }

  private done(r: CheckpointResult & { error?: string }): void {
    this.busy = false;
    this.result = { log: r.log, checkpointed: r.checkpointed };
    if (r.error) logger.error(new Error(r.error), 'WAL checkpoint on the worker failed; the writer checkpoints');
    // Closing holds the worker until it exits.
    if (this.closed) return;
    this.worker?.unref();
    this.idleTimer = setTimeout(() => this.retire(), this.idleMs);
    this.idleTimer.unref();
    // A WAL that keeps growing (or a failed checkpoint) is checkpointed by the writer, which lets it restart.
    if (r.error || (r.log > this.maxFrames && r.checkpointed < r.log)) this.checkpointHere();
  }
}
