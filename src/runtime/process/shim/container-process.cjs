// One container process and its descriptors, in plain CommonJS so that the container shim
// (container-shim.cjs, a small node process started without tsx) and the runtime's direct launcher
// (shim-client.ts, when there is no shim) fork and wire containers with one implementation.
'use strict';
const { spawn } = require('node:child_process');
const { CriLogWriter } = require('../../cri-log-writer.cjs');

/** SETUP_NOISE is unshare's message when its child dies of a signal: kept from the log (the exit code says it). */
const SETUP_NOISE = 'sigprocmask unblock failed';
/** SETUP_ERR_KEEP is how much of the setup script's stderr is kept for the exit report. */
const SETUP_ERR_KEEP = 4096;

/**
 * startContainerProcess forks the process of start request m (file, args, env, cwd, detached,
 * uid/gid, stdio, roles, logPath, maxLogBytes: see ShimStartRequest in shim-client.ts), writes its
 * output into its CRI log file and tells `on`:
 *   on.output(stream, data)  each chunk, once logged
 *   on.ready()               the setup script reported the filesystem ready (once; at once without a ready fd)
 *   on.exit(x)               {code, signal, spawnError, setupErr}, after the log file is closed
 * It returns the child process and its tty resize pipe; it throws when the log file cannot be
 * opened or spawn refuses the request (a missing executable is reported by on.exit instead).
 */
function startContainerProcess(m, on) {
  const log = new CriLogWriter(m.logPath, m.maxLogBytes);
  let child;
  try {
    child = spawn(m.file, m.args, {
      env: m.env, cwd: m.cwd, detached: !!m.detached, stdio: m.stdio,
      ...(m.uid !== undefined ? { uid: m.uid, gid: m.gid } : {}),
    });
  } catch (e) {
    log.close();
    throw e;
  }
  const r = m.roles;
  const out = (stream, d) => {
    log.write(stream, d);
    on.output(stream, typeof d === 'string' ? Buffer.from(d) : d);
  };
  child.stdio[r.stdout]?.on('data', (d) => out('stdout', d));
  for (const fd of r.stderr) child.stdio[fd]?.on('data', (d) => out('stderr', d));
  let setupErr = '';
  if (r.setupErr !== undefined) {
    // The setup script's own stderr: shown in the log but for unshare's noise, and kept for the exit report.
    child.stdio[r.setupErr]?.on('data', (d) => {
      const text = d.toString();
      setupErr = (setupErr + text).slice(-SETUP_ERR_KEEP);
      const shown = text.split('\n').filter((l) => l && !l.includes(SETUP_NOISE)).map((l) => `${l}\n`).join('');
      if (shown) out('stderr', shown);
    });
  }
  let said = false;
  const ready = () => { if (!said) { said = true; on.ready(); } };
  const readyPipe = r.ready !== undefined ? child.stdio[r.ready] : null;
  if (!readyPipe) ready();
  else {
    readyPipe.once('data', ready);
    readyPipe.once('close', ready);
    readyPipe.on('error', ready);
    child.once('exit', ready);
  }
  const resize = r.resize !== undefined ? child.stdio[r.resize] : null;
  resize?.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  let spawnError;
  child.on('error', (e) => { spawnError = e; });
  child.on('close', (code, signal) => {
    log.close();
    // A detached (host) container's process group goes with its leader.
    if (m.detached && child.pid) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }
    on.exit({ code, signal, setupErr, spawnError: spawnError ? { message: spawnError.message, errno: spawnError.code } : undefined });
  });
  return { child, resize };
}

module.exports = { startContainerProcess, SETUP_NOISE };
