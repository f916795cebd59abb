// command-helper: runs the short-lived host commands of a node agent (ip, iptables, unshare,
// umount, CNI plugins) on its behalf. Forking a large process (the agent) costs milliseconds of
// its event loop per command; forking this small one does not. Messages in: {id, file, args, env,
// input} or {kill: id}; out: {id, code, signal, stdout, stderr} or {id, error, errno}.
'use strict';
const { spawn } = require('node:child_process');

const running = new Map();
process.on('disconnect', () => {
  for (const c of running.values()) c.kill('SIGKILL');
  process.exit(0);
});
process.on('message', (m) => {
  if (m.kill !== undefined) {
    running.get(m.kill)?.kill('SIGKILL');
    return;
  }
  let child;
  try {
    child = spawn(m.file, m.args, { env: m.env, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    process.send({ id: m.id, error: e.message, errno: e.code });
    return;
  }
  running.set(m.id, child);
  const out = [];
  const err = [];
  let failed;
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => err.push(d));
  child.on('error', (e) => { failed = e; });
  child.on('close', (code, signal) => {
    running.delete(m.id);
    if (failed) process.send({ id: m.id, error: failed.message, errno: failed.code });
    else process.send({ id: m.id, code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
  });
  child.stdin.on('error', () => { /* the command may exit before reading its input */ });
  child.stdin.end(m.input ?? '');
});
