// gcr.io/google-samples/hello-go-gke stand-in ("Connect a Front End to a Back End Using a Service"):
// the hello greeter backend, answering every request on $PORT (80) with {"message":"Hello"}.
const http = require('node:http');
const port = /^\d+$/.test(process.env.PORT ?? '') ? Number(process.env.PORT) : 80;
http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end('{"message":"Hello"}\n');
}).listen(port, () => console.log(`listening on :${port}`));
// a Go program as a container's PID 1: exit status 2 on TERM/INT
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(2));
