// redis stand-in (the guestbook's kubeguide/redis-master and kubeguide/redis-slave): a key-value
// server speaking Redis' protocol (RESP arrays and inline commands) on 6379, with the string
// commands a guestbook, redis-cli or `nc` use. `--slaveof HOST PORT` (or --replicaof) makes it a
// read-only replica that copies the master's keys every second through ordinary commands (REPLCONF,
// KEYS, MGET), as far as a reader can tell from INFO replication and GET. Start-up and replication
// notices go to stdout in redis' log format, so `kubectl logs` shows what the real server prints.
'use strict';
const net = require('node:net');

// --docker-entrypoint (the official image's entry) is its docker-entrypoint.sh: started as root, the
// server gives what the working directory (/data) holds to the redis user and runs as it (gosu redis)
const viaEntrypoint = process.argv[2] === '--docker-entrypoint';
const argv = process.argv.slice(viaEntrypoint ? 3 : 2);
if (viaEntrypoint && process.getuid?.() === 0) runAsRedis();

/** runAsRedis is the entrypoint's `find . \! -user redis -exec chown redis '{}' +` then `gosu redis`. */
function runAsRedis() {
  const fs = require('node:fs');
  const path = require('node:path');
  const REDIS_UID = 999;
  const chownTree = (p) => {
    try {
      const st = fs.lstatSync(p);
      if (st.uid !== REDIS_UID) fs.lchownSync(p, REDIS_UID, st.gid);
      if (st.isDirectory()) for (const e of fs.readdirSync(p)) chownTree(path.join(p, e));
    } catch { /* read-only or gone: as find's chown, carry on */ }
  };
  chownTree(process.cwd());
  try {
    process.setgroups([REDIS_UID]);
    process.setgid(REDIS_UID);
    process.setuid(REDIS_UID);
  } catch { /* without CAP_SETUID/SETGID (a securityContext that drops them) it stays root, as gosu would fail */ }
}
/** opt reads `--name a b` (n values) from the command line, redis-server's style. */
function opt(name, n) {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv.slice(i + 1, i + 1 + n);
}
// redis-server [/path/to/redis.conf] [--option value ...]: the file comes first (the configure-redis page's args)
const configFile = argv[0] && !argv[0].startsWith('--') ? argv[0] : undefined;
const fileConfig = configFile ? readConfigFile(configFile) : new Map();
const port = Number(opt('port', 1)?.[0] ?? fileConfig.get('port') ?? 6379);
// --bind ADDR listens on that address only (redis' default: every address)
const bind = opt('bind', 1)?.[0];
const masterOf = opt('slaveof', 2) ?? opt('replicaof', 2);
const role = masterOf ? 'S' : 'M';

/** log prints one line as redis does: "pid:role dd Mon yyyy hh:mm:ss.mmm * message" (role C before it is known). */
function log(msg, level = '*', who = role) {
  const d = new Date();
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const t = d.toISOString().slice(11, 23);
  console.log(`1:${who} ${String(d.getUTCDate()).padStart(2, '0')} ${mon} ${d.getUTCFullYear()} ${t} ${level} ${msg}`);
}

/** readConfigFile reads redis.conf's `name value` lines (comments and blank lines skipped); a missing file stops the server as redis does. */
function readConfigFile(file) {
  let text;
  try {
    text = require('node:fs').readFileSync(file, 'utf8');
  } catch (e) {
    console.error(`\n*** FATAL CONFIG FILE ERROR (Redis ${process.env.REDIS_VERSION || '7.2.4'}) ***\nFatal error, can't open config file '${file}': ${e.code === 'ENOENT' ? 'No such file or directory' : e.message}`);
    process.exit(1);
  }
  const m = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [name, ...rest] = line.split(/\s+/);
    m.set(name.toLowerCase(), rest.join(' '));
  }
  return m;
}

