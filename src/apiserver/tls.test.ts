import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync, webcrypto } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '../testing/x509.js';
import { loadOrCreateCredentials, SERVING_SANS, type ServingCredentials } from './tls.js';

/** handshake serves https with creds and fetches it as a client trusting only creds.caCert, by `servername`. */
async function handshake(creds: ServingCredentials, servername: string): Promise<number> {
  const server = https.createServer({ cert: creds.cert, key: creds.key }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await new Promise<number>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: creds.caCert, servername, path: '/' }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
    });
  } finally {
    server.close();
  }
}

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-tls-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

describe('loadOrCreateCredentials', () => {
  it('makes an ECDSA P-256 CA and serving certificate with kubeadm\'s usages and the SANs', () => withDir(async (dir) => {
    const creds = await loadOrCreateCredentials(dir, ['10.43.0.1']);
    const ca = new X509Certificate(creds.caCert);
    const cert = new X509Certificate(creds.cert);
    assert.equal(ca.ca, true);
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'the serving certificate is signed by the CA');
    assert.equal(ca.publicKey.asymmetricKeyType, 'ec');
    assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(cert.subject, 'CN=kube-apiserver');
    for (const s of [...SERVING_SANS, '10.43.0.1']) assert.ok(isIP(s) ? cert.checkIP(s) : cert.checkHost(s), `the certificate names ${s}`);
    assert.equal(cert.checkHost('example.com'), undefined);
    const parsed = new x509.X509Certificate(creds.cert);
    assert.equal(parsed.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature);
    assert.deepEqual([...parsed.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []], [x509.ExtendedKeyUsage.serverAuth]);
    const caUsages = new x509.X509Certificate(creds.caCert).getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
    assert.ok(caUsages & x509.KeyUsageFlags.keyCertSign);
    assert.match(readFileSync(join(dir, 'pki', 'ca.key'), 'utf8'), /^-----BEGIN EC PRIVATE KEY-----/);
    assert.equal(await handshake(creds, 'kubernetes.default.svc'), 200);
    const again = await loadOrCreateCredentials(dir);
    assert.deepEqual(again, creds, 'a second start reads what is there');
  }));

  it('keeps a data dir of an older start with an RSA CA: it signs a missing serving certificate', () => withDir(async (dir) => {
    // an RSA CA as the node-forge era wrote it (PKCS#8 PEM key)
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const keys = {
      privateKey: await webcrypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), alg, false, ['sign']),
      publicKey: await webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), alg, true, ['verify']),
    };
    const rsaCA = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01', name: 'CN=tskube-ca', keys: keys as CryptoKeyPair, signingAlgorithm: alg,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    });
    mkdirSync(join(dir, 'pki'), { recursive: true });
    writeFileSync(join(dir, 'pki', 'ca.crt'), rsaCA.toString('pem'));
    writeFileSync(join(dir, 'pki', 'ca.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    writeFileSync(join(dir, 'pki', 'admin.token'), 'old-token\n');
    const creds = await loadOrCreateCredentials(dir);
    assert.equal(creds.caCert, rsaCA.toString('pem'), 'the CA is kept');
    assert.equal(creds.token, 'old-token', 'the admin token is kept');
    const cert = new X509Certificate(creds.cert);
    assert.ok(cert.verify(new X509Certificate(creds.caCert).publicKey), 'signed by the RSA CA');
    assert.equal(await handshake(creds, 'localhost'), 200);
  }));
});
