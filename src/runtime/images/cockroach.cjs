#!/usr/bin/env node
// cockroach stand-in (cockroachdb/cockroach v1.x, the image's /cockroach/cockroach): the CLI as the
// Kubernetes examples use it. `start` serves the HTTP admin port (--http-port 8080: /health,
// /_admin/v1/health, /_status/vars) and a TCP listener on --port (26257), keeps its identity
// (cluster ID, node ID) in the store directory (--store, default ./cockroach-data, the image's
// workdir being /cockroach), and with --join waits until one of the listed nodes answers and takes
// its cluster ID and a node ID from the cluster's first node, as a real node joins through gossip.
// It prints the real binary's start summary on stdout (and its log lines on stderr with
// --logtostderr). `version` prints the build; no subcommand prints the help (exit 0); an unknown
// flag or command fails as cobra does (exit 1). SIGTERM drains and exits 0.
// `sql` (-e or statements on stdin) knows SELECT 1, SHOW DATABASES and CREATE DATABASE.
// The TCP port speaks a line-delimited JSON protocol of its own, not pgwire: only these stand-ins
// talk on it (`cockroach sql` and joining nodes).
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { randomUUID } = require('node:crypto');

const BUILD = { tag: 'v1.0.3', time: '2017/07/06 17:46:06', distribution: 'CCL', go: 'go1.8.3', cc: 'gcc 6.3.0', sha: '6e1f5cb6f12f4a4d5c9c3a9c21d9e1f27a7a51e8' };
const COMMANDS = [
  ['start', 'start a node'], ['init', 'initialize a cluster'], ['cert', 'create ca, node, and client certs'], ['quit', 'drain and shutdown node\n'],
  ['sql', 'open a sql shell'], ['user', 'get, set, list and remove users'], ['zone', 'get, set, list and remove zones'],
  ['node', 'list nodes and show their status'], ['dump', 'dump sql tables\n'],
  ['gen', 'generate auxiliary files'], ['version', 'output version information'], ['debug', 'debugging commands'], ['help', 'Help about any command'],
];
const GLOBAL_FLAGS = [
  ['--alsologtostderr Severity[=INFO]', 'logs at or above this threshold go to stderr (default NONE)'],
  ['--log-backtrace-at traceLocation', 'when logging hits line file:N, emit a stack trace (default :0)'],
  ['--log-dir string', 'if non-empty, write log files in this directory'],
  ['--logtostderr Severity[=INFO]', 'logs at or above this threshold go to stderr (default NONE)'],
  ['--no-color', 'disable standard error log colorization'],
  ['--verbosity level', 'log level for V logs'],
];
/** START_FLAGS: name → [takes a value, default, help] (cobra's usage lines and parsing) */
const START_FLAGS = {
  'advertise-host': [true, '', 'address to advertise to other CockroachDB nodes'],
  attrs: [true, '', 'colon-separated list of node attributes'],
  background: [false, '', 'run this in the background'],
  cache: [true, '25%', 'total size for caches, shared evenly if there are multiple storage devices'],
  'certs-dir': [true, '${HOME}/.cockroach-certs', 'Path to the directory containing SSL certificates and keys.'],
  host: [true, '', 'address to listen on'],
  'http-host': [true, '', 'address to listen on for HTTP requests'],
  'http-port': [true, '8080', 'port to bind the HTTP server to'],
  insecure: [false, '', 'start an insecure node, using unencrypted (non-TLS) connections'],
  join: [true, '', 'a comma-separated list of addresses to join a cluster'],
  locality: [true, '', 'not used, only here for backwards compatibility'],
  'max-offset': [true, '500ms', 'maximum clock offset for the cluster'],
  'max-sql-memory': [true, '25%', 'maximum memory capacity available to store temporary data for SQL clients'],
  'pid-file': [true, '', 'write the process ID to this file'],
  port: [true, '26257', 'port to bind the main server to'],
  store: [true, 'path=cockroach-data', 'the file path to a storage device'],
  's': [true, '', 'the file path to a storage device (shorthand of --store)'],
};
const LOG_FLAGS = { alsologtostderr: 'INFO', logtostderr: 'INFO', 'log-dir': null, 'log-backtrace-at': null, 'no-color': 'true', verbosity: null };
const SQL_FLAGS = { insecure: false, host: true, port: true, user: true, 'u': true, database: true, 'd': true, execute: true, 'e': true, 'certs-dir': true, 'pretty': false, 'format': true };

