// Guestbook frontend stand-in (gb-frontend v4/v5, kubeguide/guestbook-php-frontend): the PHP
// guestbook of Kubernetes' "Deploying PHP Guestbook application with Redis" tutorial, as an
// Apache + mod_php image would serve it on port 80:
//   /                 our own small guestbook page (title "Guestbook", a form, a script that
//                     reads and writes the messages through guestbook.php as the real page does)
//   /guestbook.php    cmd=set  → SET key value on the write host, answers {"message": "Updated"}
//                     any other cmd → GET key on the read host, answers {"data": "<value>"}
//                     no cmd   → a phpinfo() page
// The write host is redis-leader (redis-master for `--names master`, the older images), the read
// host redis-follower (redis-slave); with GET_HOSTS_FROM=env they come from the Services'
// environment variables (REDIS_LEADER_SERVICE_HOST …) instead of cluster DNS. Each request opens
// its own connection, as the page's Predis client does, speaking Redis' protocol (RESP) itself.
// Apache's start-up notices go to stderr and one access log line ("combined") per request to
// stdout, which is what `kubectl logs` shows of the real image.
'use strict';
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');

const argv = process.argv.slice(2);
/** opt reads `--name value` from the command line. */
function opt(name) {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv[i + 1];
}
const names = opt('names') ?? 'leader';
const HOSTS = names === 'master'
  ? { write: 'redis-master', writeEnv: 'REDIS_MASTER_SERVICE_HOST', read: 'redis-slave', readEnv: 'REDIS_SLAVE_SERVICE_HOST' }
  : { write: 'redis-leader', writeEnv: 'REDIS_LEADER_SERVICE_HOST', read: 'redis-follower', readEnv: 'REDIS_FOLLOWER_SERVICE_HOST' };
// Apache listens on 80; --port only lets a test run it unprivileged, --redis-port point it at a
// test's redis (the page itself always uses 6379)
const port = Number(opt('port') ?? 80);
const redisPort = Number(opt('redis-port') ?? 6379);
const PHP_VERSION = process.env.PHP_VERSION ?? '7.4.7';
// the php:*-apache images: PHP 5 is Debian stretch's Apache, PHP 7.4 buster's
const SERVER = `Apache/${PHP_VERSION.startsWith('5.') ? '2.4.25' : '2.4.38'} (Debian)`;
const SCRIPT_PATH = '/var/www/html/guestbook.php';

/** hostFor picks the Redis host as the page does: a Service's name, or with GET_HOSTS_FROM=env its variable ('' when unset). */
function hostFor(which) {
  if (process.env.GET_HOSTS_FROM === 'env') return process.env[HOSTS[`${which}Env`]] ?? '';
  return HOSTS[which];
}

const resp = (words) => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;

/**
 * redisCommand sends one command on a fresh connection and resolves with the reply (a string, or
 * null for a nil bulk); a connection failure or an error reply rejects with Predis' message.
 */
function redisCommand(host, words) {
  return new Promise((resolve, reject) => {
    const where = `[tcp://${host}:${redisPort}]`;
    if (!host) { reject(new ConnectionError(`Connection refused ${where}`)); return; }
    const sock = net.connect({ host, port: redisPort });
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (fn, v) => { if (!settled) { settled = true; sock.destroy(); fn(v); } };
    // Predis' default connection timeout is 5 seconds
    sock.setTimeout(5000, () => finish(reject, new ConnectionError(`Connection timed out ${where}`)));
    sock.on('connect', () => sock.write(resp(words)));
    sock.on('error', (e) => {
      const why = e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN'
        ? 'php_network_getaddresses: getaddrinfo failed: Name or service not known'
        : e.code === 'ECONNREFUSED' ? 'Connection refused' : e.message;
      finish(reject, new ConnectionError(`${why} ${where}`));
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const head = buf.subarray(1, eol).toString();
      switch (buf[0]) {
        case 0x2b: return finish(resolve, head); // +OK
        case 0x3a: return finish(resolve, head); // :integer
        case 0x2d: return finish(reject, new ServerError(head)); // -ERR …
        case 0x24: { // $len bulk
          const len = Number(head);
          if (len < 0) return finish(resolve, null);
          if (buf.length >= eol + 2 + len + 2) finish(resolve, buf.subarray(eol + 2, eol + 2 + len).toString());
          return undefined;
        }
        default: return finish(reject, new ServerError(`unexpected reply ${JSON.stringify(head)}`));
      }
    });
    sock.on('close', () => finish(reject, new ConnectionError(`Connection closed ${where}`)));
  });
}

