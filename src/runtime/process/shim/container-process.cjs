// One container process and its descriptors, in plain CommonJS so that the container shim
// (container-shim.cjs, a small node process started without tsx) and the runtime's direct launcher
// (shim-client.ts, when there is no shim) fork and wire containers with one implementation.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
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
 *   on.ready(initPid)        the setup script reported the filesystem ready (once; at once without a ready fd);
 *                            with m.waitInit, only once it has chrooted, with its pid (the container's PID 1)
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
  const ready = () => {
    if (said) return;
    said = true;
    if (!m.waitInit || !child.pid) { on.ready(); return; }
    waitForInit(child.pid, (pid) => on.ready(pid));
  };
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
    // A detached container's process group (its session) goes with its leader.
    if (m.detached && child.pid) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }
    on.exit({ code, signal, setupErr, spawnError: spawnError ? { message: spawnError.message, errno: spawnError.code } : undefined });
  });
  return { child, resize };
}

/**
 * INIT_POLL_MS: waitForInit looks again after 1, 1, 2, 4, then every 8 ms (on an idle node the
 * chroot follows the ready line within a millisecond or two; on a busy one a burst of starts must
 * not poll /proc a thousand times a second each); INIT_WAIT_MS bounds the wait.
 */
const INIT_POLL_MS = [1, 1, 2, 4, 8];
const INIT_WAIT_MS = 2000;

/**
 * waitForInit finds the first child of pid (unshare --fork's: the setup script, which becomes the
 * container's command) and waits until it has chrooted into the container's root, then calls
 * done(itsPid) — done(undefined) when pid has no child (it exited). Polled here, in the shim, so
 * the agent's process does not poll /proc per container start; soon after the ready line at
 * first, then less often (INIT_POLL_MS).
 */
function waitForInit(pid, done) {
  let init;
  let n = 0;
  let waited = 0;
  const look = () => {
    if (init === undefined) {
      let kids = '';
      try { kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim(); } catch { done(undefined); return; }
      if (kids) init = Number(kids.split(' ')[0]);
    }
    if (init !== undefined) {
      let root;
      try { root = fs.readlinkSync(`/proc/${init}/root`); } catch { done(init); return; }
      if (root !== '/') { done(init); return; }
    }
    const ms = INIT_POLL_MS[Math.min(n++, INIT_POLL_MS.length - 1)];
    if ((waited += ms) > INIT_WAIT_MS) { done(init); return; }
    setTimeout(look, ms);
  };
  look();
}

module.exports = { startContainerProcess, SETUP_NOISE };
