#!/usr/bin/env python3
# stress stand-in (polinux/stress: Amos Waterland's stress 1.0.4 at /usr/local/bin/stress), as
# Kubernetes' "Assign Memory Resources" walkthrough runs it. Python, not Node: a node process alone
# is ~45 MB of RSS, which would blur a 100Mi/200Mi limit; a fork()ed python worker shares its
# parent's pages, so the container's memory is the hogs' memory plus ~10 MB.
#
# Behaviour as stress documents it: the parent forks the workers (-c spin on sqrt, -i sync, -m
# allocate and touch --vm-bytes every --vm-stride bytes, -d write --hdd-bytes and unlink), waits
# for them, and ends with "successful run completed in Ns" (exit 0) or, when a worker was killed
# (the kernel's OOM killer: SIGKILL) or failed, the FAIL/WARN lines and exit 1. Messages carry
# stress's "[pid] (line)" prefixes as 1.0.4 prints them.
import math
import mmap
import os
import random
import signal
import sys
import time

VERSION = '1.0.4'

USAGE = """`stress' imposes certain types of compute stress on your system

Usage: stress [OPTION [ARG]] ...
 -?, --help         show this help statement
     --version      show version statement
 -v, --verbose      be verbose
 -q, --quiet        be quiet
 -n, --dry-run      show what would have been done
 -t, --timeout N    timeout after N seconds
     --backoff N    wait factor of N microseconds before work starts
 -c, --cpu N        spawn N workers spinning on sqrt()
 -i, --io N         spawn N workers spinning on sync()
 -m, --vm N         spawn N workers spinning on malloc()/free()
     --vm-bytes B   malloc B bytes per vm worker (default is 256MB)
     --vm-stride B  touch a byte every B bytes (default is 4096)
     --vm-hang N    sleep N secs before free (default none, 0 is inf)
     --vm-keep      redirty memory instead of freeing and reallocating
 -d, --hdd N        spawn N workers spinning on write()/unlink()
     --hdd-bytes B  write B bytes per hdd worker (default is 1GB)

Example: stress --cpu 8 --io 4 --vm 2 --vm-bytes 128M --timeout 10s

Note: Numbers may be suffixed with s,m,h,d,y (time) or B,K,M,G (size).
"""

# stress's verbosity: -q 0 (nothing), default 2 (info, WARN, FAIL), -v 3 (dbug too).
debug_level = 2


def out(msg):
    """info line on stdout."""
    if debug_level >= 1:
        sys.stdout.write('stress: info: [%d] %s\n' % (os.getpid(), msg))
        sys.stdout.flush()


def dbg(msg):
    """dbug line on stdout (-v)."""
    if debug_level >= 3:
        sys.stdout.write('stress: dbug: [%d] %s\n' % (os.getpid(), msg))
        sys.stdout.flush()


def wrn(line, msg):
    """WARN line on stderr, with the source line stress 1.0.4 names."""
    if debug_level >= 1:
        sys.stderr.write('stress: WARN: [%d] (%d) %s\n' % (os.getpid(), line, msg))
        sys.stderr.flush()


def err(line, msg):
    """FAIL line on stderr, with the source line stress 1.0.4 names."""
    if debug_level >= 1:
        sys.stderr.write('stress: FAIL: [%d] (%d) %s\n' % (os.getpid(), line, msg))
        sys.stderr.flush()


class Invalid(Exception):
    """a number stress cannot read"""


def parse_int(s):
    if not s or not (s.isdigit() or (s[0] == '-' and s[1:].isdigit())):
        raise Invalid(s)
    return int(s)


def atoll_b(s):
    """a size: plain bytes, or suffixed b/B, k/K, m/M, g/G (powers of 1024)."""
    if s and s[-1] in 'bBkKmMgG':
        factor = {'b': 1, 'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3}[s[-1].lower()]
        return parse_int(s[:-1]) * factor
    return parse_int(s)


def atoll_s(s):
    """a time in seconds: plain, or suffixed s, m, h, d, y."""
    if s and s[-1] in 'sSmMhHdDyY':
        factor = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'y': 31536000}[s[-1].lower()]
        return parse_int(s[:-1]) * factor
    return parse_int(s)


