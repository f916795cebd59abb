import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { WebSocket } from 'ws';
import type { ExecSession, Runtime } from '../../runtime/types.js';
import { CriLogWriter } from '../../runtime/cri-log.js';
import type { PodWorker } from '../pod-worker.js';
import { AgentServer } from './server.js';

// The agent's kubelet API as the API server uses it: container logs, and exec/attach over
// WebSockets (channel.k8s.io framing), behind the node token; the runtime and pods are fakes.
const TOKEN = 'node-secret';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-agentserver-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

type Instance = ReturnType<PodWorker['containerInstance']>;
/** pods: namespace/name → container → (previous?) instance, as PodWorker.containerInstance answers. */
const pods = new Map<string, Record<string, (previous: boolean) => Instance>>();
const execs: { id: string; argv: string[]; stdin: boolean; tty: boolean }[] = [];
let nextExit = 0;
/** the exit code the runtime reports for containers */
let containerExit = 0;
let attached: { stdin: PassThrough; output: PassThrough } | undefined;

/** session is an exec that prints what its command says, echoes stdin, and exits with nextExit. */
function session(argv: string[]): ExecSession {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let done!: (code: number) => void;
  const exit = new Promise<number>((r) => { done = r; });
  if (argv[0] === 'cat') {
    stdin.on('data', (d) => stdout.write(d));
    stdin.on('end', () => { stdout.end(); stderr.end(); done(0); });
  } else {
    setImmediate(() => { stdout.end(`out: ${argv.join(' ')}\n`); stderr.end('err\n'); done(nextExit); });
  }
  return { stdin, stdout, stderr, resize() {}, exit, kill() { done(137); } };
}

const runtime = {
  async exec(id: string, argv: string[], opts: { stdin: boolean; tty: boolean }) { execs.push({ id, argv, ...opts }); return session(argv); },
  async attach() {
    attached = { stdin: new PassThrough(), output: new PassThrough() };
    return attached;
  },
  async containerStatus() { return { exitCode: containerExit }; },
} as unknown as Runtime;

let server: AgentServer;
let base: string;
before(async () => {
  server = new AgentServer({
    host: '127.0.0.1', port: 0, token: TOKEN, runtime, now: () => new Date('2026-01-01T00:01:00Z'),
    findPod: (ns, name) => {
      const p = pods.get(`${ns}/${name}`);
      return p ? ({ containerInstance: (c: string, previous = false) => p[c]?.(previous) } as unknown as PodWorker) : undefined;
    },
  });
  base = `127.0.0.1:${await server.listen()}`;
});
after(() => server.close());