const out = (s) => process.stdout.write(s);
const err = (s) => process.stderr.write(s);

function rootUsage() {
  const cmds = COMMANDS.map(([n, s]) => `  ${n.padEnd(11)} ${s}`).join('\n');
  const w = Math.max(...GLOBAL_FLAGS.map(([f]) => f.length));
  return `Usage:\n  cockroach [command]\n\nAvailable Commands:\n${cmds}\n\nFlags:\n${GLOBAL_FLAGS.map(([f, h]) => `      ${f.padEnd(w)}   ${h}`).join('\n')}\n\nUse "cockroach [command] --help" for more information about a command.\n`;
}
function startUsage() {
  const lines = Object.entries(START_FLAGS).filter(([n]) => n !== 's').map(([n, [v, d, h]]) => {
    const f = `${n === 'store' ? '-s, ' : '    '}--${n}${v ? ' string' : ''}`;
    return `  ${f.padEnd(34)} ${h}${d && v ? ` (default "${d}")` : ''}`;
  });
  return `Usage:\n  cockroach start [flags]\n\nFlags:\n${lines.join('\n')}\n\nGlobal Flags:\n${GLOBAL_FLAGS.map(([f, h]) => `      ${f.padEnd(34)} ${h}`).join('\n')}\n`;
}

/** fail ends the process as Main() does after a failed command: cobra's error line, then "Failed running". */
function fail(cmdName, message, usage) {
  if (usage) err(`${usage}\n`);
  err(`Error: ${message}\n`);
  err(`Failed running "${cmdName}"\n`);
  process.exit(1);
}

/**
 * parseFlags reads pflag-style flags (--name value, --name=value, booleans bare) against known
 * (name → whether it takes a value); an unknown flag fails the command as cobra's FlagErrorFunc does.
 */
function parseFlags(args, known, cmdName, usage) {
  const flags = {};
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { rest.push(...args.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { rest.push(a); continue; }
    const long = a.startsWith('--');
    const body = a.slice(long ? 2 : 1);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    if (name === 'help' || (!long && name === 'h')) { out(`${usage}`); process.exit(0); }
    if (LOG_FLAGS[name] !== undefined || name in LOG_FLAGS) {
      // the logging flags are the root's persistent ones: a bare --logtostderr means INFO
      flags[name] = eq >= 0 ? body.slice(eq + 1) : (LOG_FLAGS[name] ?? args[++i]);
      continue;
    }
    if (!(name in known)) fail(cmdName, long ? `unknown flag: --${name}` : `unknown shorthand flag: '${name}' in ${a}`, usage);
    const takesValue = known[name];
    if (!takesValue) { flags[name] = eq >= 0 ? body.slice(eq + 1) : 'true'; continue; }
    if (eq >= 0) { flags[name] = body.slice(eq + 1); continue; }
    if (i + 1 >= args.length) fail(cmdName, `flag needs an argument: --${name}`, usage);
    flags[name] = args[++i];
  }
  return { flags, rest };
}

/** glog prints one line in the format of cockroach's logger (I170706 17:46:06.123456 1 file:line  msg). */
function glogLine(sev, file, msg) {
  const d = new Date();
  const p = (n, w = 2) => String(n).padStart(w, '0');
  const stamp = `${String(d.getUTCFullYear()).slice(2)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds() * 1000, 6)}`;
  return `${sev}${stamp} 1 ${file}  ${msg}\n`;
}

const argv = process.argv.slice(2);
/** leadingLogFlags counts the root's logging flags before the command (a bare --logtostderr means INFO). */
function commandIndex(args) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-')) return i;
    const name = a.replace(/^--?/, '').split('=')[0];
    if (name === 'help' || name === 'h') return -1;
    // a flag the root does not know fails here, as cobra's flag parsing of the root command does
    if (!(name in LOG_FLAGS)) fail('cockroach', `unknown flag: ${a.split('=')[0]}`, rootUsage());
    if (!a.includes('=') && LOG_FLAGS[name] === null) i++;
  }
  return -1;
}
const at = commandIndex(argv);
const sub = at < 0 ? 'help' : argv[at];
if (sub === 'help') {
  // Main() turns a bare `cockroach` into `cockroach help`: the root's long text and usage, exit 0
  out(`CockroachDB command-line interface and server.\n\n${rootUsage()}`);
  process.exit(0);
}
const subArgs = [...argv.slice(0, at), ...argv.slice(at + 1)];
switch (sub) {
  case 'start': runStart(subArgs); break;
  case 'version': runVersion(subArgs); break;
  case 'sql': runSQL(subArgs); break;
  default:
    if (COMMANDS.some(([n]) => n === sub)) {
      fail(sub, `the "${sub}" command is not part of tskube's stand-in for this image (start, sql, version are)`);
    }
    err(`Error: unknown command "${sub}" for "cockroach"\nRun 'cockroach --help' for usage.\n`);
    err('Failed running "cockroach"\n');
    process.exit(1);
}

