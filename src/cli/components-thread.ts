/**
 * The controllers, scheduler and node agents of `tskube up` / `tskube server` on a worker thread of
 * their own (as kube-controller-manager, kube-scheduler and the kubelets are processes of their
 * own): the API server keeps the main thread, the components get the second core. They reach the
 * API server only through its API (its local Unix socket); the thread boundary carries only start,
 * stop, the ComponentStatus probes and the metrics for /metrics. TSKUBE_COMPONENTS_THREAD=0 keeps
 * them on the main thread. The thread
 * loads only their code (dist/components.cjs): about 16 MiB for an idle thread, 48 MiB with the
 * whole bundle.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { ComponentHealth, COMPONENTS, type ProbeResult } from '../api/core/componentstatus.js';
import { configureLogging, log, loggingOptions, type LogOptions } from '../util/log.js';
import { addThreadMetrics, legacyRegistry, type MetricsJSON } from '../util/metrics/legacy-registry.js';
import type { Components, ComponentsOptions } from './components.js';

/** ThreadComponentsOptions are ComponentsOptions that cross a thread boundary (plain data). */
export type ThreadComponentsOptions = Omit<ComponentsOptions, 'signal' | 'componentHealth'>;

/** the workerData that marks the components thread */
const ROLE = 'tskube-components';

/** Every message asks (ToThread) or answers (FromThread) the question with its id. */
type ToThread =
  | { type: 'start'; id: number; options: ThreadComponentsOptions }
  | { type: 'stop'; id: number }
  | { type: 'check'; id: number; component: string }
  | { type: 'metrics'; id: number };
type FromThread =
  | { type: 'started'; id: number }
  | { type: 'failed'; id: number; message: string }
  | { type: 'stopped'; id: number }
  | { type: 'checked'; id: number; result: ProbeResult }
  | { type: 'metrics'; id: number; metrics: MetricsJSON };

const logger = log.child({ component: 'tskube' });
/** the repository (import.meta.url is this source file's, in the bundle too) */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** componentsThreadEnabled: on unless TSKUBE_COMPONENTS_THREAD=0 (the single-thread layout, for comparison and debugging). */
export function componentsThreadEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TSKUBE_COMPONENTS_THREAD !== '0';
}

/** isComponentsThread: this is the thread ComponentsThread started. */
export function isComponentsThread(): boolean {
  return !isMainThread && (workerData as { role?: string } | null)?.role === ROLE;
}

/**
 * newWorker starts the thread on dist/components.cjs when tskube runs from its bundle (built with
 * it by scripts/build.mjs; import.meta.filename is the bundle's there, as the build rewrites only
 * import.meta.url to each module's source), through V8's code cache as the main bundle
 * (scripts/code-cache.mjs), or on src/cli/components-thread-main.ts through tsx: Node 20 does not
 * carry the parent's loader hooks into workers, so that thread registers tsx itself.
 */