const get = (p: string, token: string | null = TOKEN) => fetch(`http://${base}${p}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

describe('containerLogs', () => {
  before(() => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const file = (n: string) => {
      const f = path.join(dir, n);
      const w = new CriLogWriter(f, 1 << 20, () => new Date(t += 1000));
      return { f, w };
    };
    const cur = file('1.log');
    cur.w.write('stdout', 'one\ntwo\nthree\n');
    cur.w.close();
    const prev = file('0.log');
    prev.w.write('stdout', 'before the restart\n');
    prev.w.close();
    pods.set('shop/web', {
      app: (previous) => (previous ? { running: false, logPath: prev.f } : { id: 'c1', running: false, logPath: cur.f }),
      fresh: (previous) => (previous ? { running: false } : { running: false, waitingReason: 'ContainerCreating' }),
    });
  });

  it('serves the log as kubectl shows it, with the options', async () => {
    let r = await get('/containerLogs/shop/web/app');
    assert.deepEqual([r.status, await r.text()], [200, 'one\ntwo\nthree\n']);
    r = await get('/containerLogs/shop/web/app?tailLines=1&timestamps=true');
    assert.equal(await r.text(), '2026-01-01T00:00:03.000000000Z three\n');
    r = await get('/containerLogs/shop/web/app?previous=true&follow=true');
    assert.equal(await r.text(), 'before the restart\n', 'previous ignores follow');
  });

  it('answers missing pods, containers and logs in kubelet\'s words', async () => {
    const cases: [string, number, string][] = [
      ['/containerLogs/shop/gone/app', 404, 'pod "gone" not found'],
      ['/containerLogs/shop/web/nope', 400, 'container nope is not valid for pod web'],
      ['/containerLogs/shop/web/fresh', 400, 'container "fresh" in pod "web" is waiting to start: ContainerCreating'],
      ['/containerLogs/shop/web/fresh?previous=true', 400, 'previous terminated container "fresh" in pod "web" not found'],
      ['/containerLogs/shop/web', 404, '404 page not found\n'],
      ['/nothing', 404, '404 page not found\n'],
    ];
    for (const [p, status, text] of cases) {
      const r = await get(p);
      assert.deepEqual([r.status, await r.text()], [status, text], p);
    }
  });

  it('wants the node token (healthz too)', async () => {
    for (const token of [null, 'wrong']) {
      const r = await get('/containerLogs/shop/web/app', token);
      assert.deepEqual([r.status, await r.text()], [401, 'Unauthorized']);
    }
    assert.equal((await get('/healthz', null)).status, 401);
    assert.deepEqual([(await get('/healthz')).status], [200]);
  });
});

/** Frame is one channel.k8s.io message: its channel and its bytes. */
interface Frame { ch: number; data: string }

/** connect opens an exec/attach WebSocket and collects the frames until the agent closes it. */
function connect(p: string, o: { token?: string; send?: (ws: WebSocket) => void; protocols?: string[] } = {}): Promise<{ frames: Frame[]; protocol: string; code: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${base}${p}`, o.protocols ?? ['v5.channel.k8s.io', 'v4.channel.k8s.io'], { headers: { Authorization: `Bearer ${o.token ?? TOKEN}` } });
    const frames: Frame[] = [];
    ws.on('open', () => o.send?.(ws));
    ws.on('message', (d: Buffer) => frames.push({ ch: d[0], data: d.subarray(1).toString() }));
    ws.on('close', (code) => resolve({ frames, protocol: ws.protocol, code }));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}
const text = (frames: Frame[], ch: number) => frames.filter((f) => f.ch === ch).map((f) => f.data).join('');
const status = (frames: Frame[]) => JSON.parse(text(frames, 3));

