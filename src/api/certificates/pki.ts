/**
 * Certificates as kubeadm makes them (client-go's certificate helpers): a self-signed CA, and
 * serving or client certificates it signs. The X.509 structures are @peculiar/asn1-x509's; keys and
 * signatures are Node's crypto, synchronous and native. A first start makes two certificates, and
 * through @peculiar/x509 (its WebCrypto layer and dependency container) that took ~0.1 s of it;
 * that library is loaded now only to read certificate signing requests.
 */
import { CertificationRequest } from '@peculiar/asn1-csr';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';

/** CertAndKey is a PEM certificate and its PEM private key. */
export interface CertAndKey {
  cert: string;
  key: string;
}

const OID = {
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** ExtendedUsage is what a leaf certificate is for (extKeyUsage). */
export type ExtendedUsage = 'serverAuth' | 'clientAuth';

/** pemCertificate wraps DER in PEM, 64 characters a line. */
function pemCertificate(der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** derOf reads the first certificate of a PEM text. */
function derOf(pem: string): Buffer {
  const m = /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error('no PEM certificate found');
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

const arrayBuffer = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** PRINTABLE is ASN.1 PrintableString's alphabet: Go encodes a name in it when it can, as UTF8String otherwise. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** nameOf is the distinguished name CN=commonName. */
function nameOf(commonName: string): asn.Name {
  const value = new asn.AttributeValue(PRINTABLE.test(commonName) ? { printableString: commonName } : { utf8String: commonName });
  return new asn.Name([new asn.RelativeDistinguishedName([new asn.AttributeTypeAndValue({ type: OID.commonName, value })])]);
}

function extension(extnID: string, critical: boolean, value: object): asn.Extension {
  return new asn.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** keyIdentifier is the SHA-1 of the public key's bits (RFC 5280 4.2.1.2 method 1), as Go computes SubjectKeyId. */
function keyIdentifier(spki: asn.SubjectPublicKeyInfo): ArrayBuffer {
  return arrayBuffer(createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest());
}

/** signatureAlgorithm is what a CA key signs with: ECDSA or RSA PKCS#1 v1.5, always over SHA-256. */
function signatureAlgorithm(key: KeyObject): asn.AlgorithmIdentifier {
  switch (key.asymmetricKeyType) {
    case 'ec': return new asn.AlgorithmIdentifier({ algorithm: OID.ecdsaWithSHA256 });
    // RFC 4055: the RSA algorithms carry an explicit NULL parameter
    case 'rsa': return new asn.AlgorithmIdentifier({ algorithm: OID.sha256WithRSAEncryption, parameters: null });
    default: throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
  }
}

/** serialNumber is a random positive 128-bit serial, as Kubernetes' certificate helpers choose them. */
function serialNumber(): ArrayBuffer {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x01;
  return arrayBuffer(b);
}

/** validity runs from a minute ago (clock skew between hosts) for ten years: tskube rotates nothing. */
function validity(now = Date.now()): asn.Validity {
  return new asn.Validity({ notBefore: new Date(now - 60_000), notAfter: new Date(now + 10 * 365 * 24 * 3600_000) });
}

/** newKey makes an ECDSA P-256 key (as k3s makes them); its PEM is "EC PRIVATE KEY", as kubeadm writes it. */
function newKey(): { privateKey: KeyObject; pem: string; spki: asn.SubjectPublicKeyInfo } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKey,
    pem: privateKey.export({ type: 'sec1', format: 'pem' }) as string,
    spki: AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), asn.SubjectPublicKeyInfo),
  };
}

interface Issuer { name: asn.Name; key: KeyObject; keyIdentifier?: ArrayBuffer }

/** madeHere holds the CAs this process made, so that signing with one does not parse it back (~5 ms). */
const madeHere = new WeakMap<CertAndKey, Required<Issuer>>();

