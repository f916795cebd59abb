// luksa/kubia-unhealthy: like kubia, but from the sixth request on it answers 500.
const http = require('node:http');
const os = require('node:os');
let requestCount = 0;
console.log('Kubia server starting...');
http.createServer((req, res) => {
  console.log('Received request from ' + req.socket.remoteAddress);
  if (++requestCount > 5) {
    res.writeHead(500);
    res.end("I'm not well. Please restart me!\n");
    return;
  }
  res.writeHead(200);
  res.end("You've hit " + os.hostname() + '\n');
}).listen(/^\d+$/.test(process.env.KUBIA_PORT ?? '') ? Number(process.env.KUBIA_PORT) : 8080);
// (a Service named after the image puts KUBIA_PORT=tcp://IP:PORT in every later pod's environment: only a number is a port)
