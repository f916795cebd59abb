#!/usr/bin/env python3
# vish/stress stand-in (Vishnu Kannan's Go stress, the image's /stress, ENTRYPOINT
# ["/stress", "-logtostderr"]), as Kubernetes' "Assign CPU Resources" walkthrough runs it.
# Python, not Node, to stay as lean as the Go binary (a few MB of RSS, not ~45).
#
# Its flags (Go's flag package: -name value, -name=value, --name): -cpus N starts N threads that
# copy /dev/zero into nothing (each burns a CPU: the copy releases the GIL in the kernel, as the
# Go program's goroutines run in parallel); -mem-total is allocated in -mem-alloc-size steps (each
# step's bytes written, so they are resident) with -mem-alloc-sleep between them; then it sleeps
# for ever. glog's flags (-logtostderr, -alsologtostderr, -v, -vmodule, -log_dir,
# -stderrthreshold, -log_backtrace_at) are accepted; its log lines have glog's header. SIGTERM ends
# it as it ends a Go program.
import os
import re
import signal
import socket
import sys
import threading
import time

PROG = '/stress'


class Quantity:
    """a Kubernetes resource quantity (the Go program parses its sizes with resource.MustParse)."""

    BINARY = {'Ki': 1 << 10, 'Mi': 1 << 20, 'Gi': 1 << 30, 'Ti': 1 << 40, 'Pi': 1 << 50, 'Ei': 1 << 60}
    DECIMAL = {'n': -9, 'u': -6, 'm': -3, '': 0, 'k': 3, 'M': 6, 'G': 9, 'T': 12, 'P': 15, 'E': 18}

    def __init__(self, text):
        m = re.fullmatch(r'([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?', text)
        if not m:
            raise ValueError(text)
        number, suffix = m.group(1), m.group(2) or ''
        from fractions import Fraction
        n = Fraction(number)
        if suffix in self.BINARY:
            self.binary = True
            value = n * self.BINARY[suffix]
        elif suffix[:1] in ('e', 'E'):
            self.binary = False
            value = n * Fraction(10) ** int(suffix[1:])
        else:
            self.binary = False
            value = n * Fraction(10) ** self.DECIMAL[suffix]
        self.exact = value
        # Value() rounds up to a whole number, as Quantity.Value does
        self.value = -((-value.numerator) // value.denominator)

    def __str__(self):
        """the canonical form Quantity.String prints: the largest suffix the value is a whole multiple of."""
        v = self.exact
        if v == 0:
            return '0'
        if self.binary and v.denominator == 1 and abs(v) >= 1024:
            for suffix, factor in reversed(list(self.BINARY.items())):
                if v % factor == 0:
                    return '%d%s' % (v // factor, suffix)
        for suffix, exp in sorted(self.DECIMAL.items(), key=lambda kv: -kv[1]):
            from fractions import Fraction
            scaled = v / Fraction(10) ** exp
            if scaled.denominator == 1:
                return '%d%s' % (scaled, suffix)
        return '%dn' % (v * 10 ** 9)


UNITS = {'ns': 1, 'us': 1000, 'µs': 1000, 'μs': 1000, 'ms': 10 ** 6, 's': 10 ** 9, 'm': 60 * 10 ** 9, 'h': 3600 * 10 ** 9}


def parse_duration(text):
    """Go's time.ParseDuration: "1s", "100ms", "1m30s", "1.5h"; nanoseconds."""
    if text in ('0', '+0', '-0'):
        return 0
    m = re.fullmatch(r'([+-]?)((?:[0-9]*\.?[0-9]+(?:ns|us|µs|μs|ms|s|m|h))+)', text)
    if not m:
        raise ValueError(text)
    total = 0.0
    for num, unit in re.findall(r'([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)', m.group(2)):
        total += float(num) * UNITS[unit]
    return int(-total if m.group(1) == '-' else total)


def format_duration(ns):
    """Go's Duration.String: "1ms", "1s", "1.5s", "1m30s", "0s"."""
    if ns == 0:
        return '0s'
    sign = '-' if ns < 0 else ''
    ns = abs(ns)

    def frac(v, unit, digits):
        whole, rest = divmod(v, 10 ** digits)
        s = str(whole)
        if rest:
            s += '.' + ('%0*d' % (digits, rest)).rstrip('0')
        return s + unit

    if ns < 1000:
        return sign + '%dns' % ns
    if ns < 10 ** 6:
        return sign + frac(ns, 'µs', 3)
    if ns < 10 ** 9:
        return sign + frac(ns, 'ms', 6)
    h, rest = divmod(ns, 3600 * 10 ** 9)
    m, rest = divmod(rest, 60 * 10 ** 9)
    s = frac(rest, 's', 9)
    if h:
        return sign + '%dh%dm%s' % (h, m, s)
    if m:
        return sign + '%dm%s' % (m, s)
    return sign + s


# flag name → (default, usage, kind); kind 'bool' takes no separate value.
FLAGS = {
    'alsologtostderr': ('false', 'log to standard error as well as files', 'bool'),
    'cpus': ('0', 'total number of CPUs to utilize', 'int'),
    'log_backtrace_at': (':0', 'when logging hits line file:N, emit a stack trace', 'value'),
    'log_dir': ('', 'If non-empty, write log files in this directory', 'string'),
    'logtostderr': ('false', 'log to standard error instead of files', 'bool'),
    'mem-alloc-size': ('4Ki', 'amount of memory to be consumed in each allocation', 'string'),
    'mem-alloc-sleep': ('1ms', 'duration to sleep between allocations', 'duration'),
    'mem-total': ('0', 'total memory to be consumed. Memory will be consumed via multiple allocations.', 'string'),
    'stderrthreshold': ('2', 'logs at or above this threshold go to stderr', 'value'),
    'v': ('0', 'log level for V logs', 'value'),
    'vmodule': ('', 'comma-separated list of pattern=N settings for file-filtered logging', 'value'),
}


def usage():
    """Go's flag.PrintDefaults, after "Usage of /stress:"."""
    lines = ['Usage of %s:' % PROG]
    for name in sorted(FLAGS):
        default, text, kind = FLAGS[name]
        typ = {'int': ' int', 'string': ' string', 'duration': ' duration', 'value': ' value', 'bool': ''}[kind]
        lines.append('  -%s%s' % (name, typ))
        shown = text
        if kind == 'string' and default:
            shown += ' (default "%s")' % default
        elif kind in ('int', 'duration', 'value') and default not in ('0', ''):
            shown += ' (default %s)' % default
        lines.append('    \t' + shown)
    return '\n'.join(lines) + '\n'


def parse_flags(argv):
    values = {name: spec[0] for name, spec in FLAGS.items()}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == '--':
            break
        if not a.startswith('-') or a == '-':
            break
        i += 1
        name = a[2:] if a.startswith('--') else a[1:]
        value = None
        if '=' in name:
            name, value = name.split('=', 1)
        if name in ('h', 'help'):
            sys.stderr.write(usage())
            sys.exit(0)
        if name not in FLAGS:
            sys.stderr.write('flag provided but not defined: -%s\n' % name + usage())
            sys.exit(2)
        kind = FLAGS[name][2]
        if kind == 'bool':
            value = 'true' if value is None else value
            if value.lower() not in ('1', 't', 'true', '0', 'f', 'false'):
                sys.stderr.write('invalid boolean value "%s" for -%s: parse error\n' % (value, name) + usage())
                sys.exit(2)
        elif value is None:
            if i >= len(argv):
                sys.stderr.write('flag needs an argument: -%s\n' % name + usage())
                sys.exit(2)
            value = argv[i]
            i += 1
        try:
            if kind == 'int':
                int(value, 0)
            elif kind == 'duration':
                parse_duration(value)
        except ValueError:
            sys.stderr.write('invalid value "%s" for flag -%s: parse error\n' % (value, name) + usage())
            sys.exit(2)
        values[name] = value
    return values


class Glog:
    """glog's INFO lines: "Immdd hh:mm:ss.uuuuuu threadid file:line] msg", to stderr with
    -logtostderr, else to a log file in -log_dir (or the temp dir) as glog writes them."""

    def __init__(self, values):
        self.to_stderr = values['logtostderr'].lower() in ('1', 't', 'true')
        self.also = values['alsologtostderr'].lower() in ('1', 't', 'true')
        self.file = None
        if not self.to_stderr:
            d = values['log_dir'] or os.environ.get('TMPDIR') or '/tmp'
            now = time.strftime('%Y%m%d-%H%M%S')
            name = 'stress.%s.%s.log.INFO.%s.%d' % (socket.gethostname(), os.environ.get('USER', 'root'), now, os.getpid())
            try:
                self.file = open(os.path.join(d, name), 'a')
                self.file.write('Log file created at: %s\nRunning on machine: %s\n'
                                'Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg\n'
                                % (time.strftime('%Y/%m/%d %H:%M:%S'), socket.gethostname()))
            except OSError:
                self.file = None

    def info(self, line, msg):
        t = time.time()
        lt = time.localtime(t)
        header = 'I%02d%02d %02d:%02d:%02d.%06d %7d main.go:%d] ' % (
            lt.tm_mon, lt.tm_mday, lt.tm_hour, lt.tm_min, lt.tm_sec, int((t % 1) * 1e6), os.getpid(), line)
        text = header + msg + '\n'
        if self.to_stderr or self.also:
            sys.stderr.write(text)
            sys.stderr.flush()
        if self.file and not self.to_stderr:
            self.file.write(text)
            self.file.flush()


def burn_cpu(src):
    buf = bytearray(1 << 20)
    while True:
        src.readinto(buf)


def on_signal(sig, _frame):
    """A Go program without signal.Notify dies of SIGTERM/SIGINT; as a container's PID 1 the kernel
    ignores a re-raised default signal, and Go then exits 2."""
    signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)
    time.sleep(0.05)
    os._exit(2)


def go_quote(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def main(argv):
    values = parse_flags(argv)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    log = Glog(values)
    try:
        total = Quantity(values['mem-total'])
        step = Quantity(values['mem-alloc-size'])
    except ValueError as e:
        sys.stderr.write("panic: cannot parse '%s': quantities must match the regular expression "
                         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'\n\ngoroutine 1 [running]:\n" % e.args[0])
        return 2
    sleep_ns = parse_duration(values['mem-alloc-sleep'])
    cpus = int(values['cpus'], 0)
    log.info(26, 'Allocating %s memory, in %s chunks, with a %s sleep between allocations'
             % (go_quote(str(total)), go_quote(str(step)), format_duration(sleep_ns)))
    src = open('/dev/zero', 'rb', buffering=0)
    for _ in range(cpus):
        log.info(39, 'Spawning a thread to consume CPU')
        threading.Thread(target=burn_cpu, args=(src,), daemon=True).start()
    buffers = []
    i = 1
    while step.value > 0 and i * step.value <= total.value:
        b = bytearray(step.value)
        # write every page, as the Go program zeroes each byte: the memory is resident
        b[::4096] = bytes(len(range(0, step.value, 4096)))
        buffers.append(b)
        time.sleep(sleep_ns / 1e9)
        i += 1
    log.info(29, 'Allocated %s memory' % go_quote(str(total)))
    while True:
        signal.pause()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
