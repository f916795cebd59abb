import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import { IPROUTE2, requireTool, ROOT, UNSHARE } from '../../testing/system-tools.js';
import { dialLocalhost, dialLocalhostIn, portForwardTo } from './netns-dial.js';

/** echoOnce answers what it reads, upper-cased, then ends (a server of the test). */
const echo = "require('net').createServer((s) => s.on('data', (d) => s.end(String(d).toUpperCase()))).listen(+process.argv[1], '127.0.0.1', () => console.log('up'))";

async function talk(s: net.Socket, text: string): Promise<string> {
  let got = '';
  s.on('data', (d) => { got += d; });
  s.write(text);
  await new Promise((r) => s.on('close', r));
  return got;
}

test('dialLocalhostIn reaches a server listening on localhost only inside a network namespace; a closed port is refused in the CRI\'s words', requireTool(ROOT, UNSHARE, IPROUTE2), async (t) => {
  const name = `tskube-dial-test-${process.pid}`;
  execFileSync('ip', ['netns', 'add', name]);
  t.after(() => { try { execFileSync('ip', ['netns', 'del', name]); } catch { /* gone */ } });
  execFileSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  const port = 18080;
  const server = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', echo, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => server.kill('SIGKILL'));
  await new Promise<void>((r) => server.stdout!.once('data', () => r()));

  const s = await dialLocalhostIn(`/run/netns/${name}`, 'sb1', port);
  assert.equal(await talk(s, 'hello'), 'HELLO');
  // the same port in this process's own namespace is someone else's (or nobody's)
  await assert.rejects(dialLocalhostIn(`/run/netns/${name}`, 'sb1', port + 1), (e: Error) => e.message ===
    `failed to execute portforward in network namespace "/run/netns/${name}": failed to connect to localhost:${port + 1} inside namespace "sb1", `
    + `IPv4: dial tcp4 127.0.0.1:${port + 1}: connect: connection refused IPv6 dial tcp6 [::1]:${port + 1}: connect: connection refused `);
  // portForwardTo finds the namespace through the runtime's sandboxes
  const sandboxes = { get: (id: string) => (id === 'sb1' ? { name } : undefined), netnsPathOf: (r: { name: string }) => `/run/netns/${r.name}` };
  assert.equal(await talk(await portForwardTo(sandboxes, 'sb1', port), 'again'), 'AGAIN');
  await assert.rejects(portForwardTo(sandboxes, 'nope', port), /could not find sandbox "nope"/);
});

test('dialLocalhost: a pod on the node\'s network has the node\'s localhost', async (t) => {
  const server = net.createServer((s) => s.on('data', (d) => s.end(String(d).toUpperCase())));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  assert.equal(await talk(await dialLocalhost('sb2', port), 'node'), 'NODE');
  const closed = await new Promise<number>((r) => { const x = net.createServer(); x.listen(0, '127.0.0.1', () => { const p = (x.address() as net.AddressInfo).port; x.close(() => r(p)); }); });
  await assert.rejects(dialLocalhost('sb2', closed), new RegExp(`^Error: failed to connect to localhost:${closed} inside namespace "sb2", IPv4: dial tcp4 127\\.0\\.0\\.1:${closed}: connect: connection refused IPv6 dial tcp6 \\[::1\\]:${closed}: connect: `));
});