/** ConnectionError is Predis\Connection\ConnectionException: the page could not reach Redis. */
class ConnectionError extends Error { phpClass = 'Predis\\Connection\\ConnectionException'; phpFile = '/usr/local/lib/php/Predis/Connection/AbstractConnection.php:155'; }
/** ServerError is Predis\Response\ServerException: Redis answered with an error (e.g. READONLY). */
class ServerError extends Error { phpClass = 'Predis\\Response\\ServerException'; phpFile = '/usr/local/lib/php/Predis/Client.php:370'; }

/** notice is what PHP prints (display_errors on, E_ALL) for a query parameter the page reads but the request lacks. */
function notice(name, line) {
  return PHP_VERSION.startsWith('8.')
    ? `<br />\n<b>Warning</b>:  Undefined array key "${name}" in <b>${SCRIPT_PATH}</b> on line <b>${line}</b><br />\n`
    : `<br />\n<b>Notice</b>:  Undefined index: ${name} in <b>${SCRIPT_PATH}</b> on line <b>${line}</b><br />\n`;
}

/** fatal is PHP's display of an uncaught exception, which ends the page. */
function fatal(e) {
  return `<br />\n<b>Fatal error</b>:  Uncaught ${e.phpClass}: ${e.message} in ${e.phpFile}\nStack trace:\n#0 {main}\n  thrown in <b>${e.phpFile.split(':')[0]}</b> on line <b>${e.phpFile.split(':')[1]}</b><br />\n`;
}

/** guestbookPhp runs guestbook.php for a query: [contentType, body]. */
async function guestbookPhp(query) {
  if (!query.has('cmd')) return ['text/html; charset=UTF-8', phpinfo()];
  let out = '';
  const param = (name, line) => {
    if (query.has(name)) return query.get(name);
    out += notice(name, line);
    return '';
  };
  try {
    if (query.get('cmd') === 'set') {
      const key = param('key', 18);
      const value = param('value', 18);
      await redisCommand(hostFor('write'), ['SET', key, value]);
      out += '{"message": "Updated"}';
    } else {
      const key = param('key', 30);
      const value = await redisCommand(hostFor('read'), ['GET', key]);
      // the page pastes the value into its JSON as it is (PHP's null is the empty string)
      out += `{"data": "${value ?? ''}"}`;
    }
  } catch (e) {
    if (!e.phpClass) throw e;
    out += fatal(e);
  }
  return ['application/json', out];
}

/** phpinfo is a short page in the style of PHP's phpinfo(), which the real page shows without cmd. */
function phpinfo() {
  const row = (k, v) => `<tr><td class="e">${k} </td><td class="v">${v} </td></tr>\n`;
  return `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<title>PHP ${PHP_VERSION} - phpinfo()</title><meta name="ROBOTS" content="NOINDEX,NOFOLLOW,NOARCHIVE" /></head>
<body><div class="center">
<table>
<tr class="h"><td><h1 class="p">PHP Version ${PHP_VERSION}</h1></td></tr>
</table>
<table>
${row('System', `Linux ${os.hostname()} ${os.release()} #1 SMP ${os.arch()}`)}${row('Server API', 'Apache 2.0 Handler')}${row('Loaded Configuration File', '(none)')}</table>
<h2>Environment</h2>
<table>
<tr class="h"><th>Variable</th><th>Value</th></tr>
${Object.entries(process.env).filter(([k]) => /^(GET_HOSTS_FROM|REDIS_|HOSTNAME$|PHP_VERSION$)/.test(k)).map(([k, v]) => row(k, escapeHtml(String(v)))).join('')}</table>
</div></body></html>
`;
}

const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

const INDEX = `<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <title>Guestbook</title>
    <style>
      body { font-family: sans-serif; margin: 20px; max-width: 40em; }
      input { width: 70%; padding: 4px; }
      #messages div { padding: 4px 0; border-bottom: 1px solid #ddd; }
    </style>
    <script src="controllers.js"></script>
  </head>
  <body>
    <h2>Guestbook</h2>
    <form id="guestbook">
      <fieldset>
        <input id="msg" placeholder="Messages" type="text" name="input" autocomplete="off">
        <button type="submit">Submit</button>
      </fieldset>
    </form>
    <p id="status"></p>
    <div id="messages"></div>
  </body>
</html>
`;

// The page keeps every message in one comma-joined value under the key "messages", as the real
// page's script does: it reads it at load and writes the whole list back after each submit.
const CONTROLLERS = `'use strict';
var messages = [];
function show() {
  var list = document.getElementById('messages');
  list.textContent = '';
  messages.forEach(function (m) {
    var div = document.createElement('div');
    div.textContent = m;
    list.appendChild(div);
  });
}
function load() {
  fetch('guestbook.php?cmd=get&key=messages')
    .then(function (r) { return r.json(); })
    .then(function (body) { messages = body.data ? body.data.split(',') : []; show(); });
}
function submit(event) {
  event.preventDefault();
  var input = document.getElementById('msg');
  if (!input.value) return;
  messages.push(input.value);
  input.value = '';
  show();
  fetch('guestbook.php?cmd=set&key=messages&value=' + encodeURIComponent(messages.join()))
    .then(function (r) { return r.json(); })
    .then(function () { document.getElementById('status').textContent = 'Updated.'; });
}
document.addEventListener('DOMContentLoaded', function () {
  document.getElementById('guestbook').addEventListener('submit', submit);
  load();
});
`;

const notFound = () => `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>404 Not Found</title>
</head><body>
<h1>Not Found</h1>
<p>The requested URL was not found on this server.</p>
<hr>
<address>${SERVER} Server at localhost Port ${port}</address>
</body></html>
`;

/** apacheTime is the access log's %t: [28/Nov/2026:06:55:00 +0000]. */
function apacheTime(d = new Date()) {
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** errorLogTime is the error log's timestamp, to the microsecond: Sat Nov 28 06:55:00.123456 2026. */
function errorLogTime() {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const d = new Date(Math.floor(micros / 1000));
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const frac = String(micros % 1_000_000).padStart(6, '0');
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2, '0')} ${d.toISOString().slice(11, 19)}.${frac} ${d.getUTCFullYear()}`;
}

