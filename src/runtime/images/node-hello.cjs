// node-hello stand-in (gcr.io/google-samples/node-hello:1.0, the kubectl patch page's third
// container): the image runs `node server.js` from /, a web server on 8080 that answers every
// request with "Hello World!" and logs the URL it was asked for. No signal handler: as a
// container's PID 1, node ignores SIGTERM, so a deleted pod waits out its grace period.
const http = require('node:http');

const server = http.createServer((req, res) => {
  console.log(`Received request for URL: ${req.url}`);
  res.writeHead(200);
  res.end('Hello World!');
});

// NODE_HELLO_PORT only lets the stand-in's own test pick a free port; the image always serves 8080
server.listen(Number(process.env.NODE_HELLO_PORT || 8080));
