import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { API_PROTO, CriCallError, CriClient, goCodeName, isNotFound, rpcErrorText } from './client.js';

test('gRPC codes named as Go names them, errors printed as a Go client prints them', () => {
  assert.equal(goCodeName(grpc.status.NOT_FOUND), 'NotFound');
  assert.equal(goCodeName(grpc.status.DEADLINE_EXCEEDED), 'DeadlineExceeded');
  assert.equal(goCodeName(grpc.status.CANCELLED), 'Canceled');
  assert.equal(goCodeName(grpc.status.OK), 'OK');
  assert.equal(goCodeName(grpc.status.UNKNOWN), 'Unknown');
  assert.equal(rpcErrorText(new CriCallError('PullImage', grpc.status.NOT_FOUND, 'failed to pull')), 'rpc error: code = NotFound desc = failed to pull');
});

test('the client speaks api.proto over a unix socket: int64 as strings, enums by name, errors with their code', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tskube-cri-client-'));
  const def = protoLoader.loadSync(API_PROTO, { keepCase: true, longs: String, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
  const server = new grpc.Server();
  const seen: unknown[] = [];
  server.addService(pkg.runtime.v1.RuntimeService.service, {
    Version: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { version: '0.1.0', runtime_name: 'fake', runtime_version: 'v9.8.7', runtime_api_version: 'v1' }),
    StopContainer: (call: grpc.ServerUnaryCall<{ container_id: string; timeout: string }, object>, cb: grpc.sendUnaryData<object>) => {
      seen.push(call.request);
      cb({ code: grpc.status.NOT_FOUND, details: `an error occurred when try to find container "${call.request.container_id}": not found` });
    },
    ListContainers: (call: grpc.ServerUnaryCall<{ filter: { state: { state: string } } }, object>, cb: grpc.sendUnaryData<object>) => {
      seen.push(call.request.filter.state);
      cb(null, { containers: [{ id: 'c1', pod_sandbox_id: 's1', state: 'CONTAINER_EXITED', created_at: '1795794493301244371' }] });
    },
  });
  const sock = path.join(dir, 'cri.sock');
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  const client = new CriClient(`unix://${sock}`, 10_000);
  try {
    assert.deepEqual(await client.runtime('Version', { version: 'v1' }), { version: '0.1.0', runtime_name: 'fake', runtime_version: 'v9.8.7', runtime_api_version: 'v1' });
    const err = await client.runtime('StopContainer', { container_id: 'x', timeout: '30' }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CriCallError && isNotFound(err), String(err));
    assert.equal(err.message, 'an error occurred when try to find container "x": not found');
    assert.deepEqual(seen[0], { container_id: 'x', timeout: '30' });
    const list = await client.runtime<{ containers: { created_at: string; state: string }[] }>('ListContainers', { filter: { state: { state: 'CONTAINER_RUNNING' } } });
    assert.deepEqual(seen[1], { state: 'CONTAINER_RUNNING' });
    assert.equal(list.containers[0].created_at, '1795794493301244371');
    assert.equal(list.containers[0].state, 'CONTAINER_EXITED');
  } finally {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
