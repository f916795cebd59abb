import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf, isProtobufContentType } from './decode.js';

// A tiny encoder for the test's own fixtures (length-delimited fields and varints only).
const varint = (n: number): number[] => { const out: number[] = []; do { let b = n & 0x7f; n = Math.floor(n / 128); if (n) b |= 0x80; out.push(b); } while (n); return out; };
const str = (field: number, s: string | Buffer): number[] => { const b = typeof s === 'string' ? Buffer.from(s) : s; return [...varint((field << 3) | 2), ...varint(b.length), ...b]; };
const int = (field: number, n: number): number[] => [...varint(field << 3), ...varint(n)];
const msg = (field: number, bytes: number[]) => str(field, Buffer.from(bytes));

test('a ConfigMap in a runtime.Unknown envelope decodes to its JSON form', () => {
  const meta = [...str(1, 'app-config'), ...str(3, 'default')];
  const data = [...msg(2, [...str(1, 'a'), ...str(2, 'b')]), ...msg(2, [...str(1, 'empty'), ...str(2, '')])];
  const cm = [...msg(1, meta), ...data];
  const body = Buffer.from([0x6b, 0x38, 0x73, 0x00, ...msg(1, [...str(1, 'v1'), ...str(2, 'ConfigMap')]), ...str(2, Buffer.from(cm))]);
  const d = decodeKubernetesProtobuf(body);
  assert.equal(d.kind, 'ConfigMap');
  assert.deepEqual(d.object, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'default' }, data: { a: 'b', empty: '' } });
});

test('IntOrString and Quantity become their JSON forms', () => {
  // Service spec.ports[0]: port 80, targetPort (IntOrString int 9376)
  const port = [...int(3, 80), ...msg(4, [...int(1, 0), ...int(2, 9376)])];
  const svc = [...msg(1, str(1, 's')), ...msg(2, msg(1, port))];
  const body = Buffer.from([0x6b, 0x38, 0x73, 0x00, ...msg(1, [...str(1, 'v1'), ...str(2, 'Service')]), ...str(2, Buffer.from(svc))]);
  const d = decodeKubernetesProtobuf(body).object as { spec: { ports: { port: number; targetPort: number }[] } };
  assert.deepEqual(d.spec.ports, [{ port: 80, targetPort: 9376 }]);
});

test('bad bodies are a 400, and the content type is recognised', () => {
  assert.throws(() => decodeKubernetesProtobuf(Buffer.from('{}')), (e: { code?: number }) => e.code === 400);
  assert.ok(isProtobufContentType('application/vnd.kubernetes.protobuf'));
  assert.ok(!isProtobufContentType('application/json'));
});
