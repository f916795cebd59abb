// registry.k8s.io/hpa-example stand-in (the HorizontalPodAutoscaler walkthrough's php-apache): on
// port 80 every request runs the page's CPU loop (a million square roots) and answers "OK!", so a
// load generator drives the pod's CPU use up as the real image does.
const http = require('node:http');
http.createServer((req, res) => {
  let x = 0.0001;
  for (let i = 0; i <= 1000000; i++) x += Math.sqrt(x);
  res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', 'X-Powered-By': 'PHP/5.6.40' });
  res.end('OK!');
}).listen(80);
process.on('SIGTERM', () => process.exit(0));