/** memToBytes is redis' memtoll: 1k = 1000, 1kb = 1024, and so on for m/mb and g/gb. */
function memToBytes(v) {
  const m = /^(\d+)(k|kb|m|mb|g|gb)?$/i.exec(String(v).trim());
  if (!m) return undefined;
  const unit = { k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return String(Number(m[1]) * unit);
}

/** config is what CONFIG GET answers: redis' defaults, then the config file, then --options. */
const config = new Map([['maxmemory', '0'], ['maxmemory-policy', 'noeviction'], ['appendonly', 'no'], ['databases', '16']]);
for (const [name, value] of fileConfig) setConfig(name, value);
for (let i = configFile ? 1 : 0; i < argv.length; i++) {
  if (argv[i].startsWith('--') && argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) setConfig(argv[i].slice(2), argv[i + 1]);
}
/** setConfig stores one parameter as CONFIG GET shows it (memory sizes in bytes); false for a bad value. */
function setConfig(name, value) {
  const key = name.toLowerCase();
  const v = key === 'maxmemory' ? memToBytes(value) : value;
  if (v === undefined) return false;
  config.set(key, v);
  return true;
}

const store = new Map();
/** replicas: sockets that introduced themselves with REPLCONF, by the name the master logs them with (ip:listening-port) */
const replicas = new Map();
let masterLinkUp = false;

const bulk = (s) => (s === null || s === undefined ? '$-1\r\n' : `$${Buffer.byteLength(s)}\r\n${s}\r\n`);
const array = (items) => `*${items.length}\r\n${items.map(bulk).join('')}`;
const int = (n) => `:${n}\r\n`;
const ok = '+OK\r\n';
const err = (m) => `-${m}\r\n`;
const globToRegExp = (g) => new RegExp(`^${g.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
const WRITES = new Set(['SET', 'DEL', 'INCR', 'FLUSHALL', 'FLUSHDB']);

/** execute answers one command (its words) for the client on socket. */
function execute(words, socket) {
  const [name = '', ...args] = words;
  const cmd = name.toUpperCase();
  const arity = (n) => args.length < n ? err(`ERR wrong number of arguments for '${name.toLowerCase()}' command`) : undefined;
  // a replica refuses writes from its clients, as redis' replica-read-only (the default) does
  if (masterOf && WRITES.has(cmd)) return err("READONLY You can't write against a read only replica.");
  switch (cmd) {
    case 'PING': return args.length ? bulk(args[0]) : '+PONG\r\n';
    case 'ECHO': return arity(1) ?? bulk(args[0]);
    case 'SET': return arity(2) ?? (store.set(args[0], args[1]), ok);
    case 'GET': return arity(1) ?? bulk(store.get(args[0]) ?? null);
    case 'MGET': return arity(1) ?? array(args.map((k) => store.get(k) ?? null));
    case 'DEL': return arity(1) ?? int(args.filter((k) => store.delete(k)).length);
    case 'EXISTS': return arity(1) ?? int(args.filter((k) => store.has(k)).length);
    case 'INCR': {
      const bad = arity(1);
      if (bad) return bad;
      const cur = store.get(args[0]) ?? '0';
      if (!/^-?\d+$/.test(cur)) return err('ERR value is not an integer or out of range');
      const next = String(BigInt(cur) + 1n);
      store.set(args[0], next);
      return `:${next}\r\n`;
    }
    case 'KEYS': return arity(1) ?? array([...store.keys()].filter((k) => globToRegExp(args[0]).test(k)));
    case 'DBSIZE': return int(store.size);
    case 'FLUSHALL': case 'FLUSHDB': return (store.clear(), ok);
    case 'SELECT': case 'CLIENT': case 'AUTH': return ok;
    case 'COMMAND': return '*0\r\n';
    case 'REPLCONF': {
      if (!replicas.has(socket)) {
        // the master's side of a full sync, as redis logs it for each replica that attaches
        const name = `${(socket.remoteAddress ?? '').replace(/^::ffff:/, '')}:${args[0]?.toLowerCase() === 'listening-port' ? args[1] : socket.remotePort}`;
        replicas.set(socket, name);
        log(`Replica ${name} asks for synchronization`);
        log(`Full resync requested by replica ${name}`);
        log(`Synchronization with replica ${name} succeeded`);
      }
      return ok;
    }
    case 'INFO': {
      const lines = ['# Replication'];
      if (masterOf) lines.push('role:slave', `master_host:${masterOf[0]}`, `master_port:${masterOf[1]}`, `master_link_status:${masterLinkUp ? 'up' : 'down'}`);
      else lines.push('role:master', `connected_slaves:${replicas.size}`);
      lines.push('', '# Keyspace');
      if (store.size) lines.push(`db0:keys=${store.size},expires=0,avg_ttl=0`);
      return bulk(lines.join('\r\n') + '\r\n');
    }
    case 'CONFIG': {
      const sub = (args[0] ?? '').toUpperCase();
      if (sub === 'GET') {
        if (args.length < 2) return err("ERR wrong number of arguments for 'config|get' command");
        const out = [];
        for (const [k, v] of config) if (args.slice(1).some((g) => globToRegExp(g.toLowerCase()).test(k))) out.push(k, v);
        return array(out);
      }
      if (sub === 'SET') {
        if (args.length < 3) return err("ERR wrong number of arguments for 'config|set' command");
        return setConfig(args[1], args[2]) ? ok : err(`ERR CONFIG SET failed (possibly related to argument '${args[1]}') - argument couldn't be parsed into an integer`);
      }
      return err(`ERR unknown subcommand '${args[0] ?? ''}'. Try CONFIG HELP.`);
    }
    case 'QUIT': return (socket.end(ok), '');
    default:
      return err(`ERR unknown command '${name}', with args beginning with: ${args.slice(0, 3).map((a) => `'${a}' `).join('')}`);
  }
}

/**
 * parse takes the complete commands off the front of buf: RESP arrays of bulk strings, or one
 * inline line of words (what `nc`/telnet users type). Returns the commands and the unread rest.
 */