function newWorker(data: unknown): Worker {
  const self = import.meta.filename;
  const bundle = join(dirname(self), 'components.cjs');
  if (!self.endsWith('.ts') && existsSync(bundle)) {
    const codeCache = JSON.stringify(pathToFileURL(join(ROOT, 'scripts', 'code-cache.mjs')).href);
    const cacheFile = process.env.TSKUBE_CODE_CACHE === '0' ? 'undefined' : JSON.stringify(`${bundle}.v8cache`);
    return new Worker(`import(${codeCache}).then((m) => { m.compileCommonJS(${JSON.stringify(bundle)}, ${cacheFile}).run(); })`, { eval: true, workerData: data });
  }
  const main = JSON.stringify(pathToFileURL(join(ROOT, 'src', 'cli', 'components-thread-main.ts')).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${main}); })`, { eval: true, workerData: data });
}

/**
 * ComponentsThread is the worker that runs the components. It is spawned before the control plane
 * starts (loading the code overlaps the API server's start) and told to start once the API is up.
 */
export class ComponentsThread {
  private readonly worker: Worker;
  private readonly exited: Promise<number>;
  private nextId = 0;
  /** questions asked of the thread by id, with what settles them on its answer or if it is gone */
  private readonly asked = new Map<number, { answer: (m: FromThread) => void; gone: () => void }>();
  private removeMetrics?: () => void;
  private gone?: Error;

  constructor() {
    this.worker = newWorker({ role: ROLE, logging: loggingOptions() });
    this.worker.on('message', (m: FromThread) => this.onMessage(m));
    this.worker.on('error', (err) => {
      // An uncaught error in a component ends the thread, as it ended the process before the split.
      logger.error(err, 'the components thread failed');
      this.fail(err);
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', (code) => {
      this.fail(new Error(`the components thread exited (${code})`));
      resolve(code);
    }));
  }

  private onMessage(m: FromThread): void {
    this.asked.get(m.id)?.answer(m);
    this.asked.delete(m.id);
  }

  private fail(err: Error): void {
    this.gone ??= err;
    for (const q of this.asked.values()) q.gone();
    this.asked.clear();
  }

  /**
   * ask posts a question and settles with what `answer` makes of the thread's answer, or with what
   * `ifGone` gives if the thread ends first (either may throw: the promise then rejects).
   */
  private ask<T>(msg: (id: number) => ToThread, answer: (m: FromThread) => T, ifGone: (err: Error) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      const settle = (f: () => T) => { try { resolve(f()); } catch (e) { reject(e); } };
      if (this.gone) { settle(() => ifGone(this.gone!)); return; }
      const id = this.nextId++;
      this.asked.set(id, { answer: (m) => settle(() => answer(m)), gone: () => settle(() => ifGone(this.gone!)) });
      this.worker.postMessage(msg(id));
    });
  }

  /** check asks the thread how one component runs (ComponentStatus). */
  check(component: string): Promise<ProbeResult> {
    return this.ask<ProbeResult>((id) => ({ type: 'check', id, component }),
      (m) => (m.type === 'checked' ? m.result : { status: 'Unknown', message: '' }),
      () => ({ status: 'False', message: `${component} stopped` }));
  }

  /** metrics are the thread's series (scheduler, work queues, node agents) for the API server's /metrics. */
  metrics(): Promise<MetricsJSON> {
    return this.ask((id) => ({ type: 'metrics', id }), (m) => (m.type === 'metrics' ? m.metrics : []), () => []);
  }

  /** terminate ends the thread without stopping its components first (a start that failed or was abandoned). */
  async terminate(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }

  /**
   * start starts the components in the thread and resolves when they run; `health` then answers
   * ComponentStatus for them through the thread.
   */
  async start(options: ThreadComponentsOptions, health?: ComponentHealth): Promise<Components> {
    await this.ask((id) => ({ type: 'start', id, options }), (m) => {
      if (m.type === 'failed') throw new Error(m.message);
    }, (err) => { throw err; });
    for (const c of COMPONENTS) health?.register(c, () => this.check(c));
    this.removeMetrics = addThreadMetrics(() => this.metrics());
    return {
      stop: async () => {
        this.removeMetrics?.();
        await this.ask((id) => ({ type: 'stop', id }), () => undefined, () => undefined);
        await this.worker.terminate();
        await this.exited;
      },
    };
  }
}

/** runComponentsThread is the thread's side: start on 'start', stop on 'stop', answer probes. */
export function runComponentsThread(): void {
  const port = parentPort!;
  configureLogging((workerData as { logging: Omit<LogOptions, 'destination'> }).logging);
  // Imported by this thread only (the main one never evaluates the components' code), at once, so
  // that it is ready by the time the API server is.
  const loaded = import('./components.js');
  const health = new ComponentHealth();
  const ac = new AbortController();
  let components: Components | undefined;
  const send = (m: FromThread) => port.postMessage(m);
  port.on('message', (m: ToThread) => {
    switch (m.type) {
      case 'start':
        loaded.then(({ startComponents }) => startComponents({ ...m.options, signal: ac.signal, componentHealth: health })).then(
          (c) => { components = c; send({ type: 'started', id: m.id }); },
          (err: unknown) => { logger.error(err, 'starting the components failed'); send({ type: 'failed', id: m.id, message: (err as Error)?.message ?? String(err) }); },
        );
        break;
      case 'stop':
        ac.abort();
        void (components?.stop() ?? Promise.resolve()).then(() => send({ type: 'stopped', id: m.id }), (err: unknown) => {
          logger.error(err, 'stopping the components failed');
          send({ type: 'stopped', id: m.id });
        });
        break;
      case 'check':
        void health.check(m.component).then((result) => send({ type: 'checked', id: m.id, result }));
        break;
      case 'metrics':
        legacyRegistry.getMetricsAsJSON().then((metrics) => send({ type: 'metrics', id: m.id, metrics }), (err: unknown) => {
          logger.error(err, 'gathering the components\' metrics failed');
          send({ type: 'metrics', id: m.id, metrics: [] });
        });
        break;
    }
  });
}
