"""command helper: runs a node agent's short-lived host commands (ip, iptables, nft, CNI plugins)
and makes its mounts and pod namespaces with system calls of its own.

Why Python: a fork copies the forking process's page tables, which costs milliseconds for a
Node.js process (and page faults are slow on virtual machines); CPython's subprocess starts
commands with vfork, which copies nothing, and this process is small. A mount or a namespace pin
made here with a system call costs no process at all.

It speaks Node.js's IPC protocol (JSON lines on the descriptor NODE_CHANNEL_FD names).
In:  {id, file, args, env, input}      a command
     {id, op: 'mount', source, target, fstype, options}
     {id, op: 'umount', targets, lazy}
     {id, op: 'pin', uts?, ipc?, net?, hostname?, loopback}
     {id, op: 'veth-add' | 'veth-del' | 'veth-check', ...}   a pod's network attachment (netlink.py)
     {kill: id}                         SIGKILL a running command
Out: {ready: true} once, then per id {id, code, signal, stdout, stderr} (an op answers as a command
     would: code 0, or non-zero with the error on stderr; the veth ops print JSON on stdout) or {id, error, errno} (a command that
     could not start). When the channel closes (the agent let go or died) running commands are
     killed and the helper exits.
"""
import ctypes
import errno
import fcntl
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys

# -I leaves this file's directory off the module path: netlink.py lives beside it. No bytecode
# cache is written beside it: a new file under src/ would make bin/tskube.js rebuild its bundle.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import netlink  # noqa: E402

CHANNEL = int(os.environ.pop('NODE_CHANNEL_FD'))
os.environ.pop('NODE_CHANNEL_SERIALIZATION_MODE', None)
libc = ctypes.CDLL(None, use_errno=True)
sel = selectors.DefaultSelector()
jobs = {}

# mount(2) flags for the option words mount(8) turns into flags; other words are the file system's data.
MOUNT_FLAGS = {
    'ro': 0x1, 'nosuid': 0x2, 'nodev': 0x4, 'noexec': 0x8, 'sync': 0x10, 'remount': 0x20,
    'noatime': 0x400, 'nodiratime': 0x800, 'bind': 0x1000, 'rbind': 0x1000 | 0x4000, 'relatime': 0x200000,
}
MOUNT_NOOPS = {'rw', 'defaults', 'suid', 'dev', 'exec', 'async'}
MNT_DETACH = 2
CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET = 0x04000000, 0x08000000, 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def send(msg):
    data = (json.dumps(msg) + '\n').encode()
    try:
        os.set_blocking(CHANNEL, True)
        view = memoryview(data)
        while view:
            n = os.write(CHANNEL, view)
            view = view[n:]
    except OSError:
        pass  # the agent is gone: nobody reads the answer
    finally:
        os.set_blocking(CHANNEL, False)


def check(ret, what):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, f'{what}: {os.strerror(e)}')


def answer(mid, fn):
    try:
        out = fn()
        send({'id': mid, 'code': 0, 'signal': None, 'stdout': json.dumps(out) if out is not None else '', 'stderr': ''})
    except OSError as e:
        send({'id': mid, 'code': 32, 'signal': None, 'stdout': '', 'stderr': f'{e.strerror}\n'})


def mount(m):
    flags, data = 0, []
    for word in filter(None, m['options'].split(',')):
        if word in MOUNT_FLAGS:
            flags |= MOUNT_FLAGS[word]
        elif word not in MOUNT_NOOPS:
            data.append(word)
    target = m['target']
    ret = libc.mount(m['source'].encode(), target.encode(), m['fstype'].encode(), ctypes.c_ulong(flags), ','.join(data).encode() or None)
    check(ret, f"mount: {target}")


def umount(m):
    failed = []
    for target in m['targets']:
        if libc.umount2(target.encode(), MNT_DETACH if m['lazy'] else 0) != 0:
            e = ctypes.get_errno()
            failed.append(f'umount: {target}: {"not mounted." if e == errno.EINVAL else os.strerror(e)}')
    if failed:
        raise OSError(errno.EINVAL, '\n'.join(failed))


NS_FLAGS = {'uts': CLONE_NEWUTS, 'ipc': CLONE_NEWIPC, 'net': CLONE_NEWNET}
# The helper's own namespaces, to return to once a pod's are pinned.
OWN_NS = {kind: os.open(f'/proc/self/ns/{kind}', os.O_RDONLY | os.O_CLOEXEC) for kind in NS_FLAGS}


def pin(m):
    """pin makes a pod's namespaces in this very thread (unshare), sets the hostname and brings lo
    up in them, binds each on its file, and returns to the helper's own (setns): no process, where
    a fork of even this small process costs ~10 ms on a machine with slow page faults."""
    kinds = [kind for kind in NS_FLAGS if m.get(kind)]
    flags = 0
    for kind in kinds:
        flags |= NS_FLAGS[kind]
    check(libc.unshare(flags), 'unshare')
    try:
        if m.get('uts') and m.get('hostname') is not None:
            name = m['hostname'].encode()
            check(libc.sethostname(name, len(name)), 'sethostname')
        if m.get('net') and m.get('loopback'):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                req = struct.pack('16sH14x', b'lo', 0)
                cur = struct.unpack('16sH14x', fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
                fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack('16sH14x', b'lo', cur | IFF_UP))
        for kind in kinds:
            check(libc.mount(f'/proc/thread-self/ns/{kind}'.encode(), m[kind].encode(), b'none', ctypes.c_ulong(MOUNT_FLAGS['bind']), None), f'mount {kind} namespace on {m[kind]}')
    finally:
        for kind in kinds:
            if libc.setns(OWN_NS[kind], NS_FLAGS[kind]) != 0:
                # Every later command would run in the pod's namespaces: better no helper (the agent starts another).
                os.write(2, f'command helper: cannot return to its {kind} namespace: {os.strerror(ctypes.get_errno())}\n'.encode())
                os._exit(70)


