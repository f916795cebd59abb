// Run inside a pod's network namespace (nsenter --net=…) by the node's agent: connects to the
// pod's localhost on a port, IPv4 first and then IPv6 as the CRI's port forwarding does, and hands
// the connected socket to the agent over the IPC channel (the socket stays in the pod's namespace;
// the agent copies it to kubectl). On failure it sends both errors, in Go's words.
'use strict';
const net = require('node:net');

const port = Number(process.argv[2]);
/** goWords is how Go's net package says a failed dial (dial tcp4 127.0.0.1:80: connect: connection refused). */
function goWords(network, addr, e) {
  const why = { ECONNREFUSED: 'connection refused', ETIMEDOUT: 'connection timed out', EADDRNOTAVAIL: 'cannot assign requested address', ENETUNREACH: 'network is unreachable' }[e.code] ?? e.message;
  return `dial ${network} ${addr}: connect: ${why}`;
}
function attempt(host, network, addr) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => resolve({ socket: s }));
    s.once('error', (e) => resolve({ error: goWords(network, addr, e) }));
  });
}
(async () => {
  const v4 = await attempt('127.0.0.1', 'tcp4', `127.0.0.1:${port}`);
  if (v4.socket) return process.send({ ok: true }, v4.socket, () => process.exit(0));
  const v6 = await attempt('::1', 'tcp6', `[::1]:${port}`);
  if (v6.socket) return process.send({ ok: true }, v6.socket, () => process.exit(0));
  process.send({ ok: false, message: `IPv4: ${v4.error} IPv6 ${v6.error} ` }, () => process.exit(0));
})();
