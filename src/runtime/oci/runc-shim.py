# runc-shim: the monitor of one runc container (what containerd-shim or conmon is for containerd
# and CRI-O). It makes itself a child subreaper, so that the container's init (which `runc create`
# leaves behind) is its child: it can wait for it and learn its exit status, while the container's
# cgroup stays until `runc delete` (where the agent reads its OOM-kill count).
#
# usage: runc-shim.py RUNC ROOT BUNDLE ID PIDFILE LOGFILE TTY(0|1)
# stdin/stdout/stderr are the container's (runc create hands them on); with TTY=1 the container gets
# a terminal through --console-socket and the shim copies between it and its own stdin/stdout, and
# fd 4 carries resize requests ("COLS ROWS" lines). fd 3 carries the shim's reports, one per line:
#   "pid N" once created, "started" once started, "exit CODE" when the container's init ended
#   (128+N for signal N), "error STAGE" when runc create or start failed (the reason is in LOGFILE).
import ctypes, fcntl, os, select, socket, struct, subprocess, sys, tempfile, termios, threading

RUNC, ROOT, BUNDLE, CID, PIDFILE, LOGFILE, TTY = sys.argv[1:8]
TTY = TTY == '1'
PR_SET_CHILD_SUBREAPER = 36


def report(line):
    try:
        os.write(3, (line + '\n').encode())
    except OSError:
        pass  # the agent is gone: the container runs on, a later agent cleans it up


def runc(*args, **kw):
    return subprocess.call([RUNC, '--root', ROOT, '--log', LOGFILE, '--log-format', 'json', *args], **kw)


libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    report('error subreaper')
    sys.exit(1)
os.set_inheritable(3, False)

console = None
master = None
sock_dir = None
if TTY:
    # A short path: a unix socket's path is limited to 108 bytes and the bundle may be deep.
    sock_dir = tempfile.mkdtemp(prefix='tskube-console-')
    sock_path = os.path.join(sock_dir, 'console.sock')
    console = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    console.bind(sock_path)
    console.listen(1)

create = [
    'create', '--bundle', BUNDLE, '--pid-file', PIDFILE, '--no-new-keyring',
    *(['--console-socket', sock_path] if TTY else []), CID,
]
if TTY:
    proc = subprocess.Popen([RUNC, '--root', ROOT, '--log', LOGFILE, '--log-format', 'json', *create],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    console.settimeout(30)
    try:
        conn, _ = console.accept()
        _, fds, _, _ = socket.recv_fds(conn, 1024, 1)
        master = fds[0] if fds else None
        conn.close()
    except OSError:
        master = None
    rc = proc.wait()
    console.close()
    os.unlink(sock_path)
    os.rmdir(sock_dir)
else:
    # The container's stdio are runc's: ours.
    rc = runc(*create)
if rc != 0:
    report('error create')
    sys.exit(1)
with open(PIDFILE) as f:
    pid = int(f.read().strip())
report('pid %d' % pid)

if master is not None:
    def copy_out():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            try:
                os.write(1, data)
            except OSError:
                break

    def copy_in():
        while True:
            try:
                data = os.read(0, 65536)
            except OSError:
                break
            if not data:
                break
            try:
                os.write(master, data)
            except OSError:
                break

    def resizes():
        buf = b''
        while True:
            try:
                data = os.read(4, 1024)
            except OSError:
                break
            if not data:
                break
            buf += data
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                try:
                    cols, rows = [int(x) for x in line.split()[:2]]
                    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
                except Exception:
                    pass

    out = threading.Thread(target=copy_out, daemon=True)
    out.start()
    threading.Thread(target=copy_in, daemon=True).start()
    try:
        os.fstat(4)
        threading.Thread(target=resizes, daemon=True).start()
    except OSError:
        pass

if runc('start', CID, stdin=subprocess.DEVNULL) != 0:
    report('error start')
    runc('kill', CID, 'KILL')
else:
    report('started')

# Reap until the container's init ends (orphans of runc's own processes land here too).
code = 137
while True:
    try:
        wpid, status = os.waitpid(-1, 0)
    except ChildProcessError:
        break
    except InterruptedError:
        continue
    if wpid == pid:
        if os.WIFSIGNALED(status):
            code = 128 + os.WTERMSIG(status)
        else:
            code = os.WEXITSTATUS(status)
        break
if master is not None:
    out.join(2)
report('exit %d' % code)
