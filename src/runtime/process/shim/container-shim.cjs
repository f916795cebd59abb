// container-shim: one per node runtime, as containerd-shim. It forks the node's container
// processes (so the agent's large process does not: a fork of it blocks its event loop for
// milliseconds, and in `tskube up` that loop is also the API server's), is their parent, writes
// their stdout/stderr to the CRI log file itself (the agent handles no output bytes unless
// something is attached) and reports each start, readiness and exit over its IPC channel. Its
// containers outlive a crashed agent (see the end of this file), as containerd-shim's do.
// Plain CommonJS, started without tsx: it should start small and fork cheaply.
//
// Messages in:
//   {op:'start', id, file, args, env, cwd, detached, uid, gid, stdio, roles, logPath, maxLogBytes}
//     stdio: child_process stdio kinds for fds 0..n ('pipe' | 'ignore');
//     roles: {stdout: fd, stderr: [fd], setupErr?: fd, ready?: fd, resize?: fd, stdin?: true}
//   {op:'signal', id, signal, group?}     signal the container's process (or its process group)
//   {op:'stdin', id, data}                base64 bytes for its stdin; {op:'stdinEnd', id}
//   {op:'resize', id, cols, rows}         a tty container's terminal size
//   {op:'attach', id, on}                 forward its output as 'output' messages (or stop)
// Messages out:
//   {ev:'started', id, pid} | {ev:'startFailed', id, error, errno}
//   {ev:'ready', id}                      the setup script wrote on its ready fd (or closed it)
//   {ev:'output', id, stream, data}       base64, only while attached
//   {ev:'exit', id, code, signal, spawnError, setupErr}   after the log file is closed
'use strict';
const { spawn } = require('node:child_process');
const { CriLogWriter } = require('../../cri-log-writer.cjs');

/** SETUP_NOISE is unshare's message when its child dies of a signal: kept from the log (the exit code says it). */
const SETUP_NOISE = 'sigprocmask unblock failed';
/** SETUP_ERR_KEEP is how much of the setup script's stderr is kept for the exit report. */
const SETUP_ERR_KEEP = 4096;

const running = new Map();

function send(m) {
  if (process.connected) process.send(m);
}

function start(m) {
  let log;
  try {
    log = new CriLogWriter(m.logPath, m.maxLogBytes);
  } catch (e) {
    send({ ev: 'startFailed', id: m.id, error: e.message, errno: e.code });
    return;
  }
  let child;
  try {
    child = spawn(m.file, m.args, {
      env: m.env, cwd: m.cwd, detached: !!m.detached, stdio: m.stdio,
      ...(m.uid !== undefined ? { uid: m.uid, gid: m.gid } : {}),
    });
  } catch (e) {
    log.close();
    send({ ev: 'startFailed', id: m.id, error: e.message, errno: e.code });
    return;
  }
  const r = m.roles;
  const c = { child, log, attached: false, setupErr: '', resize: r.resize !== undefined ? child.stdio[r.resize] : null, group: !!m.detached };
  running.set(m.id, c);
  const out = (stream, d) => {
    log.write(stream, d);
    if (c.attached) send({ ev: 'output', id: m.id, stream, data: Buffer.from(d).toString('base64') });
  };
  child.stdio[r.stdout]?.on('data', (d) => out('stdout', d));
  for (const fd of r.stderr) child.stdio[fd]?.on('data', (d) => out('stderr', d));
  if (r.setupErr !== undefined) {
    // The setup script's own stderr: shown in the log but for unshare's noise, and kept for the exit report.
    child.stdio[r.setupErr]?.on('data', (d) => {
      const text = d.toString();
      c.setupErr = (c.setupErr + text).slice(-SETUP_ERR_KEEP);
      const shown = text.split('\n').filter((l) => l && !l.includes(SETUP_NOISE)).map((l) => l + '\n').join('');
      if (shown) out('stderr', shown);
    });
  }
  if (r.ready !== undefined) {
    const pipe = child.stdio[r.ready];
    let said = false;
    const ready = () => { if (!said) { said = true; send({ ev: 'ready', id: m.id }); } };
    if (!pipe) ready();
    else {
      pipe.once('data', ready);
      pipe.once('close', ready);
      pipe.on('error', ready);
      child.once('exit', ready);
    }
  }
  c.resize?.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  let spawnError;
  child.on('error', (e) => { spawnError = e; });
  child.on('close', (code, signal) => {
    log.close();
    running.delete(m.id);
    if (orphaned && running.size === 0) process.exit(0);
    // A detached (host) container's process group goes with its leader, as before the shim.
    if (c.group && child.pid) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }
    send({
      ev: 'exit', id: m.id, code, signal,
      spawnError: spawnError ? { message: spawnError.message, errno: spawnError.code } : undefined, setupErr: c.setupErr,
    });
  });
  // spawn reports a missing executable asynchronously, without a pid.
  if (child.pid !== undefined) send({ ev: 'started', id: m.id, pid: child.pid });
}

function signalOf(c, m) {
  const pid = c.child.pid;
  if (!pid) return;
  try { process.kill(m.group ? -pid : pid, m.signal); } catch { /* gone */ }
}

process.on('message', (m) => {
  if (m.op === 'start') { start(m); return; }
  const c = running.get(m.id);
  if (!c) return;
  switch (m.op) {
    case 'signal': signalOf(c, m); break;
    case 'stdin': c.child.stdin?.write(Buffer.from(m.data, 'base64')); break;
    case 'stdinEnd': c.child.stdin?.end(); break;
    case 'resize': if (c.resize?.writable) c.resize.write(`${m.cols} ${m.rows}\n`); break;
    case 'attach': c.attached = !!m.on; break;
    default: break;
  }
});

// When the agent goes (the channel closes: a crash, kill -9), its containers carry on, as a crashed
// kubelet's do, their output still logged; the next agent stops them (by their PIDs in its state
// files). The shim ends with its last container.
let orphaned = false;
process.on('disconnect', () => {
  orphaned = true;
  if (running.size === 0) process.exit(0);
});