function runVersion(args) {
  if (args.some((a) => !a.startsWith('-'))) fail('version', `unknown command "${args.find((a) => !a.startsWith('-'))}" for "cockroach version"`);
  parseFlags(args, {}, 'version', 'Usage:\n  cockroach version [flags]\n');
  out(`Build Tag:    ${BUILD.tag}\nBuild Time:   ${BUILD.time}\nDistribution: ${BUILD.distribution}\nPlatform:     linux amd64\n` +
    `Go Version:   ${BUILD.go}\nC Compiler:   ${BUILD.cc}\nBuild SHA-1:  ${BUILD.sha}\nBuild Type:   release\n`);
}

/** splitHostPort splits "host:port" (or a bare host) with a default port. */
function splitHostPort(s, defPort) {
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(s.trim());
  return { host: m?.[1] || 'localhost', port: Number(m?.[2] ?? defPort) };
}

/** request sends one JSON request to a node's TCP port and resolves its one-line JSON reply. */
function request(host, port, body, timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`i/o timeout`)); }, timeoutMs);
    sock.on('connect', () => sock.write(`${JSON.stringify(body)}\n`));
    sock.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) { clearTimeout(timer); sock.end(); try { resolve(JSON.parse(buf.slice(0, nl))); } catch { reject(new Error('connection error: the peer does not speak the stand-in\'s protocol')); } }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

