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
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>
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

http.createServer((req, res) => {
  let code, body;
  if (fs.existsSync(ROOT)) [code, body] = fromRoot(req.url ?? '/');
  else if (req.url === '/' || req.url === '/index.html') [code, body] = [200, page];
  else [code, body] = [404, status(404, 'Not Found')];
  res.writeHead(code, { 'Content-Type': 'text/html', Server: 'nginx/1.27.3' });
  res.end(body);
  console.log(`${req.socket.remoteAddress} - - [${new Date().toUTCString()}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${code} ${body.length} "-" "${req.headers['user-agent'] ?? '-'}" "-"`);
}).listen(/^\d+$/.test(process.env.NGINX_PORT ?? '') ? Number(process.env.NGINX_PORT) : 80);
// nginx stops at once on TERM and INT (fast shutdown) and QUIT (graceful), exit status 0. Without
// handlers a container's PID 1 would ignore them and every pod would wait out its grace period.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT']) process.on(sig, () => process.exit(0));
// (a Service named after the image puts NGINX_PORT=tcp://IP:PORT in every later pod's environment: only a number is a port)
