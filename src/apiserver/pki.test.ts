import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as x509 from './x509.js';
import { newCA, newServingCert, newSignedCert } from './pki.js';

// Read back with an independent parser (@peculiar/x509) and Node's (OpenSSL's) own checks.
const parse = (pem: string) => new x509.X509Certificate(pem);

describe('newCA', () => {
  it('makes a self-signed ECDSA P-256 CA with kubeadm\'s extensions', () => {
    const ca = newCA('tskube-ca');
    const node = new X509Certificate(ca.cert);
    assert.equal(node.ca, true);
    assert.equal(node.subject, 'CN=tskube-ca');
    assert.equal(node.issuer, 'CN=tskube-ca');
    assert.ok(node.verify(node.publicKey), 'self-signed');
    assert.equal(node.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.match(ca.key, /^-----BEGIN EC PRIVATE KEY-----\n/);
    const c = parse(ca.cert);
    assert.equal(c.signatureAlgorithm.name, 'ECDSA');
    const bc = c.getExtension(x509.BasicConstraintsExtension);
    assert.equal(bc?.ca, true);
    assert.equal(bc?.critical, true);
    const ku = c.getExtension(x509.KeyUsagesExtension);
    assert.equal(ku?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign);
    assert.equal(ku?.critical, true);
    assert.equal(c.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId.length, 40, 'a SHA-1 key identifier');
    assert.equal(c.getExtension(x509.AuthorityKeyIdentifierExtension), null, 'a self-signed CA names no authority key');
    // ten years, from a minute ago
    const notBefore = new Date(node.validFrom).getTime();
    assert.ok(notBefore <= Date.now() - 59_000 && notBefore > Date.now() - 120_000);
    assert.ok(new Date(node.validTo).getTime() > Date.now() + 9 * 365 * 24 * 3600_000);
  });

  it('gives each certificate a different positive serial number', () => {
    const serials = new Set([newCA('a'), newCA('a'), newCA('a')].map((c) => new X509Certificate(c.cert).serialNumber));
    assert.equal(serials.size, 3);
    for (const s of serials) assert.ok(Number.parseInt(s[0], 16) < 8, `${s} is positive`);
  });

  it('writes a common name outside PrintableString as UTF8String', () => {
    assert.equal(new X509Certificate(newCA('tskube_ca').cert).subject, 'CN=tskube_ca');
    assert.equal(new X509Certificate(newCA('häfen').cert).subject, 'CN=häfen');
  });
});

describe('newSignedCert', () => {
  it('makes a serving certificate the CA signed, for IP addresses and DNS names', () => {
    const ca = newCA('tskube-ca');
    const srv = newServingCert(ca, 'kube-apiserver', ['127.0.0.1', '::1', 'localhost', 'kubernetes.default.svc', 'localhost']);
    const cert = new X509Certificate(srv.cert);
    const caCert = new X509Certificate(ca.cert);
    assert.ok(cert.checkIssued(caCert) && cert.verify(caCert.publicKey));
    assert.equal(cert.ca, false);
    assert.equal(cert.subject, 'CN=kube-apiserver');
    assert.equal(cert.subjectAltName, 'IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost, DNS:kubernetes.default.svc');
    const c = parse(srv.cert);
    assert.equal(c.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature);
    assert.deepEqual([...c.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []], [x509.ExtendedKeyUsage.serverAuth]);
    assert.equal(c.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, parse(ca.cert).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
      'the authority key identifier is the CA\'s subject key identifier');
  });

  it('makes a client certificate without alternative names', () => {
    const ca = newCA('front-proxy-ca');
    const client = parse(newSignedCert(ca, { commonName: 'front-proxy-client', usage: 'clientAuth' }).cert);
    assert.deepEqual([...client.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []], [x509.ExtendedKeyUsage.clientAuth]);
    assert.equal(client.getExtension(x509.SubjectAlternativeNameExtension), null);
  });

  it('signs with an RSA CA key (sha256WithRSAEncryption, NULL parameters)', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    // a CA certificate for that key, as an older start made it: self-signed by newSignedCert's own rules is enough here
    const ecCA = newCA('bootstrap');
    const rsaLeaf = newSignedCert(ecCA, { commonName: 'tskube-ca', usage: 'serverAuth' });
    const rsaCA = { cert: rsaLeaf.cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
    const srv = newServingCert(rsaCA, 'kube-apiserver', ['localhost']);
    const c = parse(srv.cert);
    assert.equal(c.signatureAlgorithm.name, 'RSASSA-PKCS1-v1_5');
    assert.ok(new X509Certificate(srv.cert).verify(createPublicKey(privateKey)), 'verifies with the RSA key');
    // AlgorithmIdentifier ::= SEQUENCE { OID 1.2.840.113549.1.1.11, NULL }
    const der = Buffer.from(c.rawData);
    assert.ok(der.includes(Buffer.from('300d06092a864886f70d01010b0500', 'hex')), 'the RSA signature algorithm carries a NULL parameter');
  });

  it('refuses a CA key it cannot sign with', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const ca = { cert: newCA('x').cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
    assert.throws(() => newServingCert(ca, 'kube-apiserver', []), /unsupported key type ed25519/);
  });

  it('refuses a malformed IPv6 address rather than writing it as a DNS name', () => {
    assert.throws(() => newServingCert(newCA('x'), 'kube-apiserver', ['fe80::1::2']), /Invalid IPv6/);
  });

  it('refuses a CA certificate that is not PEM', () => {
    assert.throws(() => newServingCert({ cert: 'garbage', key: newCA('x').key }, 'kube-apiserver', []), /no PEM certificate/);
  });
});
