// container-shim: one per node runtime, as containerd-shim. It forks the node's container
// processes (so the agent's large process does not: a fork of it blocks its event loop for
// milliseconds, and in `tskube up` that loop is also the API server's), is their parent, writes
// their stdout/stderr to the CRI log file itself (the agent handles no output bytes unless
// something is attached) and reports each start, readiness and exit over its IPC channel. Its
// containers outlive a crashed agent (see the end of this file), as containerd-shim's do.
// Plain CommonJS, started without tsx: it should start small and fork cheaply.
//
// Messages in:
//   {op:'start', id, file, args, env, cwd, detached, uid, gid, stdio, roles, logPath, maxLogBytes, waitInit}
//     stdio: child_process stdio kinds for fds 0..n ('pipe' | 'ignore');
//     roles: {stdout: fd, stderr: [fd], setupErr?: fd, ready?: fd, resize?: fd, stdin?: true}
//   {op:'signal', id, signal, group?}     signal the container's process (or its process group)
//   {op:'stdin', id, data}                base64 bytes for its stdin; {op:'stdinEnd', id}
//   {op:'resize', id, cols, rows}         a tty container's terminal size
//   {op:'attach', id, on}                 forward its output as 'output' messages (or stop)
// Messages out:
//   {ev:'started', id, pid} | {ev:'startFailed', id, error, errno}
//   {ev:'ready', id, initPid?}            the setup script wrote on its ready fd (or closed it);
//                                         with waitInit, once it chrooted, with its pid
//   {ev:'output', id, stream, data}       base64, only while attached (roles.holdOutput: attached from the start)
//   {ev:'exit', id, code, signal, spawnError, setupErr}   after the log file is closed
'use strict';
const { startContainerProcess } = require('./container-process.cjs');

const running = new Map();

function send(m) {
  if (process.connected) process.send(m);
}

function start(m) {
  // A container whose output is held for its first attach (roles.holdOutput) is forwarded from its start: the agent holds it.
  const c = { child: undefined, resize: null, attached: !!(m.roles && m.roles.holdOutput) };
  try {
    const p = startContainerProcess(m, {
      output: (stream, data) => { if (c.attached) send({ ev: 'output', id: m.id, stream, data: data.toString('base64') }); },
      ready: (initPid) => send({ ev: 'ready', id: m.id, ...(initPid !== undefined ? { initPid } : {}) }),
      exit: (x) => {
        running.delete(m.id);
        if (orphaned && running.size === 0) process.exit(0);
        send({ ev: 'exit', id: m.id, ...x });
      },
    });
    c.child = p.child;
    c.resize = p.resize;
  } catch (e) {
    send({ ev: 'startFailed', id: m.id, error: e.message, errno: e.code });
    return;
  }
  running.set(m.id, c);
  // spawn reports a missing executable asynchronously, without a pid.
  if (c.child.pid !== undefined) send({ ev: 'started', id: m.id, pid: c.child.pid });
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
// A terminal's Ctrl-C (or hangup) reaches the whole process group: the containers are stopped by
// the agent's own shutdown (their grace periods), not by the shim dying under them.
for (const sig of ['SIGINT', 'SIGHUP']) process.on(sig, () => {});
process.on('disconnect', () => {
  orphaned = true;
  if (running.size === 0) process.exit(0);
});