function runStart(args) {
  const known = Object.fromEntries(Object.entries(START_FLAGS).map(([n, [v]]) => [n, v]));
  const { flags, rest } = parseFlags(args, known, 'start', startUsage());
  if (rest.length) fail('start', `unknown command "${rest[0]}" for "cockroach start"`);
  if (flags.insecure === undefined) {
    // v1.0 refuses a secure start without certificates
    const certs = flags['certs-dir'] ?? path.join(os.homedir(), '.cockroach-certs');
    if (!fs.existsSync(path.join(certs, 'ca.crt'))) fail('start', `cockroach server exited with error: problem using security settings, did you mean to use --insecure?: problem with CA certificate: not found`);
  }
  const storeSpec = flags.store ?? flags.s ?? 'cockroach-data';
  const storePath = path.resolve(/(^|,)path=/.test(storeSpec) ? /(?:^|,)path=([^,]*)/.exec(storeSpec)[1] : storeSpec);
  const host = flags.host ?? '';
  const advertise = flags['advertise-host'] || host || os.hostname();
  const port = Number(flags.port ?? 26257);
  const httpHost = flags['http-host'] ?? host;
  const httpPort = Number(flags['http-port'] ?? 8080);
  const join = (flags.join ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const toStderr = flags.logtostderr !== undefined && flags.logtostderr !== 'NONE';
  const logDir = flags['log-dir'] ?? path.join(storePath, 'logs');
  fs.mkdirSync(storePath, { recursive: true });
  if (logDir) fs.mkdirSync(logDir, { recursive: true });
  const logFile = logDir ? path.join(logDir, 'cockroach.log') : undefined;
  const log = (sev, file, msg) => {
    const line = glogLine(sev, file, msg);
    if (toStderr) err(line);
    if (logFile) { try { fs.appendFileSync(logFile, line); } catch { /* a read-only store: stderr only */ } }
  };
  if (flags['pid-file']) fs.writeFileSync(flags['pid-file'], `${process.pid}\n`);

  // The store: RocksDB's CURRENT/MANIFEST name the files; the identity lives in the stand-in's own file.
  const identityFile = path.join(storePath, 'COCKROACH_STORE_IDENT');
  let ident;
  try { ident = JSON.parse(fs.readFileSync(identityFile, 'utf8')); } catch { ident = undefined; }
  const initialBoot = !ident;
  const state = { ident, nextNodeID: ident?.nextNodeID ?? 2, databases: ident?.databases ?? ['system'] };
  const saveIdent = () => fs.writeFileSync(identityFile, JSON.stringify({ ...state.ident, nextNodeID: state.nextNodeID, databases: state.databases }));

  log('I', 'cli/start.go:593', `CockroachDB ${BUILD.distribution} ${BUILD.tag} (linux amd64, built ${BUILD.time}, ${BUILD.go})`);
  log('I', 'server/config.go:375', `available memory from cgroups (8.0 EiB) exceeds system memory ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, using system memory`);
  log('I', 'server/config.go:500', `system total memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`);
  log('I', 'server/config.go:502', `server configuration:\nmax offset                  500000000\ncache size                  ${flags.cache ?? '25%'}\nSQL memory pool size        ${flags['max-sql-memory'] ?? '25%'}`);
  log('I', 'cli/start.go:335', `starting cockroach node`);
  log('I', 'storage/engine/rocksdb.go:380', `opening rocksdb instance at "${storePath}"`);
  fs.writeFileSync(path.join(storePath, 'CURRENT'), 'MANIFEST-000001\n');
  if (!fs.existsSync(path.join(storePath, 'MANIFEST-000001'))) fs.writeFileSync(path.join(storePath, 'MANIFEST-000001'), '');
  fs.mkdirSync(path.join(storePath, 'auxiliary'), { recursive: true });

  let stopping = false;
  const tcp = net.createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let req;
        try { req = JSON.parse(line); } catch { sock.end(); return; }
        serve(req).then((reply) => { if (!sock.destroyed) sock.write(`${JSON.stringify(reply)}\n`); });
      }
    });
    sock.on('error', () => {});
  });
  /** answer serves the stand-ins' requests: a joining node's, and `cockroach sql -e`'s. */
  function answer(req) {
    if (!state.ident) return { error: 'node not yet initialized' };
    switch (req.op) {
      case 'gossip': return { clusterID: state.ident.clusterID, firstNode: state.ident.firstNode };
      case 'allocNodeID': {
        if (state.ident.nodeID !== 1) return { error: 'not the first node' };
        const nodeID = state.nextNodeID++;
        saveIdent();
        return { nodeID };
      }
      case 'sql': return runStatement(String(req.sql ?? ''));
      default: return { error: `unknown request ${req.op}` };
    }
  }
  /**
   * serve answers a request; SQL goes to the cluster's first node, which keeps the one catalog (a
   * real cluster replicates it: any node shows what another created).
   */
  async function serve(req) {
    if (req.op !== 'sql' || !state.ident || state.ident.nodeID === 1) return answer(req);
    const first = splitHostPort(state.ident.firstNode, 26257);
    try {
      return await request(first.host, first.port, req, 5000);
    } catch (e) {
      return { error: `pq: node unavailable; try another peer (${e.message})` };
    }
  }
  /** runStatement answers the few statements the stand-in knows (on this node's own catalog). */
  function runStatement(sql) {
    const s = sql.trim().replace(/;\s*$/, '');
    let m;
    if (/^select\s+1$/i.test(s)) return { columns: ['1'], rows: [['1']] };
    if (/^show\s+databases$/i.test(s)) return { columns: ['Database'], rows: [...state.databases].sort().map((d) => [d]) };
    if ((m = /^create\s+database\s+(if\s+not\s+exists\s+)?([a-z_][a-z0-9_]*)$/i.exec(s))) {
      const name = m[2].toLowerCase();
      if (state.databases.includes(name)) return m[1] ? { tag: 'CREATE DATABASE' } : { error: `pq: database "${name}" already exists` };
      state.databases.push(name);
      saveIdent();
      return { tag: 'CREATE DATABASE' };
    }
    return { error: `pq: tskube's cockroach stand-in runs only SELECT 1, SHOW DATABASES and CREATE DATABASE: ${s}` };
  }

  const adminServer = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (code, body) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body, null, 2)); };
    if (stopping) return json(503, { error: 'node is shutting down' });
    if (url.pathname === '/health') {
      return json(200, { nodeId: state.ident.nodeID, address: { networkField: 'tcp', addressField: `${advertise}:${port}` },
        buildInfo: { goVersion: BUILD.go, tag: BUILD.tag, time: BUILD.time, cgoCompiler: BUILD.cc, platform: 'linux amd64', distribution: BUILD.distribution, type: 'release' } });
    }
    if (url.pathname === '/_admin/v1/health') return json(200, {});
    if (url.pathname === '/_status/vars') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      return res.end(`# HELP sys_uptime Process uptime\n# TYPE sys_uptime gauge\nsys_uptime ${Math.floor(process.uptime())}\n# HELP liveness_livenodes Number of live nodes in the cluster\n# TYPE liveness_livenodes gauge\nliveness_livenodes 1\n`);
    }
    if (url.pathname === '/') { res.writeHead(200, { 'Content-Type': 'text/html' }); return res.end('<!DOCTYPE html>\n<title>Cockroach Console</title>\n'); }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 page not found\n');
  });

  process.on('SIGTERM', () => shutdown('terminated'));
  process.on('SIGINT', () => shutdown('interrupt'));
  function shutdown(sig) {
    if (stopping) process.exit(sig === 'interrupt' ? 1 : 0);
    stopping = true;
    log('I', 'cli/start.go:611', `received signal '${sig}'`);
    log('I', 'cli/start.go:661', 'initiating graceful shutdown of server');
    out('initiating graceful shutdown of server\n');
    tcp.close();
    adminServer.close();
    setTimeout(() => {
      log('I', 'cli/start.go:688', 'server drained and shutdown completed');
      out('server drained and shutdown completed\n');
      process.exit(sig === 'interrupt' ? 1 : 0);
    }, 200);
  }

  /** joinCluster asks the --join addresses, one after another every second, for the cluster until one answers. */
  async function joinCluster() {
    for (let attempt = 0; !stopping; attempt++) {
      for (const addr of join) {
        const { host: h, port: p } = splitHostPort(addr, 26257);
        try {
          const g = await request(h, p, { op: 'gossip' });
          if (g.error) throw new Error(g.error);
          const first = splitHostPort(g.firstNode, 26257);
          const a = await request(first.host, first.port, { op: 'allocNodeID' });
          if (a.error) throw new Error(a.error);
          log('I', 'gossip/client.go:131', `[n?] started gossip client to ${h}:${p}`);
          return { clusterID: g.clusterID, nodeID: a.nodeID, firstNode: g.firstNode };
        } catch (e) {
          log('W', 'gossip/client.go:123', `[n?] failed to start gossip client to ${h}:${p}: ${e.code ? `dial tcp: lookup ${h}: ${e.message}` : e.message}`);
        }
      }
      if (attempt === 0) log('I', 'server/node.go:419', '[n?] connecting to gossip network to verify cluster ID...');
      await new Promise((r) => setTimeout(r, 1000));
    }
    return undefined;
  }

  (async () => {
    const listenHost = host === '' ? undefined : host;
    await new Promise((resolve, reject) => { tcp.once('error', reject); tcp.listen(port, listenHost === undefined ? '0.0.0.0' : listenHost, resolve); })
      .catch((e) => { log('E', 'cli/error.go:68', `${e.message}`); fail('start', `cockroach server exited with error: ${e.message}`); });
    if (!state.ident) {
      if (join.length) {
        const got = await joinCluster();
        if (!got) return;
        state.ident = got;
      } else {
        state.ident = { clusterID: randomUUID(), nodeID: 1, firstNode: `${advertise}:${port}` };
        log('I', 'server/node.go:347', `**** cluster ${state.ident.clusterID} has been created`);
        log('I', 'server/server.go:780', '**** add additional nodes by specifying --join=' + `${advertise}:${port}`);
      }
      saveIdent();
    }
    await new Promise((resolve, reject) => { adminServer.once('error', reject); adminServer.listen(httpPort, httpHost === '' ? '0.0.0.0' : httpHost, resolve); })
      .catch((e) => fail('start', `cockroach server exited with error: ${e.message}`));
    log('I', 'server/node.go:461', `[n${state.ident.nodeID}] initialized store [n${state.ident.nodeID},s${state.ident.nodeID}]: {Capacity:0 Available:0 RangeCount:0}`);
    const status = !initialBoot ? 'restarted pre-existing node' : state.ident.nodeID === 1 ? 'initialized new cluster' : 'initialized new node, joined pre-existing cluster';
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    const rows = [
      ['build', `${BUILD.distribution} ${BUILD.tag} @ ${BUILD.time} (${BUILD.go})`],
      ['admin', `http://${advertise}:${httpPort}`],
      ['sql', `postgresql://root@${advertise}:${port}?application_name=cockroach&sslmode=disable`],
      ['logs', logDir],
      ['store[0]', `path=${storePath}`],
      ['status', status],
      ['clusterID', state.ident.clusterID],
      ['nodeID', String(state.ident.nodeID)],
    ];
    const msg = `CockroachDB node starting at ${now} +0000 UTC\n${rows.map(([k, v]) => `${`${k}:`.padEnd(11)} ${v}`).join('\n')}\n`;
    log('I', 'cli/start.go:503', `[n${state.ident.nodeID}] Startup message:\n${msg}`);
    out(msg);
  })();
}

