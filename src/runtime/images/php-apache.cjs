// registry.k8s.io/hpa-example stand-in (the HorizontalPodAutoscaler walkthrough's php-apache): on
// port 80 every request runs the page's CPU loop (a million square roots) and answers "OK!", so a
// load generator drives the pod's CPU use up as the real image does. PHP 5's interpreter spends
// some 40 ms of CPU on that loop where V8 needs a few: the loop is repeated until the request has
// used as much CPU as PHP would (one busybox wget loop then saturates the pod's 500m limit, as in
// the walkthrough, instead of barely reaching the 50% target).
const http = require('node:http');
const PHP_CPU_MICROS = 40_000;
http.createServer((req, res) => {
  const start = process.cpuUsage();
  let x = 0.0001;
  do {
    for (let i = 0; i <= 1000000; i++) x += Math.sqrt(x);
  } while (process.cpuUsage(start).user + process.cpuUsage(start).system < PHP_CPU_MICROS);
  res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', 'X-Powered-By': 'PHP/5.6.40' });
  res.end('OK!');
}).listen(80);
// apache stops on TERM (exit status 0); node as a container's PID 1 would ignore it
process.on('SIGTERM', () => process.exit(0));