class Job:
    def __init__(self, mid, proc):
        self.id = mid
        self.proc = proc
        self.pid = proc.pid if proc else None
        self.status = None
        self.out = []
        self.err = []
        self.fds = {}
        self.input = b''

    def maybe_done(self):
        if self.status is None or self.fds:
            return
        jobs.pop(self.id, None)
        if self.proc is not None:
            self.proc.stdout.close()
            self.proc.stderr.close()
        code, sig = None, None
        if os.WIFSIGNALED(self.status):
            sig = signal.Signals(os.WTERMSIG(self.status)).name
        else:
            code = os.WEXITSTATUS(self.status)
        send({'id': self.id, 'code': code, 'signal': sig,
              'stdout': b''.join(self.out).decode('utf-8', 'replace'), 'stderr': b''.join(self.err).decode('utf-8', 'replace')})


def watch_exit(job):
    jobs[job.id] = job
    fd = os.pidfd_open(job.pid)
    sel.register(fd, selectors.EVENT_READ, ('exit', job, fd))


def start(m):
    try:
        proc = subprocess.Popen([m['file'], *m['args']], env=m.get('env') or None, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True)
    except OSError as e:
        code = errno.errorcode.get(e.errno, 'EIO')
        send({'id': m['id'], 'error': f"spawn {m['file']} {code}", 'errno': code})
        return
    job = Job(m['id'], proc)
    for stream, sink in ((proc.stdout, job.out), (proc.stderr, job.err)):
        fd = stream.fileno()
        os.set_blocking(fd, False)
        job.fds[fd] = sink
        sel.register(fd, selectors.EVENT_READ, ('out', job, fd))
    job.input = (m.get('input') or '').encode()
    stdin = proc.stdin.fileno()
    os.set_blocking(stdin, False)
    sel.register(stdin, selectors.EVENT_WRITE, ('in', job, stdin))
    watch_exit(job)


def write_input(job, fd):
    try:
        n = os.write(fd, job.input) if job.input else 0
        job.input = job.input[n:]
    except BlockingIOError:
        return
    except BrokenPipeError:
        job.input = b''  # the command exited without reading it all
    if not job.input:
        sel.unregister(fd)
        try:
            job.proc.stdin.close()
        except OSError:
            pass


def read_output(job, fd):
    try:
        chunk = os.read(fd, 65536)
    except BlockingIOError:
        return
    if chunk:
        job.fds[fd].append(chunk)
        return
    sel.unregister(fd)
    job.fds.pop(fd)
    if job.proc is None:
        os.close(fd)
    job.maybe_done()


def reap(job, fd):
    sel.unregister(fd)
    os.close(fd)
    _, job.status = os.waitpid(job.pid, 0)
    if job.proc is not None:
        job.proc.returncode = os.waitstatus_to_exitcode(job.status)  # reaped here: Popen must not wait again
    job.maybe_done()


def kill_all():
    for job in list(jobs.values()):
        try:
            os.kill(job.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def handle(m):
    if 'kill' in m:
        job = jobs.get(m['kill'])
        if job is not None and job.status is None:
            try:
                os.kill(job.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return
    op = m.get('op')
    if op == 'mount':
        answer(m['id'], lambda: mount(m))
    elif op == 'umount':
        answer(m['id'], lambda: umount(m))
    elif op == 'pin':
        answer(m['id'], lambda: pin(m))
    elif op == 'veth-add':
        answer(m['id'], lambda: netlink.veth_add(m))
    elif op == 'veth-del':
        answer(m['id'], lambda: netlink.veth_del(m))
    elif op == 'veth-check':
        answer(m['id'], lambda: netlink.veth_check(m))
    else:
        start(m)


def handle_safely(line):
    """handle_safely answers a request that fails unexpectedly with an error, and keeps serving."""
    m = None
    try:
        m = json.loads(line)
        handle(m)
    except Exception as e:  # noqa: BLE001 - one bad request must not take the others' helper down
        print(f'command helper: {e!r}', file=sys.stderr)
        if isinstance(m, dict) and 'id' in m:
            send({'id': m['id'], 'error': f'command helper: {e}', 'errno': 'EINVAL'})


def main():
    # A terminal's Ctrl-C reaches the whole process group: the agent's own shutdown still needs the
    # helper (unmounting, deleting its tables), so it goes when the agent lets go of the channel.
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    if not hasattr(os, 'pidfd_open'):
        sys.exit('command helper: this Python has no os.pidfd_open (3.9 and Linux 5.3 are needed)')
    os.set_blocking(CHANNEL, False)
    sel.register(CHANNEL, selectors.EVENT_READ, ('channel', None, CHANNEL))
    send({'ready': True})
    pending = b''
    while True:
        for key, _ in sel.select():
            kind, job, fd = key.data
            if kind == 'channel':
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b''  # the agent's end reset (it exited): as closed
                if not chunk:
                    kill_all()
                    return
                pending += chunk
                *lines, pending = pending.split(b'\n')
                for line in lines:
                    if line.strip():
                        handle_safely(line)
            elif kind == 'in':
                write_input(job, fd)
            elif kind == 'out':
                read_output(job, fd)
            elif kind == 'exit':
                reap(job, fd)


if __name__ == '__main__':
    main()