/** table prints a result as the SQL shell does on a terminal (v1.0's "pretty" format). */
function table(r) {
  const widths = r.columns.map((c, i) => Math.max(c.length, ...r.rows.map((row) => String(row[i]).length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  const row = (cells) => `|${cells.map((c, i) => ` ${String(c).padEnd(widths[i])} `).join('|')}|\n`;
  return `${line}${row(r.columns)}${line}${r.rows.map(row).join('')}${line}(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})\n`;
}

/**
 * runSQL is `cockroach sql`: the statement of -e, or else statements read from stdin (with a
 * terminal, the shell's welcome, prompt and tables), each sent to --host's node.
 */
function runSQL(args) {
  const { flags, rest } = parseFlags(args, SQL_FLAGS, 'sql', 'Usage:\n  cockroach sql [options] [flags]\n');
  if (rest.length) fail('sql', `unknown command "${rest[0]}" for "cockroach sql"`);
  if (flags.insecure === undefined) fail('sql', 'problem using security settings, did you mean to use --insecure?: problem with CA certificate: not found');
  const host = flags.host ?? 'localhost';
  const port = Number(flags.port ?? 26257);
  const unreachable = (e) => {
    err(`Error: unable to connect or connection lost.\n\nPlease check the address and credentials such as certificates (if attempting to\ncommunicate with a secure cluster).\n\ndial tcp ${host}:${port}: ${e.code === 'ECONNREFUSED' ? 'getsockopt: connection refused' : e.message}\nFailed running "sql"\n`);
    process.exit(1);
  };
  const stmt = flags.execute ?? flags.e;
  if (stmt !== undefined) {
    request(host, port, { op: 'sql', sql: stmt }, 10_000).then((r) => {
      if (r.error) { err(`Error: ${r.error}\nFailed running "sql"\n`); process.exit(1); }
      if (r.tag) { out(`${r.tag}\n`); return; }
      out(`${r.rows.length} row${r.rows.length === 1 ? '' : 's'}\n${r.columns.join('\t')}\n${r.rows.map((row) => row.join('\t')).join('\n')}\n`);
    }, unreachable);
    return;
  }
  const tty = !!process.stdin.isTTY && !!process.stdout.isTTY;
  const prompt = () => { if (tty) out(`root@${host}:${port}/> `); };
  if (tty) out('# Welcome to the cockroach SQL interface.\n# All statements must be terminated by a semicolon.\n# To exit: CTRL + D.\n');
  let pending = '';
  let chain = request(host, port, { op: 'sql', sql: 'SELECT 1' }, 10_000).then(() => prompt(), unreachable);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    pending += chunk;
    const parts = pending.split(';');
    pending = parts.pop() ?? '';
    for (const sql of parts.map((x) => x.trim()).filter(Boolean)) {
      chain = chain.then(() => request(host, port, { op: 'sql', sql }, 10_000)).then((r) => {
        if (r.error) err(`Error: ${r.error}\n`);
        else if (r.tag) out(`${r.tag}\n`);
        else out(tty ? table(r) : `${r.rows.length} row${r.rows.length === 1 ? '' : 's'}\n${r.columns.join('\t')}\n${r.rows.map((row) => row.join('\t')).join('\n')}\n`);
        prompt();
      }, unreachable);
    }
  });
  process.stdin.on('end', () => { chain.then(() => process.exit(0)); });
}
