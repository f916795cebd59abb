// registry.k8s.io/echoserver stand-in (Using Source IP; the image is nginx with a Lua page): on 8080
// every request is answered with what the server saw of it — the client's address, method, path,
// query, HTTP version and URI, the server's version, the request headers sorted by name, and the
// body — in the image's plain-text layout. The access log goes to stdout as nginx's.
const http = require('node:http');
const port = /^\d+$/.test(process.env.PORT ?? '') ? Number(process.env.PORT) : 8080;

/** describe is the page the image's Lua script prints for one request. */
function describe(req, body) {
  const clientAddress = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const path = req.url ?? '/';
  const q = path.indexOf('?');
  const hostName = (req.headers.host ?? 'localhost').replace(/:\d+$/, '');
  const headers = Object.keys(req.headers).sort().map((name) => `${name}=${req.headers[name]}`);
  return [
    'CLIENT VALUES:',
    `client_address=${clientAddress}`,
    `command=${req.method}`,
    `real path=${path}`,
    `query=${q >= 0 ? path.slice(q + 1) : 'nil'}`,
    `request_version=${req.httpVersion}`,
    `request_uri=http://${hostName}:${port}${path}`,
    '',
    'SERVER VALUES:',
    'server_version=nginx: 1.10.0 - lua: 10001',
    '',
    'HEADERS RECEIVED:',
    ...headers,
    'BODY:',
  ].join('\n') + '\n' + (body.length ? body.toString('utf8') : '-no body in request-');
}

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const page = describe(req, Buffer.concat(chunks));
    res.writeHead(200, { 'Content-Type': 'text/plain', Server: 'nginx/1.10.0' });
    res.end(page);
    const when = new Date().toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1/$2/$3:$4 +0000');
    console.log(`${(req.socket.remoteAddress ?? '-').replace(/^::ffff:/, '')} - - [${when}] "${req.method} ${req.url} HTTP/${req.httpVersion}" 200 ${Buffer.byteLength(page)} "-" "${req.headers['user-agent'] ?? '-'}"`);
  });
}).listen(port);
// nginx stops at once on TERM, INT and QUIT, exit status 0
for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT']) process.on(sig, () => process.exit(0));