def hogcpu():
    while True:
        math.sqrt(random.random())


def hogio():
    while True:
        os.sync()


def hogvm(nbytes, stride, hang, keep):
    """allocate nbytes (fresh anonymous pages, as a large malloc is), dirty one byte every stride,
    hang, check the bytes, free; again — or, with keep, re-dirty the same memory."""
    buf = None
    while True:
        if buf is None:
            dbg('allocating %d bytes ...' % nbytes)
            try:
                buf = mmap.mmap(-1, max(nbytes, 1))
            except (OSError, ValueError) as e:
                err(226, 'hogvm malloc failed: %s' % (e.strerror if isinstance(e, OSError) else e))
                return 1
        count = len(range(0, nbytes, stride))
        dbg('touching bytes in strides of %d bytes ...' % stride)
        if count:
            buf[0:nbytes:stride] = b'Z' * count
        if hang == 0:
            dbg('sleeping forever with allocated memory')
            while True:
                time.sleep(1024)
        elif hang > 0:
            dbg('sleeping for %ds with allocated memory' % hang)
            time.sleep(hang)
        if count and buf[0:nbytes:stride] != b'Z' * count:
            err(258, 'memory corruption at: %#x' % 0)
            return 1
        if not keep:
            buf.close()
            buf = None
            dbg('freed %d bytes' % nbytes)


def hoghdd(nbytes):
    """write nbytes to a fresh file in the working directory, unlink it; again."""
    chunk = 1024 * 1024
    data = bytes(random.choice(b'ABCDEFGHIJKLMNOPQRSTUVWXYZ') for _ in range(chunk - 1)) + b'\n'
    while True:
        name = './stress.%s' % ''.join(random.choice('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789') for _ in range(6))
        # the timeout's SIGALRM waits until the file is unlinked: a run leaves no file behind
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as e:
            err(305, 'mkstemp failed: %s' % e.strerror)
            return 1
        dbg('unlinking %s' % name)
        try:
            os.unlink(name)
        except OSError as e:
            err(311, 'unlink of %s failed: %s' % (name, e.strerror))
            return 1
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
        dbg('fast writing to %s' % name)
        left = nbytes
        while left > 0:
            n = min(chunk, left)
            try:
                os.write(fd, data[:n])
            except OSError as e:
                err(334, 'write failed: %s' % e.strerror)
                return 1
            left -= n
        os.close(fd)


