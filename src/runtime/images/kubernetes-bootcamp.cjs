// kubernetes-bootcamp stand-in: the web app of kubernetes.io's "Learn Kubernetes Basics" tutorial.
// The image runs `node server.js` from / (this file is mounted at /server.js, so `cat server.js`
// in the container shows it). On 8080 every request gets one text line naming the pod and the
// app's version (v=2 for jocatalin/kubernetes-bootcamp:v2, which the catalog marks with
// BOOTCAMP_VERSION); stdout gets a start line and one line per request, as the tutorial's
// `kubectl logs` shows. No signal handler: as a container's PID 1, node ignores SIGTERM, so a
// deleted pod waits out its grace period (the tutorial's pods stay Terminating a while).
const http = require('node:http');
const os = require('node:os');

const version = process.env.BOOTCAMP_VERSION || '1';
const host = process.env.HOSTNAME || os.hostname();
let requests = 0;
let startedAt;

const server = http.createServer((req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.writeHead(200);
  res.end(`Hello Kubernetes bootcamp! | Running on: ${host} | v=${version}\n`);
  requests += 1;
  const now = new Date();
  console.log(`Running On: ${host} | Total Requests: ${requests} | App Uptime: ${(now - startedAt) / 1000} seconds | Log Time: ${now.toISOString()}`);
});

// BOOTCAMP_PORT only lets the stand-in's own test pick a free port; the image always serves 8080
server.listen(Number(process.env.BOOTCAMP_PORT || 8080), () => {
  startedAt = new Date();
  // the app logs its start with two spaces before the host and " \n" after it (a blank line follows)
  console.log(`Kubernetes Bootcamp App Started At: ${startedAt.toISOString()} | Running On:  ${host} \n`);
});
