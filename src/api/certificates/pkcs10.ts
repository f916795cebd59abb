/**
 * Just enough DER and PEM reading to check a PKCS#10 certificate signing request as kube-apiserver
 * does (certificates.ParseCSR + CheckSignature) and a certificate chain (validateCertificate):
 * synchronously, with node:crypto, so it can run inside a strategy's validate hook.
 */
import { X509Certificate, createPublicKey, verify } from 'node:crypto';

/** PemBlock is one `-----BEGIN TYPE-----` block: its type, headers and DER bytes. */
export interface PemBlock { type: string; headers: Record<string, string>; bytes: Buffer }

const PEM_RE = /-----BEGIN ([^-\r\n]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** decodePEM returns the PEM blocks of data, in order (Go's pem.Decode in a loop; garbage between blocks is skipped). */
export function decodePEM(data: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of data.matchAll(PEM_RE)) {
    const headers: Record<string, string> = {};
    const lines = m[2].split(/\r?\n/);
    let i = 0;
    // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED") come before a blank line.
    if (lines.some((l) => l.trim() === '') && lines[0].includes(':')) {
      for (; i < lines.length && lines[i].trim() !== ''; i++) {
        const [k, ...v] = lines[i].split(':');
        headers[k.trim()] = v.join(':').trim();
      }
    }
    blocks.push({ type: m[1], headers, bytes: Buffer.from(lines.slice(i).join(''), 'base64') });
  }
  return blocks;
}

/** Tlv is one DER element: its tag, where its whole encoding sits, and its content. */
interface Tlv { tag: number; start: number; end: number; content: Buffer }

function readTlv(buf: Buffer, at: number): Tlv {
  if (at + 2 > buf.length) throw new Error('x509: malformed certificate request');
  const tag = buf[at];
  let len = buf[at + 1];
  let off = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || off + n > buf.length) throw new Error('x509: malformed certificate request');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[off + i];
    off += n;
  }
  if (off + len > buf.length) throw new Error('x509: malformed certificate request');
  return { tag, start: at, end: off + len, content: buf.subarray(off, off + len) };
}

function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < t.content.length;) {
    const c = readTlv(t.content, at);
    out.push(c);
    at = c.end;
  }
  return out;
}

function oidString(b: Buffer): string {
  const parts = [Math.floor(b[0] / 40), b[0] % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) { parts.push(v); v = 0; }
  }
  return parts.join('.');
}

/** Signature algorithms Go's x509 verifies, by OID: the digest node:crypto.verify takes (null: the key decides, Ed25519). */
const SIGNATURE_DIGESTS: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1', '1.2.840.113549.1.1.11': 'sha256', '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1', '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
};

/** checkCSR parses a PEM certificate request and verifies its self-signature; it throws Go's message when either fails. */
export function checkCSR(pem: string): void {
  const block = decodePEM(pem)[0];
  if (!block || block.type !== 'CERTIFICATE REQUEST') throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const top = readTlv(block.bytes, 0);
  const [info, alg, sig] = children(top);
  if (top.tag !== 0x30 || !info || !alg || !sig || sig.tag !== 0x03) throw new Error('x509: malformed certificate request');
  const infoParts = children(info);
  const spki = infoParts[2];
  if (!spki || spki.tag !== 0x30) throw new Error('x509: malformed certificate request');
  const oid = children(alg)[0];
  const algOID = oid && oid.tag === 0x06 ? oidString(oid.content) : '';
  if (!(algOID in SIGNATURE_DIGESTS)) throw new Error('x509: cannot verify signature: algorithm unimplemented');
  let key;
  try {
    key = createPublicKey({ key: spkiBytes(block.bytes, top, spki, info), format: 'der', type: 'spki' });
  } catch {
    throw new Error('x509: failed to parse public key');
  }
  const tbs = block.bytes.subarray(headerLength(top) + info.start, headerLength(top) + info.end);
  let ok = false;
  try {
    ok = verify(SIGNATURE_DIGESTS[algOID], tbs, key, sig.content.subarray(1));
  } catch { /* a signature of the wrong shape is a failed verification */ }
  if (!ok) throw new Error(key.asymmetricKeyType === 'rsa' ? 'crypto/rsa: verification error' : key.asymmetricKeyType === 'ec' ? 'x509: ECDSA verification failure' : 'x509: Ed25519 verification failure');
}

function headerLength(t: Tlv): number {
  return t.end - t.start - t.content.length;
}

function spkiBytes(der: Buffer, top: Tlv, spki: Tlv, info: Tlv): Buffer {
  const base = headerLength(top) + info.start + headerLength(info);
  return der.subarray(base + spki.start, base + spki.end);
}

/** checkCertificates is kube-apiserver's validateCertificate: one or more CERTIFICATE blocks without headers, each parsing. */
export function checkCertificates(pem: string): void {
  if (pem.length === 0) return;
  const blocks = decodePEM(pem);
  for (const b of blocks) {
    if (b.type !== 'CERTIFICATE') throw new Error(`only CERTIFICATE PEM blocks are allowed, found "${b.type}"`);
    if (Object.keys(b.headers).length) throw new Error('no PEM block headers are permitted');
    try {
      new X509Certificate(b.bytes);
    } catch {
      throw new Error('x509: malformed certificate');
    }
  }
  if (blocks.length === 0) throw new Error('must contain at least one CERTIFICATE PEM block');
}
