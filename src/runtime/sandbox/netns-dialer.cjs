// Connects to localhost on a port, IPv4 first and then IPv6 as the CRI's port forwarding does, and
// says a failure in Go's words. Run inside a pod's network namespace (nsenter --net=…) by the node's
// agent, it hands the connected socket over the IPC channel (the socket stays in the pod's
// namespace; the agent copies it to kubectl); loaded as a module, the agent dials its own localhost.
'use strict';
const net = require('node:net');

/** goWords is how Go's net package says a failed dial (dial tcp4 127.0.0.1:80: connect: connection refused). */
function goWords(network, addr, e) {
  const why = { ECONNREFUSED: 'connection refused', ETIMEDOUT: 'connection timed out', EADDRNOTAVAIL: 'cannot assign requested address', ENETUNREACH: 'network is unreachable' }[e.code] ?? e.message;
  return `dial ${network} ${addr}: connect: ${why}`;
}

function attempt(host, port, network, addr) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => { s.removeAllListeners('error'); resolve({ socket: s }); });
    s.once('error', (e) => resolve({ error: goWords(network, addr, e) }));
  });
}

/** connectLocalhost resolves {socket} or {error: "IPv4: … IPv6 … "} as containerd words a failed port forward. */
async function connectLocalhost(port) {
  const v4 = await attempt('127.0.0.1', port, 'tcp4', `127.0.0.1:${port}`);
  if (v4.socket) return v4;
  const v6 = await attempt('::1', port, 'tcp6', `[::1]:${port}`);
  if (v6.socket) return v6;
  return { error: `IPv4: ${v4.error} IPv6 ${v6.error} ` };
}

module.exports = { connectLocalhost };

if (require.main === module) {
  connectLocalhost(Number(process.argv[2])).then((r) => {
    if (r.socket) process.send({ ok: true }, r.socket, () => process.exit(0));
    else process.send({ ok: false, message: r.error }, () => process.exit(0));
  });
}