function parse(buf) {
  const cmds = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (buf[at] !== 0x2a /* '*' */) {
      const nl = buf.indexOf('\n', at);
      if (nl < 0) break;
      const words = buf.subarray(at, nl).toString().trim().split(/\s+/).filter(Boolean);
      if (words.length) cmds.push(words);
      at = nl + 1;
      continue;
    }
    if (eol < 0) break;
    const n = Number(buf.subarray(at + 1, eol).toString());
    let p = eol + 2;
    const words = [];
    for (let i = 0; i < n; i++) {
      const e = buf.indexOf('\r\n', p);
      if (e < 0) return { cmds, rest: buf.subarray(at) };
      const len = Number(buf.subarray(p + 1, e).toString());
      if (buf.length < e + 2 + len + 2) return { cmds, rest: buf.subarray(at) };
      words.push(buf.subarray(e + 2, e + 2 + len).toString());
      p = e + 2 + len + 2;
    }
    cmds.push(words);
    at = p;
  }
  return { cmds, rest: buf.subarray(at) };
}

const server = net.createServer((socket) => {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    const { cmds, rest } = parse(Buffer.concat([pending, chunk]));
    pending = rest;
    for (const words of cmds) {
      const reply = execute(words, socket);
      if (reply && !socket.destroyed) socket.write(reply);
    }
  });
  socket.on('close', () => {
    const name = replicas.get(socket);
    if (name !== undefined) log(`Connection with replica ${name} lost.`);
    replicas.delete(socket);
  });
  socket.on('error', () => {});
});

/** readReply reads one RESP reply (simple, error, integer, bulk or array of bulks) from buf at at. */
function readReply(buf, at) {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const head = buf.subarray(at + 1, eol).toString();
  switch (buf[at]) {
    case 0x2b: case 0x2d: case 0x3a: return { value: head, end: eol + 2 };
    case 0x24: {
      const len = Number(head);
      if (len < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + len + 2) return undefined;
      return { value: buf.subarray(eol + 2, eol + 2 + len).toString(), end: eol + 4 + len };
    }
    case 0x2a: {
      const items = [];
      let p = eol + 2;
      for (let i = 0; i < Number(head); i++) {
        const r = readReply(buf, p);
        if (!r) return undefined;
        items.push(r.value);
        p = r.end;
      }
      return { value: items, end: p };
    }
    default: return undefined;
  }
}

/** replicate keeps a link to the master and copies its keys every second (KEYS *, MGET). */
function replicate([host, masterPort]) {
  log(`Connecting to MASTER ${host}:${masterPort}`);
  // redis connects from its first bind address, so the master sees the replica there
  const link = net.connect({ port: Number(masterPort), host, ...(bind ? { localAddress: bind } : {}) });
  let buf = Buffer.alloc(0);
  const waiting = [];
  let timer;
  const ask = (words) => new Promise((resolve) => { waiting.push(resolve); link.write(array(words)); });
  link.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (let r = readReply(buf, 0); r; r = readReply(buf, 0)) {
      buf = buf.subarray(r.end);
      waiting.shift()?.(r.value);
    }
  });
  const sync = async () => {
    const keys = await ask(['KEYS', '*']);
    const values = keys.length ? await ask(['MGET', ...keys]) : [];
    store.clear();
    keys.forEach((k, i) => { if (values[i] !== null) store.set(k, values[i]); });
  };
  link.on('connect', async () => {
    log('MASTER <-> REPLICA sync started');
    log('Non blocking connect for SYNC fired the event.');
    await ask(['PING']);
    log('Master replied to PING, replication can continue...');
    await ask(['REPLCONF', 'listening-port', String(port)]);
    await sync();
    masterLinkUp = true;
    log('MASTER <-> REPLICA sync: Finished with success');
    timer = setInterval(() => { sync().catch(() => {}); }, 1000);
  });
  link.on('error', (e) => log(`Error condition on socket for SYNC: ${e.code === 'ECONNREFUSED' ? 'Connection refused' : e.message}`, '#'));
  link.on('close', () => {
    clearInterval(timer);
    if (masterLinkUp) log('Connection with master lost.', '#');
    masterLinkUp = false;
    setTimeout(() => replicate([host, masterPort]), 1000);
  });
}

// REDIS_VERSION (the official image's ENV) picks the server's words: redis 6 logs its start as
// warnings ('#') and is ready without naming the listener ("tcp"), as redis 7 does
const VERSION = process.env.REDIS_VERSION || '7.2.4';
const v6 = Number(VERSION.split('.')[0]) < 7;
log('oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo', v6 ? '#' : '*', 'C');
log(`Redis version=${VERSION}, bits=64, commit=00000000, modified=0, pid=1, just started`, v6 ? '#' : '*', 'C');
if (configFile) log('Configuration loaded', '#', 'C');
else log('Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf', '#', 'C');
// ps shows the server as redis-server names itself (its address and port)
process.title = `redis-server *:${port}`;
server.listen(port, bind, () => {
  log(`Running mode=standalone, port=${server.address().port}.`);
  log('Server initialized', v6 ? '#' : '*');
  log(v6 ? 'Ready to accept connections' : 'Ready to accept connections tcp');
  if (masterOf) replicate(masterOf);
});
// redis shuts down on TERM (exit status 0); node as a container's PID 1 would ignore it
process.on('SIGTERM', () => {
  log('Received SIGTERM scheduling shutdown...', '#');
  log('Redis is now ready to exit, bye bye...', '#');
  process.exit(0);
});
