// The CRI log writer, in plain CommonJS so that the container shim (a small node process started
// without tsx: src/runtime/process/shim/container-shim.cjs) and the runtimes (through cri-log.ts,
// which gives it its types) write container logs with one implementation.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { StringDecoder } = require('node:string_decoder');

/** MAX_LINE is the longest CRI record; longer lines are split into partial (P) records. */
const MAX_LINE = 16 * 1024;
/** DEFAULT_MAX_LOG_BYTES is kubelet's containerLogMaxSize default (10Mi). */
const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024;

/** criTimestamp is RFC 3339 with nine fractional digits, as containerd writes it. */
function criTimestamp(d) {
  return `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds() * 1000000).padStart(9, '0')}Z`;
}

/**
 * CriLogWriter turns a container's stdout/stderr bytes into CRI log lines ("TIME STREAM F|P
 * MESSAGE") in one file, rotating it to `file.1` when it grows past maxBytes. Writes are synchronous
 * so records keep their order; a UTF-8 character split between two chunks stays whole.
 */
class CriLogWriter {
  constructor(file, maxBytes = DEFAULT_MAX_LOG_BYTES, now = () => new Date()) {
    this.file = file;
    this.maxBytes = maxBytes;
    this.now = now;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
    this.size = fs.fstatSync(this.fd).size;
    this.pending = { stdout: '', stderr: '' };
    this.decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  }

  /** write appends a chunk of one stream; complete lines become F records. */
  write(stream, chunk) {
    let text = this.pending[stream] + (typeof chunk === 'string' ? chunk : this.decoders[stream].write(chunk));
    let nl;
    while ((nl = text.indexOf('\n')) >= 0) {
      let line = text.slice(0, nl);
      for (; line.length > MAX_LINE; line = line.slice(MAX_LINE)) this.record(stream, line.slice(0, MAX_LINE), true);
      this.record(stream, line, false);
      text = text.slice(nl + 1);
    }
    while (text.length > MAX_LINE) {
      this.record(stream, text.slice(0, MAX_LINE), true);
      text = text.slice(MAX_LINE);
    }
    this.pending[stream] = text;
  }

  /** flush writes any unterminated text as a partial record. */
  flush() {
    for (const s of ['stdout', 'stderr']) {
      const rest = this.pending[s] + this.decoders[s].end();
      if (rest) this.record(s, rest, true);
      this.pending[s] = '';
    }
  }

  /** close flushes and closes the file. */
  close() {
    this.flush();
    try { fs.closeSync(this.fd); } catch { /* already closed */ }
  }

  record(stream, message, partial) {
    const buf = Buffer.from(`${criTimestamp(this.now())} ${stream} ${partial ? 'P' : 'F'} ${message}\n`);
    if (this.size + buf.length > this.maxBytes && this.size > 0) {
      fs.closeSync(this.fd);
      fs.renameSync(this.file, `${this.file}.1`);
      this.fd = fs.openSync(this.file, 'a');
      this.size = 0;
    }
    fs.writeSync(this.fd, buf);
    this.size += buf.length;
  }
}

module.exports = { CriLogWriter, criTimestamp, DEFAULT_MAX_LOG_BYTES, MAX_LINE };
