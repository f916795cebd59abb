// registry.k8s.io/goproxy stand-in (the TCP liveness/readiness walkthrough): an HTTP forward proxy
// on port 8080 (absolute-URI requests are fetched and relayed; CONNECT tunnels).
const http = require('node:http');
const net = require('node:net');
const server = http.createServer((req, res) => {
  let target;
  try { target = new URL(req.url ?? ''); } catch { res.writeHead(500); res.end('This is a proxy server. Does not respond to non-proxy requests.\n'); return; }
  const up = http.request(target, { method: req.method, headers: req.headers }, (r) => { res.writeHead(r.statusCode ?? 502, r.headers); r.pipe(res); });
  up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
  req.pipe(up);
});
server.on('connect', (req, sock, head) => {
  const [host, port] = (req.url ?? '').split(':');
  const up = net.connect(Number(port || 443), host, () => { sock.write('HTTP/1.1 200 OK\r\n\r\n'); up.write(head); up.pipe(sock); sock.pipe(up); });
  up.on('error', () => sock.destroy());
  sock.on('error', () => up.destroy());
});
server.listen(8080);
// A Go program without signal handlers, as PID 1 of a container, exits with status 2 on TERM/INT.
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(2));
