// busybox's `ps` as the busybox image has it: "PID   USER     TIME  COMMAND", a process's CPU time
// as minutes:seconds. Debian's busybox-static, whose applets the busybox images run, is built without
// the TIME column, which the documentation's `ps` outputs show (Configure a Security Context). BSD-
// style letters (`ps aux`) and -e/-f/-A are accepted and ignored, as busybox does; any other option
// goes to busybox's own ps. Users are named by the container's /etc/passwd (a uid without a name
// prints as its number); a process without a command line is [its name]; a process whose name is not
// its command's is shown {name} first, as busybox does.
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

const BUSYBOX = process.env.TSKUBE_BUSYBOX || '/bin/busybox';
/** CLK_TCK: the kernel's clock ticks per second, as /proc/PID/stat counts CPU time. */
const TICKS = 100;

const args = process.argv.slice(2);
if (!args.every((a) => /^-?[a-zA-Z]+$/.test(a) && (!a.startsWith('-') || /^-[efAaux]+$/.test(a)))) {
  // options this stand-in does not print (-o, -T …): busybox's own ps
  try {
    process.stdout.write(execFileSync(BUSYBOX, ['ps', ...args], { stdio: ['ignore', 'pipe', 'inherit'] }));
  } catch (e) {
    process.exit(typeof e.status === 'number' ? e.status : 1);
  }
  process.exit(0);
}

/** users maps uids to names from /etc/passwd. */
function users() {
  const m = new Map();
  let text = '';
  try { text = fs.readFileSync('/etc/passwd', 'utf8'); } catch { /* none: numbers */ }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 4 && /^\d+$/.test(f[2]) && !m.has(f[2])) m.set(f[2], f[0]);
  }
  return m;
}

/** row is one process's line, or undefined when it went away while being read. */
function row(pid, names) {
  let stat, status, cmdline;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch { return undefined; }
  const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  // the fields after the name: state is the first, utime the 12th, stime the 13th
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const secs = Math.floor((Number(rest[11]) + Number(rest[12])) / TICKS);
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? '0';
  let command;
  if (pid === process.pid) command = ['ps', ...args].join(' ');
  else {
    const argv = cmdline.replace(/\0+$/, '').split('\0');
    if (cmdline === '') command = `[${comm}]`;
    else {
      // busybox's rule: the name is shown when argv[0] (up to its first space, its base name, a login
      // shell's "-" aside) does not start with it; "nginx: master process …" named nginx is not
      const first = argv[0].split(' ')[0];
      const base = first.slice(first.lastIndexOf('/') + 1).replace(/^-/, '');
      // control characters (a script's line breaks) print as spaces, as busybox reads a command line
      command = (base.startsWith(comm) ? '' : `{${comm}} `) + argv.join(' ').replace(/[\x00-\x1f]/g, ' ');
    }
  }
  const user = (names.get(uid) ?? uid).slice(0, 8);
  const time = `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`;
  return `${String(pid).padStart(5)} ${user.padEnd(8)} ${time.padStart(5)} ${command}`;
}

const names = users();
const pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).sort((a, b) => a - b);
const out = ['PID   USER     TIME  COMMAND'];
for (const pid of pids) {
  const r = row(pid, names);
  if (r) out.push(r);
}
process.stdout.write(out.join('\n') + '\n');
