import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { serveLogWebSocket } from './log-websocket.js';

/** server answers every upgrade with a log of two chunks (or a 404 when asked). */
async function server(): Promise<{ url: string; close: () => void }> {
  const s = http.createServer();
  s.on('upgrade', (req, socket, head) => serveLogWebSocket(req, socket, head, async (res) => {
    if (req.url?.includes('missing')) { res.writeHead(404, {}); res.end(); return; }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('container is alive\n');
    res.end('second line\n');
  }));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return { url: `ws://127.0.0.1:${(s.address() as AddressInfo).port}`, close: () => s.close() };
}

function read(url: string, protocols: string[]): Promise<{ protocol: string; messages: string[]; code: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const messages: string[] = [];
    ws.on('message', (d: Buffer, binary: boolean) => messages.push(binary ? `bin:${d.toString()}` : `txt:${d.toString()}`));
    ws.on('close', (code) => resolve({ protocol: ws.protocol, messages, code }));
    ws.on('error', reject);
  });
}

test('pods/log over a WebSocket: binary.k8s.io sends the log as binary messages, base64.binary.k8s.io as base64 text', async () => {
  const s = await server();
  try {
    assert.deepEqual(await read(`${s.url}/log`, ['binary.k8s.io']), { protocol: 'binary.k8s.io', messages: ['bin:container is alive\n', 'bin:second line\n'], code: 1000 });
    const b64 = await read(`${s.url}/log`, ['base64.binary.k8s.io']);
    assert.deepEqual(b64.messages.map((m) => Buffer.from(m.slice(4), 'base64').toString()), ['container is alive\n', 'second line\n']);
    const missing = await read(`${s.url}/missing/log`, ['binary.k8s.io']);
    assert.deepEqual([missing.messages, missing.code], [[], 1011]);
  } finally {
    s.close();
  }
});
