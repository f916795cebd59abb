# pty-helper: runs argv on a new pseudo-terminal, copying stdin -> terminal -> stdout.
# File descriptor 3 (optional; or the one named by --resize-fd N) carries resize requests, one
# "COLS ROWS" line each.
# Exits with the command's exit code (128+N when killed by signal N).
import fcntl, os, pty, select, struct, sys, termios

argv = sys.argv[1:]
named_resize_fd = None
if len(argv) >= 2 and argv[0] == '--resize-fd':
    named_resize_fd = int(argv[1])
    argv = argv[2:]
    # the command on the terminal must not inherit it
    os.set_inheritable(named_resize_fd, False)
if argv and argv[0] == '--':
    argv = argv[1:]
pid, master = pty.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        os.write(2, ('exec: "%s": %s\r\n' % (argv[0], e.strerror)).encode())
        os._exit(127)

def resize(line):
    try:
        cols, rows = [int(x) for x in line.split()[:2]]
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    except Exception:
        pass

inputs = [master, 0]
# fd 3 carries resizes only when it was open before the terminal: a container's helper has none, and
# then the terminal's master itself may be fd 3.
resize_fd = named_resize_fd
if resize_fd is not None:
    inputs.append(resize_fd)
elif master != 3:
    try:
        os.fstat(3)
        resize_fd = 3
        inputs.append(3)
    except OSError:
        pass
ctl = b''
while True:
    try:
        ready, _, _ = select.select(inputs, [], [])
    except InterruptedError:
        continue
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if not data:
            inputs.remove(0)
        else:
            os.write(master, data)
    if resize_fd is not None and resize_fd in ready:
        data = os.read(resize_fd, 4096)
        if not data:
            inputs.remove(resize_fd)
            resize_fd = None
        else:
            ctl += data
            while b'\n' in ctl:
                line, ctl = ctl.split(b'\n', 1)
                resize(line.decode())
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.exit(128 - code if code < 0 else code)