/** signed builds the certificate and signs its TBSCertificate with the issuer's key. */
function signed(subject: asn.Name, spki: asn.SubjectPublicKeyInfo, issuer: Issuer, extensions: asn.Extension[], period = validity()): string {
  const algorithm = signatureAlgorithm(issuer.key);
  const tbsCertificate = new asn.TBSCertificate({
    version: asn.Version.v3, serialNumber: serialNumber(), signature: algorithm, issuer: issuer.name,
    validity: period, subject, subjectPublicKeyInfo: spki, extensions: new asn.Extensions(extensions),
  });
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbsCertificate)), issuer.key);
  const cert = new asn.Certificate({ tbsCertificate, signatureAlgorithm: algorithm, signatureValue: arrayBuffer(signature) });
  return pemCertificate(new Uint8Array(AsnConvert.serialize(cert)));
}

/**
 * newCA makes a self-signed CA as client-go's NewSelfSignedCACert: basicConstraints CA:TRUE
 * critical, keyUsage digitalSignature + keyCertSign critical, a subject key identifier.
 */
export function newCA(commonName: string): CertAndKey {
  const key = newKey();
  const name = nameOf(commonName);
  const keyId = keyIdentifier(key.spki);
  const cert = signed(name, key.spki, { name, key: key.privateKey }, [
    extension(OID.basicConstraints, true, new asn.BasicConstraints({ cA: true })),
    extension(OID.keyUsage, true, new asn.KeyUsage(asn.KeyUsageFlags.digitalSignature | asn.KeyUsageFlags.keyCertSign)),
    extension(OID.subjectKeyIdentifier, false, new asn.SubjectKeyIdentifier(keyId)),
  ]);
  const ca = { cert, key: key.pem };
  madeHere.set(ca, { name, key: key.privateKey, keyIdentifier: keyId });
  return ca;
}

/** issuerOf reads a CA (whose key may be ECDSA or an older start's RSA): its name, key and key identifier. */
function issuerOf(ca: CertAndKey): Required<Issuer> {
  const known = madeHere.get(ca);
  if (known) return known;
  const tbs = AsnConvert.parse(derOf(ca.cert), asn.Certificate).tbsCertificate;
  const ski = tbs.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
  const keyId = ski ? arrayBuffer(new Uint8Array(AsnConvert.parse(ski.extnValue, asn.SubjectKeyIdentifier).buffer)) : keyIdentifier(tbs.subjectPublicKeyInfo);
  return { name: tbs.subject, key: createPrivateKey(ca.key), keyIdentifier: keyId };
}

/**
 * isAddress tells an IP address from a DNS name: no DNS name has a colon, and the IP converter
 * rejects a malformed IPv6 address. (net.isIP compiles its IPv6 pattern on first use: ~10 ms of a
 * first start.)
 */
const isAddress = (s: string) => s.includes(':') || isIPv4(s);

export interface LeafOptions {
  commonName: string;
  usage: ExtendedUsage;
  /** subject alternative names: IP addresses and DNS names */
  sans?: string[];
}

/**
 * newSignedCert makes a leaf certificate signed by `ca`, as kubeadm's apiserver.crt and
 * front-proxy-client.crt: basicConstraints CA:FALSE, keyUsage digitalSignature critical, the
 * extended usage, the CA's key identifier, and the subject alternative names.
 */
export function newSignedCert(ca: CertAndKey, o: LeafOptions): CertAndKey {
  const issuer = issuerOf(ca);
  const key = newKey();
  const extensions = [
    extension(OID.basicConstraints, true, new asn.BasicConstraints({ cA: false })),
    extension(OID.keyUsage, true, new asn.KeyUsage(asn.KeyUsageFlags.digitalSignature)),
    extension(OID.extKeyUsage, false, new asn.ExtendedKeyUsage([OID[o.usage]])),
    extension(OID.authorityKeyIdentifier, false, new asn.AuthorityKeyIdentifier({ keyIdentifier: new asn.KeyIdentifier(issuer.keyIdentifier) })),
  ];
  const sans = [...new Set(o.sans ?? [])];
  if (sans.length) {
    extensions.push(extension(OID.subjectAltName, false, new asn.SubjectAlternativeName(
      sans.map((s) => new asn.GeneralName(isAddress(s) ? { iPAddress: s } : { dNSName: s })))));
  }
  return { cert: signed(nameOf(o.commonName), key.spki, issuer, extensions), key: key.pem };
}

