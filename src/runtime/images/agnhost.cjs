// agnhost stand-in (registry.k8s.io/e2e-test-images/agnhost): the subcommands Kubernetes'
// documentation runs it with. `liveness` serves /healthz on 8080, healthy for its first 10 s and
// 500 after (the "Define a liveness HTTP request" walkthrough); `netexec` serves /, /hostname,
// /echo and /healthz on --http-port (8080); `serve-hostname` answers every HTTP request on --port (9376)
// with the hostname, no newline (the Debug Services walkthrough's serve_hostname image); `pause` (the
// image's CMD) waits for a signal.
const http = require('node:http');
const os = require('node:os');

const [sub = 'pause', ...rest] = process.argv.slice(2);
const flag = (name, def) => {
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === `--${name}`) return rest[i + 1];
    if (rest[i].startsWith(`--${name}=`)) return rest[i].slice(name.length + 3);
  }
  return def;
};

if (sub === 'liveness') {
  const started = Date.now();
  http.createServer((req, res) => {
    const secs = (Date.now() - started) / 1000;
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/started') { res.writeHead(200); res.end(`${secs}s`); return; }
    if (url.pathname === '/healthz') {
      if (secs > 10) { res.writeHead(500); res.end(`error: ${secs}`); } else { res.writeHead(200); res.end('ok'); }
      return;
    }
    if (url.pathname === '/redirect') { res.writeHead(302, { Location: url.searchParams.get('loc') ?? '/' }); res.end(); return; }
    res.writeHead(404); res.end('404 page not found\n');
  }).listen(8080);
} else if (sub === 'netexec') {
  http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (body, code = 200) => { res.writeHead(code); res.end(body); };
    if (url.pathname === '/' ) return send('NOW: ' + new Date().toISOString());
    if (url.pathname === '/hostname') return send(os.hostname());
    if (url.pathname === '/echo') return send(url.searchParams.get('msg') ?? '');
    if (url.pathname === '/healthz') return send('ok');
    send('404 page not found\n', 404);
  }).listen(Number(flag('http-port', '8080')));
} else if (sub === 'serve-hostname') {
  serveHostname();
} else if (sub === 'pause') {
  console.log('Paused');
  setInterval(() => {}, 1 << 30);
} else {
  console.error(`Error: unknown command "${sub}" for "agnhost"`);
  process.exit(1);
}
// A Go program without signal handlers, as PID 1 of a container, exits with status 2 on TERM/INT
// (the runtime's re-raised signal is ignored by the kernel for init); node as PID 1 would ignore it.
// serve-hostname handles TERM itself; INT still ends it as Go's default does.
for (const sig of ['SIGTERM', 'SIGINT']) {
  if (!(sub === 'serve-hostname' && sig === 'SIGTERM')) process.on(sig, () => process.exit(2));
}

/** goLog writes one line as Go's log package does by default: local date and time, to stderr. */
function goLog(msg) {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  process.stderr.write(`${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${msg}\n`);
}

/** serveHostname is agnhost's serve-hostname in its default HTTP mode (--tcp/--udp serve the name raw). */
function serveHostname() {
  const bool = (name, def) => {
    if (rest.includes(`--${name}`)) return true;
    const v = flag(name, undefined);
    return v === undefined ? def : v === 'true';
  };
  const port = Number(flag('port', '9376'));
  const [doTCP, doUDP, doHTTP, doClose] = [bool('tcp', false), bool('udp', false), bool('http', true), bool('close', false)];
  if (doHTTP && (doTCP || doUDP)) { goLog("Can't server TCP/UDP mode and HTTP mode at the same time"); process.exit(1); }
  const hostname = os.hostname();
  // Go names an IPv4 peer of a dual-stack listener by its IPv4 address
  const addr = (a = '', p) => { const ip = a.replace(/^::ffff:/, ''); return ip.includes(':') ? `[${ip}]:${p}` : `${ip}:${p}`; };
  if (doTCP) {
    require('node:net').createServer((conn) => {
      goLog(`TCP request from ${addr(conn.remoteAddress, conn.remotePort)}`);
      conn.end(hostname);
    }).listen(port);
  }
  if (doUDP) {
    const sock = require('node:dgram').createSocket('udp4');
    sock.on('message', (_m, from) => { goLog(`UDP request from ${addr(from.address, from.port)}`); sock.send(hostname, from.port, from.address); });
    sock.bind(port);
  }
  if (doHTTP) {
    http.createServer((req, res) => {
      goLog(`HTTP request from ${addr(req.socket.remoteAddress, req.socket.remotePort)}`);
      const headers = { 'Content-Type': 'text/plain; charset=utf-8' };
      if (doClose) headers.Connection = 'close';
      res.writeHead(200, headers);
      res.end(hostname);
    }).listen(port);
  }
  goLog(`Serving on port ${port}.`);
  // at TERM it keeps serving a minute, awaiting its pod's deletion, as the real program does
  process.on('SIGTERM', () => {
    goLog('Shutting down after receiving signal: terminated.');
    goLog('Awaiting pod deletion.');
    setTimeout(() => process.exit(0), 60_000);
  });
}
