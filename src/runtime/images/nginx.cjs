// nginx stand-in: serves the nginx welcome page on port 80 (NGINX_PORT overrides) and logs
// requests in nginx's combined format. When /usr/share/nginx/html exists (a volume mounted there,
// as the StatefulSet tutorial does) files are served from it as nginx's document root: a directory
// without index.html is 403 Forbidden, a missing file 404.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const ROOT = '/usr/share/nginx/html';
const page = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;
const status = (code, text) => `<html>\r\n<head><title>${code} ${text}</title></head>\r\n<body>\r\n<center><h1>${code} ${text}</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n`;

/** fromRoot answers a request from the document root: [code, body]. */
function fromRoot(url) {
  const rel = path.posix.normalize(decodeURIComponent(url.split('?')[0]));
  let file = path.join(ROOT, rel);
  try {
    if (fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    return [200, fs.readFileSync(file)];
  } catch (e) {
    if (e.code === 'ENOENT' && file.endsWith('/index.html') && fs.existsSync(path.dirname(file))) return [403, status(403, 'Forbidden')];
    return [404, status(404, 'Not Found')];
  }
}

/** timeLocal is the access log's $time_local (27/Nov/2026:19:47:30 +0000). */
function timeLocal(d = new Date()) {
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** nginxTime is nginx's log timestamp (2021/07/13 22:37:03, UTC in the image). */
const nginxTime = (d = new Date()) => d.toISOString().slice(0, 19).replace(/-/g, '/').replace('T', ' ');

/** PID_FILE is where nginx.conf's pid directive puts the master's PID (`nginx -s` reads it). */
const PID_FILE = process.env.NGINX_PID_FILE || '/var/run/nginx.pid';
/** WORKER is a worker process as ps shows it: "nginx: worker process", named nginx, until the master goes (EOF on its stdin). */
const WORKER = '$0 = "nginx: worker process"; if (open my $c, ">", "/proc/self/comm") { print $c "nginx"; close $c } 1 while sysread(STDIN, my $b, 1);';
let workers = [];

/**
 * startWorkers starts nginx.conf's `worker_processes auto` (one a CPU) as the image's nginx user
 * (101) when the master is root, as small perl processes (none where the node has no perl), and
 * returns their PIDs. They serve nothing: the master answers every request.
 */
function startWorkers() {
  if (!fs.existsSync('/usr/bin/perl')) return [];
  const { spawn } = require('node:child_process');
  const n = Math.max(1, require('node:os').availableParallelism?.() ?? require('node:os').cpus().length);
  const one = (asNginx) => spawn('/usr/bin/perl', ['-e', WORKER], { stdio: ['pipe', 'ignore', 'ignore'], ...(asNginx ? { uid: 101, gid: 101 } : {}) });
  for (let i = 0; i < n; i++) {
    let w;
    // without CAP_SETUID (a securityContext that drops it) the workers stay the master's user
    try { w = one(process.getuid?.() === 0); } catch { w = one(false); }
    w.on('error', () => {});
    workers.push(w);
  }
  return workers.map((w) => w.pid).filter(Boolean);
}

/** stopWorkers lets the workers go (they exit at the end of their stdin). */
function stopWorkers() {
  for (const w of workers) w.stdin.end();
  workers = [];
}

function writePidFile() {
  try { fs.writeFileSync(PID_FILE, `${process.pid}\n`); } catch { /* a read-only root: nginx -s cannot find it, as nginx's own */ }
}

// ps shows the master process as nginx names it (the image runs `nginx -g daemon off;`)
// and names it nginx, as the nginx binary is (killall nginx and pidof nginx find it), before its
// PID file says it is up
if (process.argv.includes('--docker-entrypoint')) {
  process.title = 'nginx: master process nginx -g daemon off;';
  try { fs.writeFileSync('/proc/self/comm', 'nginx'); } catch { /* no procfs: the title's first 15 characters */ }
}
// With --docker-entrypoint (the nginx image's entry) the container logs what the image's
// /docker-entrypoint.sh prints on stdout and nginx's start-up notices on stderr (its error log),
// which `kubectl logs` shows in the seeds.
if (process.argv.includes('--docker-entrypoint')) {
  const os = require('node:os');
  for (const line of [
    '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration',
    '/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/',
    '/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh',
    '10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf',
    '10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf',
    '/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh',
    '/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh',
    '/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh',
    '/docker-entrypoint.sh: Configuration complete; ready for start up',
  ]) console.log(line);
  const t = nginxTime();
  const notices = ['using the "epoll" event method', 'nginx/1.27.3', 'built by gcc 12.2.0 (Debian 12.2.0-14) ',
    `OS: Linux ${os.release()}`, 'getrlimit(RLIMIT_NOFILE): 1048576:1048576', 'start worker processes'];
  for (const pid of startWorkers()) notices.push(`start worker process ${pid}`);
  for (const n of notices) console.error(`${t} [notice] 1#1: ${n}`);
  writePidFile();
}

/** serve answers one request (HTTP or HTTPS alike) and writes its access-log line. */
function serve(req, res) {
  let code, body;
  if (fs.existsSync(ROOT)) [code, body] = fromRoot(req.url ?? '/');
  else if (req.url === '/' || req.url === '/index.html') [code, body] = [200, page];
  else [code, body] = [404, status(404, 'Not Found')];
  res.writeHead(code, { 'Content-Type': 'text/html', Server: 'nginx/1.27.3' });
  res.end(body);
  console.log(`${(req.socket.remoteAddress ?? "-").replace(/^::ffff:/, "")} - - [${timeLocal()}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${code} ${body.length} "-" "${req.headers['user-agent'] ?? '-'}" "-"`);
}
http.createServer(serve).listen(/^\d+$/.test(process.env.NGINX_PORT ?? '') ? Number(process.env.NGINX_PORT) : 80);
// NGINX_TLS_DIR (the catalog's bprashanth/nginxhttps, the Connecting Applications with Services
// tutorial's server) is where its default.conf's ssl_certificate and key are, tls.crt and tls.key
// from the secret volume: it serves the same on 443 with them, and stops as nginx does without them.
if (process.env.NGINX_TLS_DIR) {
  const crt = path.join(process.env.NGINX_TLS_DIR, 'tls.crt');
  const key = path.join(process.env.NGINX_TLS_DIR, 'tls.key');
  let tls;
  try {
    tls = { cert: fs.readFileSync(crt), key: fs.readFileSync(key) };
  } catch (e) {
    console.error(`nginx: [emerg] cannot load certificate "${crt}": BIO_new_file() failed (SSL: error:02001002:system library:fopen:No such file or directory:fopen('${crt}','r') error:2006D080:BIO routines:BIO_new_file:no such file)`);
    process.exit(1);
  }
  require('node:https').createServer(tls, serve).listen(/^\d+$/.test(process.env.NGINX_TLS_PORT ?? '') ? Number(process.env.NGINX_TLS_PORT) : 443);
}
// nginx stops at once on TERM and INT (fast shutdown) and QUIT (graceful), exit status 0. Without
// handlers a container's PID 1 would ignore them and every pod would wait out its grace period.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT']) process.on(sig, () => { stopWorkers(); process.exit(0); });
// HUP reloads the configuration (the share-process-namespace walkthrough sends it from another
// container): nginx says so in its error log and starts new workers; it does not stop.
process.on('SIGHUP', () => {
  if (!process.argv.includes('--docker-entrypoint')) return;
  const t = nginxTime();
  // new workers first, then the old ones go (ps shows a new worker PID, as the walkthrough's does)
  const old = workers;
  workers = [];
  const started = startWorkers();
  for (const w of old) w.stdin.end();
  for (const n of ['signal 1 (SIGHUP) received, reconfiguring', 'reconfiguring', 'using the "epoll" event method', 'start worker processes',
    ...started.map((pid) => `start worker process ${pid}`)]) console.error(`${t} [notice] 1#1: ${n}`);
});
// (a Service named after the image puts NGINX_PORT=tcp://IP:PORT in every later pod's environment: only a number is a port)