def main(argv):
    global debug_level
    timeout = 0
    backoff = 3000
    counts = {'cpu': 0, 'io': 0, 'vm': 0, 'hdd': 0}
    vm_bytes = 256 * 1024 * 1024
    vm_stride = 4096
    vm_hang = -1
    vm_keep = False
    hdd_bytes = 1024 * 1024 * 1024
    dryrun = False

    # stress is C: SIGINT ends it by the signal, not by Python's KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if not argv:
        sys.stdout.write(USAGE)
        return 0

    valued = {
        '-t': 'timeout', '--timeout': 'timeout', '--backoff': 'backoff',
        '-c': 'cpu', '--cpu': 'cpu', '-i': 'io', '--io': 'io', '-m': 'vm', '--vm': 'vm',
        '-d': 'hdd', '--hdd': 'hdd', '--vm-bytes': 'vm-bytes', '--vm-stride': 'vm-stride',
        '--vm-hang': 'vm-hang', '--hdd-bytes': 'hdd-bytes',
    }
    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if a in ('-?', '--help'):
            sys.stdout.write(USAGE)
            return 0
        if a == '--version':
            sys.stdout.write('stress %s\n' % VERSION)
            return 0
        if a in ('-v', '--verbose'):
            debug_level = 3
            continue
        if a in ('-q', '--quiet'):
            debug_level = 0
            continue
        if a in ('-n', '--dry-run'):
            dryrun = True
            continue
        if a == '--vm-keep':
            vm_keep = True
            continue
        name, value = a, None
        if a.startswith('--') and '=' in a:
            name, value = a.split('=', 1)
        elif len(a) > 2 and a[0] == '-' and a[1] != '-' and a[:2] in valued:
            # getopt's attached short value: -c2, -m1, -t10s
            name, value = a[:2], a[2:]
        if name not in valued:
            err(628 if a.startswith('-') else 643, 'unrecognized option: %s' % a)
            return 1
        if value is None:
            if i >= len(argv):
                err(628, 'option requires an argument -- %s' % name.lstrip('-'))
                return 1
            value = argv[i]
            i += 1
        key = valued[name]
        try:
            if key == 'timeout':
                timeout = atoll_s(value)
            elif key == 'backoff':
                backoff = parse_int(value)
            elif key in counts:
                counts[key] = parse_int(value)
                if counts[key] <= 0:
                    err(1, 'invalid number of %s hogs: %d' % (key, counts[key]))
                    return 1
            elif key == 'vm-bytes':
                vm_bytes = atoll_b(value)
            elif key == 'vm-stride':
                vm_stride = atoll_b(value)
            elif key == 'vm-hang':
                vm_hang = atoll_s(value)
            elif key == 'hdd-bytes':
                hdd_bytes = atoll_b(value)
        except Invalid:
            err(1, 'invalid number: %s' % value)
            return 1
    if vm_stride <= 0:
        err(1, 'invalid stride: %d' % vm_stride)
        return 1

    out('dispatching hogs: %d cpu, %d io, %d vm, %d hdd' % (counts['cpu'], counts['io'], counts['vm'], counts['hdd']))
    dbg('using backoff sleep of %dus' % backoff)
    if timeout:
        dbg('setting timeout to %ds' % timeout)

    start = time.time()
    children = 0
    # The workers are forked round-robin by kind, as stress does: cpu, io, vm, hdd, cpu, ...
    left = dict(counts)
    while any(left.values()):
        for kind in ('cpu', 'io', 'vm', 'hdd'):
            if not left[kind]:
                continue
            pid = os.fork()
            if pid == 0:
                os._exit(worker(kind, backoff, timeout, dryrun, vm_bytes, vm_stride, vm_hang, vm_keep, hdd_bytes))
            dbg('--> hog%s worker %d [%d] forked' % (kind, left[kind], pid))
            left[kind] -= 1
            children += 1

    retval = 0
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError as e:
            err(439, 'error waiting for worker: %s' % e.strerror)
            retval += 1
            break
        except InterruptedError:
            continue
        children -= 1
        if os.WIFEXITED(status):
            code = os.WEXITSTATUS(status)
            if code == 0:
                dbg('<-- worker %d returned normally' % pid)
            else:
                err(396, '<-- worker %d returned error %d' % (pid, code))
                retval += 1
                reap(398, 402)
        elif os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGALRM:
                dbg('<-- worker %d signalled normally' % pid)
            elif sig == signal.SIGUSR1:
                dbg('<-- worker %d reaped' % pid)
            else:
                err(415, '<-- worker %d got signal %d' % (pid, sig))
                retval += 1
                reap(417, 421)
        else:
            err(431, '<-- worker %d exited abnormally' % pid)
            retval += 1

    runtime = int(time.time() - start)
    if retval:
        err(451, 'failed run completed in %ds' % runtime)
    else:
        out('successful run completed in %ds' % runtime)
    return 1 if retval else 0


def reap(warn_line, kill_line):
    """a worker failed: stop the others (SIGUSR1 to stress's process group, which it ignores itself)."""
    wrn(warn_line, 'now reaping child worker processes')
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    try:
        os.kill(-os.getpid(), signal.SIGUSR1)
    except OSError as e:
        err(kill_line, 'kill error: %s' % e.strerror)


def worker(kind, backoff, timeout, dryrun, vm_bytes, vm_stride, vm_hang, vm_keep, hdd_bytes):
    """one hog: its SIGUSR1 (the parent's reaping) and SIGALRM (the timeout) end it by the signal."""
    try:
        for sig in (signal.SIGUSR1, signal.SIGALRM, signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        time.sleep(backoff / 1e6)
        if timeout:
            signal.alarm(timeout)
        if dryrun:
            return 0
        if kind == 'cpu':
            hogcpu()
        elif kind == 'io':
            hogio()
        elif kind == 'vm':
            return hogvm(vm_bytes, vm_stride, vm_hang, vm_keep)
        else:
            return hoghdd(hdd_bytes)
        return 0
    finally:
        sys.stdout.flush()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
