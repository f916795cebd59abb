// mongo stand-in (the official mongo:4.2 image, "Use Port Forwarding to Access Applications in a
// Cluster"): mongod on 27017 (--port, --bind_ip) speaking MongoDB's wire protocol far enough for a
// client's handshake and the page's `db.runCommand({ ping: 1 })`: OP_QUERY on admin.$cmd (the
// drivers' first hello) answered with OP_REPLY, OP_MSG commands (hello/isMaster, ping, buildInfo,
// getLog, endSessions …) answered with OP_MSG; anything else is CommandNotFound. It stores nothing.
// Start-up and connection notices go to stdout in mongod 4.2's log format, so `kubectl logs` shows
// what the real server prints.
'use strict';
const net = require('node:net');
const os = require('node:os');

const VERSION = '4.2.24';
const argv = process.argv.slice(2);
// the image's docker-entrypoint.sh runs `mongod ARGS`, with or without the name given
if (argv[0] === 'mongod') argv.shift();
/** opt reads `--name value` or `--name=value` from mongod's command line. */
function opt(name) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}
const port = Number(opt('port') ?? 27017);
// mongod listens on localhost only unless told otherwise: the page passes --bind_ip 0.0.0.0
const bindIp = argv.includes('--bind_ip_all') ? '0.0.0.0' : (opt('bind_ip') ?? '127.0.0.1');

/** log prints one line as mongod 4.2 does: "2026-11-28T07:20:00.123+0000 I  NETWORK  [listener] message". */
function log(component, ctx, msg) {
  const t = new Date().toISOString().replace('Z', '+0000');
  console.log(`${t} I  ${component.padEnd(8)} [${ctx}] ${msg}`);
}

// ---- BSON (the types a driver sends and these answers need) ----

/** Int64 marks a number to encode as BSON int64 (0x12); plain integers go as int32, others as double. */
class Int64 { constructor(v) { this.value = BigInt(v); } }
/** Double marks a number to encode as BSON double (0x01) even when it is whole (mongod's ok: 1.0). */
class Double { constructor(v) { this.value = v; } }

/** decodeDocument reads one BSON document at off: [object, length]. */
function decodeDocument(buf, off = 0, asArray = false) {
  const size = buf.readInt32LE(off);
  const end = off + size - 1;
  const out = asArray ? [] : {};
  let p = off + 4;
  while (p < end) {
    const type = buf[p++];
    const nameEnd = buf.indexOf(0, p);
    const name = buf.toString('utf8', p, nameEnd);
    p = nameEnd + 1;
    let v;
    switch (type) {
      case 0x01: v = buf.readDoubleLE(p); p += 8; break;
      case 0x02: case 0x0d: case 0x0e: { const n = buf.readInt32LE(p); v = buf.toString('utf8', p + 4, p + 4 + n - 1); p += 4 + n; break; }
      case 0x03: case 0x04: { const n = buf.readInt32LE(p); v = decodeDocument(buf, p, type === 0x04)[0]; p += n; break; }
      case 0x05: { const n = buf.readInt32LE(p); v = buf.subarray(p + 5, p + 5 + n); p += 5 + n; break; }
      case 0x07: v = buf.toString('hex', p, p + 12); p += 12; break;
      case 0x08: v = buf[p] === 1; p += 1; break;
      case 0x09: v = new Date(Number(buf.readBigInt64LE(p))); p += 8; break;
      case 0x0a: case 0x06: case 0xff: case 0x7f: v = null; break;
      case 0x0b: { const a = buf.indexOf(0, p); const b = buf.indexOf(0, a + 1); v = buf.toString('utf8', p, a); p = b + 1; break; }
      case 0x10: v = buf.readInt32LE(p); p += 4; break;
      case 0x11: case 0x12: v = buf.readBigInt64LE(p); p += 8; break;
      case 0x13: v = buf.subarray(p, p + 16); p += 16; break;
      default: throw new Error(`unsupported BSON type 0x${type.toString(16)} in ${name}`);
    }
    if (asArray) out.push(v); else out[name] = v;
  }
  return [out, size];
}

