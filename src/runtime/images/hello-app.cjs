// gcr.io/google-samples/hello-app stand-in (the ReplicaSet concept's pod-rs.yaml, the Ingress and
// Deployment tutorials): on $PORT (8080) every request is answered with the greeting, the
// version (HELLO_VERSION, set per tag in the catalog) and the pod's hostname.
const http = require('node:http');
const os = require('node:os');
const port = process.env.PORT || '8080';
// the image's program is /hello-app: ps in the container names it so (the security context page's ps aux)
process.title = '/hello-app';
// and its name is the binary's (node's title sets it to the whole title; busybox's ps shows {name} when they differ)
try { require('node:fs').writeFileSync('/proc/self/comm', 'hello-app'); } catch { /* no procfs: the title alone */ }
console.log(`Server listening on port ${port}`);
http.createServer((req, res) => {
  console.log(`Serving request: ${req.url}`);
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`Hello, world!\nVersion: ${process.env.HELLO_VERSION || '1.0.0'}\nHostname: ${os.hostname()}\n`);
}).listen(Number(port));
// a Go program as a container's PID 1: exit status 2 on TERM/INT
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(2));
