#!/usr/bin/env node
// redis-cli stand-in (the redis images' /usr/local/bin/redis-cli): `redis-cli [-h HOST] [-p PORT]
// [COMMAND ARGS...]` sends one command over RESP and prints the reply; without a command it reads
// commands, one a line, from stdin. As redis-cli does, replies are printed for people on a
// terminal (`1) "maxmemory"`, `(integer) 3`, `(nil)`) and raw otherwise (one value a line); on a
// terminal without a command it prompts `127.0.0.1:6379> ` (`kubectl exec -it redis -- redis-cli`).
'use strict';
const net = require('node:net');
const readline = require('node:readline');

const args = process.argv.slice(2);
let host = '127.0.0.1';
let port = 6379;
while (args.length && /^-[hp]$/.test(args[0])) {
  const [flag, value] = args.splice(0, 2);
  if (flag === '-h') host = value;
  else port = Number(value);
}
const human = !!process.stdout.isTTY;

const resp = (words) => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;

/** readReply reads one RESP reply from buf at `at` as { type, value, end }, or undefined until it is whole. */
function readReply(buf, at) {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const head = buf.subarray(at + 1, eol).toString();
  switch (String.fromCharCode(buf[at])) {
    case '+': return { type: 'status', value: head, end: eol + 2 };
    case '-': return { type: 'error', value: head, end: eol + 2 };
    case ':': return { type: 'integer', value: head, end: eol + 2 };
    case '$': {
      const len = Number(head);
      if (len < 0) return { type: 'nil', end: eol + 2 };
      if (buf.length < eol + 4 + len) return undefined;
      return { type: 'string', value: buf.subarray(eol + 2, eol + 2 + len).toString(), end: eol + 4 + len };
    }
    case '*': {
      const items = [];
      let p = eol + 2;
      for (let i = 0; i < Number(head); i++) {
        const r = readReply(buf, p);
        if (!r) return undefined;
        items.push(r);
        p = r.end;
      }
      return { type: 'array', value: items, end: p };
    }
    default: return { type: 'error', value: `Protocol error: ${head}`, end: eol + 2 };
  }
}

/** quote is redis-cli's sdscatrepr: a double-quoted string with escapes for quotes and control bytes. */
function quote(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** format prints a reply as redis-cli does: for a person (human) or raw. */
function format(r, indent = '') {
  if (!human) {
    if (r.type === 'array') return r.value.map((x) => format(x)).join('\n');
    if (r.type === 'nil') return '';
    return r.value;
  }
  switch (r.type) {
    case 'status': return r.value;
    case 'error': return `(error) ${r.value}`;
    case 'integer': return `(integer) ${r.value}`;
    case 'nil': return '(nil)';
    case 'string': return quote(r.value);
    default: {
      if (!r.value.length) return '(empty array)';
      const width = String(r.value.length).length;
      return r.value.map((x, i) => {
        const label = `${String(i + 1).padStart(width)}) `;
        const body = format(x, indent + ' '.repeat(label.length));
        return (i === 0 ? '' : indent) + label + body;
      }).join('\n');
    }
  }
}

/** words splits a typed line as redis-cli does: spaces between words, double or single quotes around one. */
function words(line) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, (_, c) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c) : m[2] ?? m[3]);
  return out;
}

/**
 * connect dials the server. A refused connection is tried again for a moment: this stand-in's
 * server (a node script) needs a few hundred milliseconds to listen where redis-server needs a few,
 * and a pod shows Running before that; a server that is not there at all still fails as redis-cli does.
 */
function connect(deadline = Date.now() + 1500) {
  const s = net.connect(port, host);
  s.on('error', (e) => {
    if (e.code === 'ECONNREFUSED' && Date.now() < deadline) { setTimeout(() => { sock = connect(deadline); wire(sock); }, 50); return; }
    const why = e.code === 'ECONNREFUSED' ? 'Connection refused' : e.message;
    console.log(`Could not connect to Redis at ${host}:${port}: ${why}`);
    process.exit(1);
  });
  return s;
}
let onConnect;
const connected = new Promise((resolve) => { onConnect = resolve; });
let buf = Buffer.alloc(0);
const waiting = [];
let sock = connect();
function wire(s) {
  s.once('connect', () => onConnect());
  s.on('data', onData);
}
wire(sock);
function onData(chunk) {
  buf = Buffer.concat([buf, chunk]);
  for (let r = readReply(buf, 0); r; r = readReply(buf, 0)) {
    buf = buf.subarray(r.end);
    waiting.shift()?.(r);
  }
}
const ask = (w) => new Promise((resolve) => { waiting.push(resolve); sock.write(resp(w)); });

async function main() {
  await connected;
  if (args.length) {
    const r = await ask(args);
    process.stdout.write(`${format(r)}\n`);
    sock.end();
    process.exitCode = r.type === 'error' ? 1 : 0;
    return;
  }
  const rl = readline.createInterface({ input: process.stdin, output: human && process.stdin.isTTY ? process.stdout : undefined, terminal: human && !!process.stdin.isTTY });
  const prompt = `${host}:${port}> `;
  if (human && process.stdin.isTTY) { rl.setPrompt(prompt); rl.prompt(); }
  for await (const line of rl) {
    const w = words(line);
    if (w.length) {
      if (/^(quit|exit)$/i.test(w[0])) break;
      process.stdout.write(`${format(await ask(w))}\n`);
    }
    if (human && process.stdin.isTTY) rl.prompt();
  }
  rl.close();
  sock.end();
}

main().catch((e) => { console.error(String(e)); process.exit(1); });
