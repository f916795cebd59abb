// gcr.io/google-samples/hello-frontend stand-in (the same page's frontend): nginx with the image's
// baked-in configuration, every request on 80 passed to the upstream `hello` (the backend
// Service's DNS name, resolved through the pod's resolv.conf) and its answer passed back.
// The nginx master's PID is in /var/run/nginx.pid, so the page's preStop `/usr/sbin/nginx -s quit` works.
const fs = require('node:fs');
const http = require('node:http');
const upstream = process.env.HELLO_UPSTREAM || 'hello';
const upstreamPort = /^\d+$/.test(process.env.HELLO_UPSTREAM_PORT ?? '') ? Number(process.env.HELLO_UPSTREAM_PORT) : 80;
const port = /^\d+$/.test(process.env.NGINX_PORT ?? '') ? Number(process.env.NGINX_PORT) : 80;
const pidFile = process.env.NGINX_PID_FILE || '/var/run/nginx.pid';

http.createServer((req, res) => {
  const out = http.request({ host: upstream, port: upstreamPort, method: req.method, path: req.url, headers: { ...req.headers, host: upstream } }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  out.on('error', (err) => {
    // nginx's answer when the upstream cannot be reached, its reason in the error log
    console.error(`[error] connect() to ${upstream}:${upstreamPort} failed (${err.message}) while connecting to upstream`);
    res.writeHead(502, { 'Content-Type': 'text/html', Server: 'nginx' });
    res.end('<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n');
  });
  req.pipe(out);
}).listen(port);
try { fs.writeFileSync(pidFile, `${process.pid}\n`); } catch { /* a read-only root: nginx -s cannot find it, as nginx's own */ }
// nginx stops on TERM, INT (fast) and QUIT (graceful) with exit status 0
for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT']) process.on(sig, () => process.exit(0));
