// luksa/kubia: answers every request with "You've hit <hostname>" on port 8080.
const http = require('node:http');
const os = require('node:os');
// --exit-on-sigterm: the Tomcat stand-in; a JVM runs its shutdown hooks at SIGTERM and exits 143.
// Without it, as luksa/kubia's `node app.js` as PID 1, SIGTERM is ignored: a deletion waits out the grace period.
if (process.argv.includes('--exit-on-sigterm')) process.on('SIGTERM', () => process.exit(143));
console.log('Kubia server starting...');
http.createServer((req, res) => {
  console.log('Received request from ' + req.socket.remoteAddress);
  res.writeHead(200);
  res.end("You've hit " + os.hostname() + '\n');
}).listen(/^\d+$/.test(process.env.KUBIA_PORT ?? '') ? Number(process.env.KUBIA_PORT) : 8080);
// (a Service named after the image puts KUBIA_PORT=tcp://IP:PORT in every later pod's environment: only a number is a port)