/** newServingCert makes a serverAuth certificate for `sans`, signed by `ca`. */
export function newServingCert(ca: CertAndKey, commonName: string, sans: string[]): CertAndKey {
  return newSignedCert(ca, { commonName, usage: 'serverAuth', sans });
}

/** CertificateRequest is what a signer reads of a PKCS#10 request (Go's x509.CertificateRequest fields). */
export interface CertificateRequest {
  subject: asn.Name;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  /** the subjectAltName extension as requested, copied into the certificate */
  subjectAltName?: asn.Extension;
  publicKey: asn.SubjectPublicKeyInfo;
}

const OID_ORGANIZATION = '2.5.4.10';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

/** attributeValues are the string values of one attribute type in a name, in order. */
function attributeValues(name: asn.Name, type: string): string[] {
  // plain arrays out: Name and its RDNs are Array subclasses, which map and filter would keep
  return Array.from(name).flatMap((rdn) => Array.from(rdn).filter((a) => a.type === type).map((a) => a.value.toString()));
}

/** readCertificateRequest parses a DER PKCS#10 request (its signature is checked at admission: pkcs10.ts). */
export function readCertificateRequest(der: Uint8Array): CertificateRequest {
  const info = AsnConvert.parse(der, CertificationRequest).certificationRequestInfo;
  const requested = info.attributes.find((a) => a.type === OID_EXTENSION_REQUEST);
  const extensions = requested?.values[0] ? AsnConvert.parse(requested.values[0], asn.Extensions) : [];
  const subjectAltName = extensions.find((e) => e.extnID === OID.subjectAltName);
  const names = subjectAltName ? AsnConvert.parse(subjectAltName.extnValue, asn.SubjectAlternativeName) : [];
  const pick = (f: (g: asn.GeneralName) => string | undefined) => Array.from(names, f).filter((v): v is string => v !== undefined);
  return {
    subject: info.subject,
    commonName: attributeValues(info.subject, OID.commonName)[0] ?? '',
    organizations: attributeValues(info.subject, OID_ORGANIZATION),
    dnsNames: pick((g) => g.dNSName),
    ipAddresses: pick((g) => g.iPAddress),
    emailAddresses: pick((g) => g.rfc822Name),
    uris: pick((g) => g.uniformResourceIdentifier),
    subjectAltName: subjectAltName && new asn.Extension({ extnID: OID.subjectAltName, critical: subjectAltName.critical, extnValue: subjectAltName.extnValue }),
    publicKey: info.subjectPKInfo,
  };
}

/** SigningTemplate is what a signer decides of the certificate (client-go's PermissiveSigningPolicy). */
export interface SigningTemplate {
  keyUsage: number;
  extendedKeyUsages: string[];
  notBefore: Date;
  notAfter: Date;
}

/** caNotAfter is when the CA's certificate expires: no certificate it signs outlives it. */
export function caNotAfter(ca: CertAndKey): Date {
  return AsnConvert.parse(derOf(ca.cert), asn.Certificate).tbsCertificate.validity.notAfter.getTime();
}

/**
 * signRequest issues the certificate a request asks for, as kube-controller-manager's signer:
 * the request's subject, public key and alternative names, the template's usages and validity,
 * basicConstraints CA:FALSE, the CA's key identifier; no other requested extension.
 */
export function signRequest(ca: CertAndKey, request: CertificateRequest, t: SigningTemplate): string {
  const issuer = issuerOf(ca);
  const extensions: asn.Extension[] = [];
  if (t.keyUsage) extensions.push(extension(OID.keyUsage, true, new asn.KeyUsage(t.keyUsage)));
  if (t.extendedKeyUsages.length) extensions.push(extension(OID.extKeyUsage, false, new asn.ExtendedKeyUsage(t.extendedKeyUsages)));
  extensions.push(extension(OID.basicConstraints, true, new asn.BasicConstraints({ cA: false })));
  extensions.push(extension(OID.authorityKeyIdentifier, false, new asn.AuthorityKeyIdentifier({ keyIdentifier: new asn.KeyIdentifier(issuer.keyIdentifier) })));
  if (request.subjectAltName) extensions.push(request.subjectAltName);
  return signed(request.subject, request.publicKey, issuer, extensions, new asn.Validity({ notBefore: t.notBefore, notAfter: t.notAfter }));
}
