// agnhost stand-in (registry.k8s.io/e2e-test-images/agnhost): the subcommands Kubernetes'
// documentation runs it with. `liveness` serves /healthz on 8080, healthy for its first 10 s and
// 500 after (the "Define a liveness HTTP request" walkthrough); `netexec` serves /, /hostname,
// /echo and /healthz on --http-port (8080); `pause` (the image's CMD) waits for a signal.
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
} else if (sub === 'pause') {
  console.log('Paused');
  setInterval(() => {}, 1 << 30);
} else {
  console.error(`Error: unknown command "${sub}" for "agnhost"`);
  process.exit(1);
}
// A Go program without signal handlers, as PID 1 of a container, exits with status 2 on TERM/INT
// (the runtime's re-raised signal is ignored by the kernel for init); node as PID 1 would ignore it.
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(2));