/** encodeDocument writes an object (or array) as a BSON document. */
function encodeDocument(obj) {
  const parts = [];
  for (const [k, v] of Object.entries(obj)) {
    const name = Buffer.from(`${k}\0`);
    const el = (type, body) => parts.push(Buffer.from([type]), name, body);
    if (v === null || v === undefined) el(0x0a, Buffer.alloc(0));
    else if (v instanceof Double) { const b = Buffer.alloc(8); b.writeDoubleLE(v.value); el(0x01, b); }
    else if (v instanceof Int64) { const b = Buffer.alloc(8); b.writeBigInt64LE(v.value); el(0x12, b); }
    else if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31) { const b = Buffer.alloc(4); b.writeInt32LE(v); el(0x10, b); }
    else if (typeof v === 'number') { const b = Buffer.alloc(8); b.writeDoubleLE(v); el(0x01, b); }
    else if (typeof v === 'string') { const s = Buffer.from(`${v}\0`); const n = Buffer.alloc(4); n.writeInt32LE(s.length); el(0x02, Buffer.concat([n, s])); }
    else if (typeof v === 'boolean') el(0x08, Buffer.from([v ? 1 : 0]));
    else if (v instanceof Date) { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(v.getTime())); el(0x09, b); }
    else if (Array.isArray(v)) el(0x04, encodeDocument(Object.fromEntries(v.map((x, i) => [String(i), x]))));
    else el(0x03, encodeDocument(v));
  }
  const body = Buffer.concat(parts);
  const doc = Buffer.alloc(4 + body.length + 1);
  doc.writeInt32LE(doc.length);
  body.copy(doc, 4);
  return doc;
}

// ---- commands ----

const started = Date.now();
let connections = 0;
let nextConnectionId = 1;

/** OK marks a command's success as mongod does (ok: 1.0, a double). */
const OK = new Double(1);

/** runCommand answers one command document the way mongod 4.2 does. */
function runCommand(cmd, connectionId) {
  const name = Object.keys(cmd)[0] ?? '';
  switch (name.toLowerCase()) {
    case 'ismaster':
    case 'hello':
      return {
        ismaster: true, maxBsonObjectSize: 16777216, maxMessageSizeBytes: 48000000, maxWriteBatchSize: 100000,
        localTime: new Date(), logicalSessionTimeoutMinutes: 30, connectionId, minWireVersion: 0, maxWireVersion: 8, readOnly: false, ok: OK,
      };
    case 'ping':
      return { ok: OK };
    case 'buildinfo':
      return {
        version: VERSION, gitVersion: '50fa6ef53ec5ab6c5d2e0e4ce1bd0c1d26d2a8d6', modules: [], allocator: 'tcmalloc', javascriptEngine: 'mozjs',
        sysInfo: 'deprecated', versionArray: [4, 2, 24, 0], bits: 64, debug: false, maxBsonObjectSize: 16777216, storageEngines: ['biggie', 'devnull', 'ephemeralForTest', 'wiredTiger'], ok: OK,
      };
    case 'getlog':
      return cmd[name] === '*' ? { names: ['global', 'startupWarnings'], ok: OK } : { totalLinesWritten: 0, log: [], ok: OK };
    case 'getcmdlineopts':
      return { argv: ['mongod', ...argv], parsed: { net: { bindIp, port } }, ok: OK };
    case 'getparameter':
      return { ok: OK };
    case 'endsessions':
    case 'killsessions':
      return { ok: OK };
    case 'serverstatus':
      return { host: os.hostname(), version: VERSION, process: 'mongod', pid: new Int64(process.pid), uptime: new Double(Math.floor((Date.now() - started) / 1000)),
        uptimeMillis: new Int64(Date.now() - started), localTime: new Date(), connections: { current: connections, available: 838860 - connections }, ok: OK };
    case 'listdatabases':
      return { databases: [], totalSize: 0, ok: OK };
    default:
      return { ok: new Double(0), errmsg: `no such command: '${name}'`, code: 59, codeName: 'CommandNotFound' };
  }
}

// ---- wire protocol ----

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
let nextRequestId = 1;