describe('exec and attach', () => {
  before(() => {
    pods.set('shop/run', {
      app: () => ({ id: 'c-run', running: true, logPath: path.join(dir, '1.log'), exited: new Promise(() => {}) }),
      done: () => ({ id: 'c-done', running: false }),
    });
  });

  it('exec: stdout and stderr frames, then a Success status on the error channel; v5 preferred', async () => {
    nextExit = 0;
    const r = await connect('/exec/shop/run/app?command=ls&command=-l&stdout=true&stderr=true');
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.equal(text(r.frames, 1), 'out: ls -l\n');
    assert.equal(text(r.frames, 2), 'err\n');
    assert.deepEqual(status(r.frames), { metadata: {}, status: 'Success' });
    assert.deepEqual(execs.at(-1), { id: 'c-run', argv: ['ls', '-l'], stdin: false, tty: false });
    assert.equal(r.code, 1000);
  });

  it('exec: a non-zero exit is a NonZeroExitCode failure carrying the code; unrequested streams are not sent', async () => {
    nextExit = 3;
    const r = await connect('/exec/shop/run/app?command=false&stdout=true');
    assert.equal(text(r.frames, 2), '');
    assert.deepEqual(status(r.frames), {
      metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
      message: 'command terminated with non-zero exit code: error executing command [false], exit code 3',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('exec over the first protocol (channel.k8s.io, the e2e websocket spec): no Status on success, the failure as text', async () => {
    nextExit = 0;
    const ok = await connect('/exec/shop/run/app?command=echo&stdout=true&stderr=true', { protocols: ['channel.k8s.io'] });
    assert.equal(ok.protocol, 'channel.k8s.io');
    assert.equal(text(ok.frames, 1), 'out: echo\n');
    assert.equal(ok.frames.filter((f) => f.ch === 3).length, 0);
    nextExit = 2;
    const bad = await connect('/exec/shop/run/app?command=false&stdout=true', { protocols: ['channel.k8s.io'] });
    assert.equal(text(bad.frames, 3), 'command terminated with non-zero exit code: error executing command [false], exit code 2');
  });

  it('exec: stdin frames reach the process; closing stdin (channel 255) ends it', async () => {
    const r = await connect('/exec/shop/run/app?command=cat&stdin=true&stdout=true', {
      send: (ws) => {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hello\n')]));
        ws.send(Buffer.from([255, 0]));
      },
    });
    assert.equal(text(r.frames, 1), 'hello\n');
    assert.deepEqual(status(r.frames), { metadata: {}, status: 'Success' });
    assert.equal(execs.at(-1)?.stdin, true);
  });

  it('refusals come as a Status on the error channel', async () => {
    const cases: [string, string][] = [
      ['/exec/shop/gone/app?command=ls&stdout=true', 'pod "gone" not found'],
      ['/exec/shop/run/done?command=ls&stdout=true', 'container done is not running in pod run'],
      ['/exec/shop/run/app?stdout=true', 'you must specify at least 1 command'],
    ];
    for (const [p, message] of cases) {
      const r = await connect(p);
      assert.deepEqual(status(r.frames), { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 }, p);
    }
    await assert.rejects(connect('/exec/shop/run/app?command=ls&stdout=true', { token: 'wrong' }), /HTTP 401/);
    await assert.rejects(connect('/portforward/shop/run/app'), /HTTP 404/);
    // A malformed escape is refused (401 without the token, 400 with it), and the server lives on.
    await assert.rejects(connect('/exec/%zz/run/app?command=ls', { token: 'wrong' }), /HTTP 401/);
    await assert.rejects(connect('/exec/%zz/run/app?command=ls'), /HTTP 400/);
    assert.equal((await get('/containerLogs/%zz/web/app')).status, 400);
    assert.equal((await get('/healthz')).status, 200);
  });

  it('attach: the container\'s own output from now on, stdin to its stdin; ends when the client goes', async () => {
    const got: string[] = [];
    const r = await connect('/attach/shop/run/app?stdin=true&stdout=true', {
      send: (ws) => {
        const wait = () => (attached ? go() : setTimeout(wait, 5));
        const go = () => {
          attached!.stdin.once('data', (d: Buffer) => { got.push(d.toString()); attached!.output.write(`echo: ${d}`); });
          ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping')]));
          ws.on('message', (d: Buffer) => { if (d[0] === 1) ws.close(); });
        };
        wait();
      },
    });
    assert.deepEqual(got, ['ping']);
    assert.equal(text(r.frames, 1), 'echo: ping');
    assert.equal(attached!.output.destroyed, true, 'the attach is released when the client leaves');
  });

  it('attach: ends with the container, and reports Success whatever its exit code (the kubelet\'s ServeAttach)', async () => {
    let exit!: () => void;
    const exited = new Promise<void>((r) => { exit = r; });
    pods.set('shop/ending', { app: () => ({ id: 'c-end', running: true, logPath: path.join(dir, '1.log'), exited }) });
    containerExit = 3;
    attached = undefined;
    const r = await connect('/attach/shop/ending/app?stdout=true', {
      send: () => {
        const wait = () => (attached ? go() : setTimeout(wait, 5));
        const go = () => { attached!.output.end('last words\n'); exit(); };
        wait();
      },
    });
    containerExit = 0;
    assert.equal(text(r.frames, 1), 'last words\n');
    assert.deepEqual(status(r.frames), { metadata: {}, status: 'Success' });
  });
});
