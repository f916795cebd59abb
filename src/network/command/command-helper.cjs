// command-helper: runs the short-lived host commands of a node agent (ip, iptables, unshare,
// umount, CNI plugins) on its behalf. Forking a large process (the agent) costs milliseconds of
// its event loop per command; forking this small one does not. Messages in: {id, file, args, env,
// input} or {kill: id}; out: {ready: true} once at start, then {id, code, signal, stdout, stderr}
// or {id, error, errno}. The parent disconnects it when it has been idle for a while (it costs a
// whole node process, ~40 MB), and forks a new one when commands come again.
'use strict';
const { spawn } = require('node:child_process');

const running = new Map();
// The parent may disconnect at any time (idle exit, its own exit): a reply it will not read is dropped.
const send = (m) => { if (process.connected) process.send(m, undefined, undefined, () => { /* parent gone */ }); };
process.on('disconnect', () => {
  for (const c of running.values()) c.kill('SIGKILL');
  process.exit(0);
});
// A terminal's Ctrl-C (or hangup) reaches the whole process group: the helper is needed by the
// agent's own shutdown (deleting its nftables tables, unmounting), so it goes when the agent lets go.
for (const sig of ['SIGINT', 'SIGHUP']) process.on(sig, () => {});
process.on('message', (m) => {
  if (m.kill !== undefined) {
    running.get(m.kill)?.kill('SIGKILL');
    return;
  }
  let child;
  try {
    child = spawn(m.file, m.args, { env: m.env, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    send({ id: m.id, error: e.message, errno: e.code });
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
    if (failed) send({ id: m.id, error: failed.message, errno: failed.code });
    else send({ id: m.id, code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
  });
  child.stdin.on('error', () => { /* the command may exit before reading its input */ });
  child.stdin.end(m.input ?? '');
});
// Until this arrives the parent runs its commands itself rather than wait for this process to boot.
send({ ready: true });
