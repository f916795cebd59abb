import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { API_PROTO } from './client.js';
import { CriRuntime } from './cri-runtime.js';

// CriRuntime against a fake CRI server (grpc-js over a unix socket): what it asks and how it reads
// the answers, where no containerd is needed. test/cri-runtime.test.ts drives a real containerd.

type Handler = (req: Record<string, unknown>) => object | grpc.ServiceError;
const calls: { method: string; req: Record<string, unknown> }[] = [];
const handlers = new Map<string, Handler>();
let server: grpc.Server;
let dir: string;
let rt: CriRuntime;
/** what GetContainerEvents sends (undefined: Unimplemented, as containerd 1.6 answers) */
let events: object[] | undefined;
let eventStream: grpc.ServerWritableStream<object, object> | undefined;

const notFound = (what: string): grpc.ServiceError => Object.assign(new Error(what), { code: grpc.status.NOT_FOUND, details: what, metadata: new grpc.Metadata() });

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-cri-fake-'));
  const def = protoLoader.loadSync(API_PROTO, { keepCase: true, longs: String, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: Record<string, grpc.ServiceClientConstructor> } };
  server = new grpc.Server();
  for (const svc of ['RuntimeService', 'ImageService']) {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(pkg.runtime.v1[svc].service)) {
      if (method === 'GetContainerEvents') {
        impl[method] = (call: grpc.ServerWritableStream<object, object>) => {
          calls.push({ method, req: {} });
          if (!events) { call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'unknown method GetContainerEvents' }); return; }
          for (const e of events) call.write(e);
          eventStream = call;
        };
        continue;
      }
      impl[method] = (call: grpc.ServerUnaryCall<Record<string, unknown>, object>, cb: grpc.sendUnaryData<object>) => {
        calls.push({ method, req: call.request });
        const h = handlers.get(method);
        if (!h) return cb({ code: grpc.status.UNIMPLEMENTED, details: `${method} not faked` });
        const res = h(call.request);
        if (res instanceof Error) cb(res as grpc.ServiceError); else cb(null, res);
      };
    }
    server.addService(pkg.runtime.v1[svc].service, impl);
  }
  const sock = path.join(dir, 'cri.sock');
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  handlers.set('Version', () => ({ version: '0.1.0', runtime_name: 'containerd', runtime_version: 'v1.6.20', runtime_api_version: 'v1' }));
  rt = await new CriRuntime({ endpoint: `unix://${sock}`, cgroups: null }).connect();
});