/** frame builds one message: the standard header and body. */
function frame(responseTo, opCode, body) {
  const head = Buffer.alloc(16);
  head.writeInt32LE(16 + body.length, 0);
  head.writeInt32LE(nextRequestId++, 4);
  head.writeInt32LE(responseTo, 8);
  head.writeInt32LE(opCode, 12);
  return Buffer.concat([head, body]);
}

/** handle answers one complete message (undefined when it expects no answer). */
function handle(msg, connectionId) {
  const requestId = msg.readInt32LE(4);
  const opCode = msg.readInt32LE(12);
  if (opCode === OP_QUERY) {
    // flags, fullCollectionName (cstring), numberToSkip, numberToReturn, query
    const nameEnd = msg.indexOf(0, 20);
    const [query] = decodeDocument(msg, nameEnd + 9);
    const cmd = query.$query ?? query.query ?? query;
    const reply = encodeDocument(runCommand(cmd, connectionId));
    const head = Buffer.alloc(20); // responseFlags, cursorID (int64), startingFrom, numberReturned
    head.writeInt32LE(1, 16);
    return frame(requestId, OP_REPLY, Buffer.concat([head, reply]));
  }
  if (opCode === OP_MSG) {
    const flags = msg.readUInt32LE(16);
    let p = 20;
    let cmd;
    const end = msg.length - (flags & 1 ? 4 : 0);
    while (p < end) {
      const kind = msg[p++];
      const size = msg.readInt32LE(p);
      if (kind === 0) cmd = decodeDocument(msg, p)[0];
      p += size;
    }
    const answer = runCommand(cmd ?? {}, connectionId);
    // moreToCome (flag bit 1): the client wants no reply
    if (flags & 2) return undefined;
    return frame(requestId, OP_MSG, Buffer.concat([Buffer.alloc(4), Buffer.from([0]), encodeDocument(answer)]));
  }
  return undefined;
}

const server = net.createServer((sock) => {
  const id = nextConnectionId++;
  connections++;
  const peer = `${(sock.remoteAddress ?? '').replace(/^::ffff:/, '')}:${sock.remotePort}`;
  log('NETWORK', 'listener', `connection accepted from ${peer} #${id} (${connections} connection${connections === 1 ? '' : 's'} now open)`);
  let pending = Buffer.alloc(0);
  sock.on('data', (d) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
      const len = pending.readInt32LE(0);
      const msg = pending.subarray(0, len);
      pending = pending.subarray(len);
      try {
        const out = handle(msg, id);
        if (out) sock.write(out);
      } catch (e) {
        log('NETWORK', `conn${id}`, `Error receiving request from client: ${e.message}. Ending connection from ${peer} (connection id: ${id})`);
        sock.destroy();
        return;
      }
    }
  });
  sock.on('error', () => {});
  sock.on('close', () => {
    connections--;
    log('NETWORK', `conn${id}`, `end connection ${peer} (${connections} connection${connections === 1 ? '' : 's'} now open)`);
  });
});

log('CONTROL', 'main', "Automatically disabling TLS 1.0, to force-enable TLS 1.0 specify --sslDisabledProtocols 'none'");
log('CONTROL', 'initandlisten', `MongoDB starting : pid=${process.pid} port=${port} dbpath=/data/db 64-bit host=${os.hostname()}`);
log('CONTROL', 'initandlisten', `db version v${VERSION}`);
log('CONTROL', 'initandlisten', `options: { net: { bindIp: "${bindIp}", port: ${port} } }`);
server.listen(port, bindIp, () => {
  log('NETWORK', 'listener', `Listening on ${bindIp}`);
  log('NETWORK', 'listener', `waiting for connections on port ${port}`);
});
// mongod shuts down cleanly at TERM and INT (exit 0); without handlers a container's PID 1 ignores them
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    log('CONTROL', 'signalProcessingThread', `got signal ${sig === 'SIGTERM' ? 15 : 2} (${sig === 'SIGTERM' ? 'Terminated' : 'Interrupt'}), will terminate after current cmd ends`);
    log('CONTROL', 'signalProcessingThread', 'shutting down with code:0');
    process.exit(0);
  });
}
