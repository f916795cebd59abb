import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import * as x509 from '../../testing/x509.js';
import { newCA, newServingCert, newSignedCert, readCertificateRequest, signRequest } from './pki.js';

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

describe('readCertificateRequest and signRequest', () => {
  const request = async (name: string, sans?: x509.JsonGeneralNames) => {
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name, keys, signingAlgorithm: alg,
      extensions: sans ? [new x509.SubjectAlternativeNameExtension(sans), new x509.BasicConstraintsExtension(true)] : [],
    });
    return new Uint8Array(csr.rawData);
  };

  it('reads the subject and the requested alternative names', async () => {
    const r = readCertificateRequest(await request('CN=system:node:host01, O=system:nodes', [{ type: 'dns', value: 'host01' }, { type: 'ip', value: '10.0.0.1' }, { type: 'email', value: 'a@b.c' }, { type: 'url', value: 'spiffe://x/y' }]));
    assert.equal(r.commonName, 'system:node:host01');
    assert.deepEqual(r.organizations, ['system:nodes']);
    assert.deepEqual([r.dnsNames, r.ipAddresses, r.emailAddresses, r.uris], [['host01'], ['10.0.0.1'], ['a@b.c'], ['spiffe://x/y']]);
  });

  it('issues the certificate asked for: subject, key and names from the request, usages and validity from the template, no other requested extension', async () => {
    const ca = newCA('tskube-ca');
    const der = await request('CN=jane, O=devs, O=ops', [{ type: 'dns', value: 'jane.example' }]);
    const notBefore = new Date('2026-11-29T11:55:00Z');
    const notAfter = new Date('2026-11-30T11:55:00Z');
    const pem = signRequest(ca, readCertificateRequest(der), { keyUsage: 1 | 4, extendedKeyUsages: ['1.3.6.1.5.5.7.3.2'], notBefore, notAfter });
    const cert = new X509Certificate(pem);
    assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
    assert.equal(cert.subject, 'CN=jane\nO=devs\nO=ops');
    assert.equal(cert.subjectAltName, 'DNS:jane.example');
    assert.deepEqual([cert.validFrom, cert.validTo], ['Nov 29 11:55:00 2026 GMT', 'Nov 30 11:55:00 2026 GMT']);
    assert.equal(cert.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
      Buffer.from(new x509.Pkcs10CertificateRequest(der).publicKey.rawData).toString('hex'), 'the request\'s key');
    const c = parse(pem);
    assert.equal(c.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    assert.equal(c.getExtension(x509.BasicConstraintsExtension)?.ca, false, 'the request asked for CA:TRUE; the signer makes a leaf');
    assert.equal(c.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, parse(ca.cert).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
  });
});