/** errorLog writes one line of Apache's error log (stderr in the php apache images). */
const errorLog = (module, msg) => process.stderr.write(`[${errorLogTime()}] [${module}] [pid 1] ${msg}\n`);

/** clientIP is the request's peer address as Apache's %h prints it (no IPv4-mapped prefix). */
const clientIP = (req) => (req.socket.remoteAddress ?? '-').replace(/^::ffff:/, '');

const server = http.createServer(async (req, res) => {
  const start = req.socket.bytesWritten;
  res.on('finish', () => {
    // combined: %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i" (%O counts the headers too)
    const sent = req.socket.bytesWritten - start;
    process.stdout.write(`${clientIP(req)} - - [${apacheTime()}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${res.statusCode} ${sent} ` +
      `"${req.headers.referer ?? '-'}" "${req.headers['user-agent'] ?? '-'}"\n`);
  });
  const url = new URL(req.url ?? '/', 'http://localhost');
  res.setHeader('Server', SERVER);
  const send = (code, type, body) => {
    res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  try {
    switch (url.pathname) {
      case '/': case '/index.html': return send(200, 'text/html', INDEX);
      case '/controllers.js': return send(200, 'application/javascript', CONTROLLERS);
      case '/guestbook.php': {
        res.setHeader('X-Powered-By', `PHP/${PHP_VERSION}`);
        const [type, body] = await guestbookPhp(url.searchParams);
        return send(200, type, body);
      }
      default: return send(404, 'text/html; charset=iso-8859-1', notFound());
    }
  } catch (e) {
    errorLog('php7:error', `[client ${clientIP(req)}] PHP Fatal error: ${e.message}`);
    if (!res.headersSent) send(500, 'text/html; charset=UTF-8', '');
    return undefined;
  }
});

/** podIP is the first non-loopback IPv4 address: what Apache names itself without a ServerName. */
function podIP() {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

// ps shows the server as Apache's parent process names itself
process.title = 'apache2 -DFOREGROUND';
server.listen(port, () => {
  // apache2-foreground checks the config once and starts, each time without a ServerName
  const ah00558 = `AH00558: apache2: Could not reliably determine the server's fully qualified domain name, using ${podIP()}. Set the 'ServerName' directive globally to suppress this message\n`;
  process.stderr.write(ah00558 + ah00558);
  errorLog('mpm_prefork:notice', `AH00163: ${SERVER} PHP/${PHP_VERSION} configured -- resuming normal operations`);
  errorLog('core:notice', "AH00094: Command line: 'apache2 -D FOREGROUND'");
});
// Apache stops at TERM (exit status 0); node as a container's PID 1 would ignore it
process.on('SIGTERM', () => {
  errorLog('mpm_prefork:notice', 'AH00169: caught SIGTERM, shutting down');
  process.exit(0);
});
