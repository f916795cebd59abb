// nginx stand-in: serves the nginx welcome page on port 80 (NGINX_PORT overrides) and logs
// requests in nginx's combined format.
const http = require('node:http');
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
http.createServer((req, res) => {
  const body = req.url === '/' || req.url === '/index.html' ? page : null;
  res.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html', Server: 'nginx/1.27.3' });
  res.end(body ?? '<html><body><h1>404 Not Found</h1></body></html>\n');
  console.log(`${req.socket.remoteAddress} - - [${new Date().toUTCString()}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${res.statusCode} ${(body ?? '').length} "-" "${req.headers['user-agent'] ?? '-'}" "-"`);
}).listen(Number(process.env.NGINX_PORT || 80));