after(async () => {
  await rt?.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const of = (method: string) => calls.filter((c) => c.method === method);

test('connect: scheme and version from Version ("containerd://1.6.20")', () => {
  assert.equal(rt.scheme, 'containerd');
  assert.equal(rt.version, 'containerd://1.6.20');
  assert.equal(rt.cgroups, undefined, 'cgroups: null turns pod cgroups off');
});

test('missing objects: statuses are undefined, stop and remove are idempotent', async () => {
  for (const m of ['ContainerStatus', 'PodSandboxStatus', 'StopContainer', 'RemoveContainer', 'StopPodSandbox', 'RemovePodSandbox', 'RemoveImage']) {
    handlers.set(m, () => notFound(`an error occurred when try to find "x": not found`));
  }
  assert.equal(await rt.containerStatus('x'), undefined);
  assert.equal(await rt.podSandboxStatus('x'), undefined);
  await rt.stopContainer('x', 30_000);
  assert.equal(of('StopContainer').at(-1)?.req.timeout, '30');
  await rt.removeContainer('x');
  await rt.stopPodSandbox('x');
  await rt.removePodSandbox('x');
  await rt.removeImage('x');
  handlers.set('StopContainer', () => Object.assign(new Error('boom'), { code: grpc.status.UNKNOWN, details: 'boom', metadata: new grpc.Metadata() }));
  await assert.rejects(rt.stopContainer('x', 0), /^Error: boom$/);
});

test('container status: one verbose call for what is not known yet, then plain ones; the pid of a running container kept', async () => {
  calls.length = 0;
  const status = (state: string) => ({
    id: 'c1', metadata: { name: 'app', attempt: 1 }, state, created_at: '1700000000000000000', started_at: '1700000001000000000', finished_at: '0',
    exit_code: 0, image: { image: 'busybox' }, reason: '', message: '', labels: { 'io.kubernetes.pod.uid': 'u1' }, log_path: '/logs/app/1.log',
  });
  handlers.set('ContainerStatus', (req) => ({
    status: status('CONTAINER_RUNNING'),
    info: req.verbose ? { info: JSON.stringify({ sandboxID: 's1', pid: 321, config: { command: ['sleep'], args: ['9'], tty: true } }) } : {},
  }));
  const first = await rt.containerStatus('c1');
  assert.deepEqual([first?.sandboxId, first?.pid, first?.config.argv, first?.config.tty, first?.config.podUid], ['s1', 321, ['sleep', '9'], true, 'u1']);
  assert.deepEqual(of('ContainerStatus').map((c) => c.req.verbose), [false, true]);
  const second = await rt.containerStatus('c1');
  assert.deepEqual([second?.sandboxId, second?.pid, second?.config.argv], ['s1', 321, ['sleep', '9']]);
  assert.deepEqual(of('ContainerStatus').map((c) => c.req.verbose), [false, true, false]);
});

test('listing: by pod uid as a label selector; a full listing forgets containers that are gone', async () => {
  calls.length = 0;
  handlers.set('ListContainers', () => ({ containers: [] }));
  assert.deepEqual(await rt.listContainers({ podUid: 'u1' }), []);
  assert.deepEqual((of('ListContainers')[0].req.filter as { label_selector: object }).label_selector, { 'io.kubernetes.pod.uid': 'u1' });
  // c1 is not in a full listing any more: its status is asked verbosely again (nothing is known of it).
  await rt.listContainers();
  calls.length = 0;
  await rt.containerStatus('c1');
  assert.deepEqual(of('ContainerStatus').map((c) => c.req.verbose), [false, true]);
});

test('pull: the image ref answered is turned into the repo digest; a failure is an ImagePullError worded as Go prints it', async () => {
  handlers.set('PullImage', () => ({ image_ref: 'sha256:cfg' }));
  handlers.set('ImageStatus', () => ({ image: { id: 'sha256:cfg', repo_tags: ['docker.io/library/busybox:latest'], repo_digests: ['docker.io/library/busybox@sha256:abc'], size: '2048' } }));
  assert.equal(await rt.pullImage('busybox', { username: 'u', password: 'p', serverAddress: 'registry.local:5000' }), 'docker.io/library/busybox@sha256:abc');
  assert.deepEqual(of('PullImage').at(-1)?.req.auth, { username: 'u', password: 'p', auth: '', server_address: 'https://registry.local:5000', identity_token: '', registry_token: '' });
  handlers.set('PullImage', () => notFound('failed to pull and unpack image "docker.io/library/nope:latest": not found'));
  await assert.rejects(rt.pullImage('nope'), (e: Error) => e.name === 'Error' && (e as { reason?: string }).reason === 'ErrImagePull'
    && e.message === 'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nope:latest": not found');
  handlers.set('ImageStatus', () => ({}));
  assert.equal(await rt.imageStatus('nope'), undefined);
  await assert.rejects(rt.resolveImage('nope', false), /not present on the node/);
});

test('container events: Unimplemented (containerd 1.6) is quiet; events are handed over until unsubscribed', async () => {
  events = undefined;
  const seen: unknown[] = [];
  const off1 = rt.getContainerEvents((e) => seen.push(e));
  await new Promise<void>((resolve) => { const t = setInterval(() => { if (of('GetContainerEvents').length) { clearInterval(t); resolve(); } }, 5); });
  off1();
  events = [{ container_id: 'c9', container_event_type: 'CONTAINER_STOPPED_EVENT', created_at: '1', pod_sandbox_status: { id: 's9', metadata: { name: 'p', uid: 'u9', namespace: 'd', attempt: 0 }, state: 'SANDBOX_READY' } }];
  const off2 = rt.getContainerEvents((e) => seen.push(e));
  await new Promise<void>((resolve) => { const t = setInterval(() => { if (seen.length) { clearInterval(t); resolve(); } }, 5); });
  assert.deepEqual(seen, [{ containerId: 'c9', sandboxId: 's9', podUid: 'u9', type: 'CONTAINER_STOPPED_EVENT' }]);
  off2();
  eventStream?.end();
});

test('connect to an endpoint nobody serves: an error naming it', async () => {
  const none = new CriRuntime({ endpoint: `unix://${path.join(dir, 'absent.sock')}`, cgroups: null });
  try {
    await assert.rejects(none.connect(5_000), (e: Error) => e.message.startsWith(`container runtime endpoint unix://${path.join(dir, 'absent.sock')} did not answer the CRI Version call: `) && /ENOENT/.test(e.message));
  } finally {
    await none.close();
  }
});
