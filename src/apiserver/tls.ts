import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

// @peculiar/x509 and its ASN.1 modules take ~0.1 s to load: only a start that makes a
// certificate loads them, a restart over an existing data dir does not.
const loadX509 = () => import('./x509.js');

/** ServingCredentials are what the HTTPS server and the kubeconfig need. */
export interface ServingCredentials {
  caCert: string;
  cert: string;
  key: string;
  /** the admin bearer token */
  token: string;
  /** the node token agents join with (DIR/node-token); distinct from the admin token */
  nodeToken: string;
}

/** nodeTokenPath is where `tskube server` keeps the node token agents join with. */
export function nodeTokenPath(dir: string): string {
  return join(dir, 'node-token');
}

/** loadOrCreateNodeToken reads DIR/node-token, creating a random one on first start. */
export function loadOrCreateNodeToken(dir: string): string {
  const file = nodeTokenPath(dir);
  if (existsSync(file)) {
    const t = readFileSync(file, 'utf8').trim();
    if (t) return t;
  }
  const token = randomBytes(32).toString('hex');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return token;
}

/** SERVING_SANS are the names the serving certificate always carries (kubeadm's, for one host). */
export const SERVING_SANS = ['127.0.0.1', '::1', 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '10.96.0.1'];

/**
 * loadOrCreateCredentials keeps a CA, a serving certificate, an admin token and a node token in
 * `dir`, creating what is missing on first start. New keys are ECDSA P-256 (as k3s makes them; an
 * RSA-2048 key took most of the start time), certificates are built with @peculiar/x509 over Node's
 * WebCrypto. What a data dir already holds is kept as it is, RSA keys of older starts included: a
 * CA that is there signs a missing serving certificate, so agents and kubeconfigs keep trusting it.
 */
export async function loadOrCreateCredentials(dir: string, extraSANs: string[] = []): Promise<ServingCredentials> {
  const pki = join(dir, 'pki');
  const files = { caCert: join(pki, 'ca.crt'), caKey: join(pki, 'ca.key'), cert: join(pki, 'apiserver.crt'), key: join(pki, 'apiserver.key'), token: join(pki, 'admin.token') };
  const read = (f: string) => readFileSync(f, 'utf8');
  if (existsSync(files.caCert) && existsSync(files.cert) && existsSync(files.key) && existsSync(files.token)) {
    return { caCert: read(files.caCert), cert: read(files.cert), key: read(files.key), token: read(files.token).trim(), nodeToken: loadOrCreateNodeToken(dir) };
  }
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  let ca: { cert: string; key: string };
  if (existsSync(files.caCert) && existsSync(files.caKey)) {
    ca = { cert: read(files.caCert), key: read(files.caKey) };
  } else {
    ca = await newCA('tskube-ca');
    writeFileSync(files.caCert, ca.cert);
    writeFileSync(files.caKey, ca.key, { mode: 0o600 });
  }
  const srv = await newServingCert(ca, 'kube-apiserver', [...SERVING_SANS, ...extraSANs]);
  const token = existsSync(files.token) && read(files.token).trim() ? read(files.token).trim() : randomBytes(32).toString('hex');
  writeFileSync(files.cert, srv.cert);
  writeFileSync(files.key, srv.key, { mode: 0o600 });
  writeFileSync(files.token, token + '\n', { mode: 0o600 });
  return { caCert: ca.cert, cert: srv.cert, key: srv.key, token, nodeToken: loadOrCreateNodeToken(dir) };
}

/** CertAndKey is a PEM certificate and its PEM private key. */
export interface CertAndKey {
  cert: string;
  key: string;
}

/** newKeyPair makes an ECDSA P-256 key; the private key is PEM "EC PRIVATE KEY", as kubeadm writes it. */
function newKeyPair(): { privateKey: KeyObject; pem: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, pem: privateKey.export({ type: 'sec1', format: 'pem' }) as string };
}

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** webKeys imports a Node key pair into WebCrypto with the algorithm its type signs with (ECDSA or RSA PKCS#1 v1.5, SHA-256). */
async function webKeys(privateKey: KeyObject): Promise<{ signingKey: CryptoKey; publicKey: CryptoKey; signingAlgorithm: Algorithm }> {
  const subtle = webcrypto.subtle;
  const type = privateKey.asymmetricKeyType;
  let alg: EcKeyImportParams | RsaHashedImportParams;
  let signingAlgorithm: Algorithm;
  if (type === 'ec') {
    const namedCurve = CURVES[privateKey.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!namedCurve) throw new Error(`unsupported elliptic curve ${privateKey.asymmetricKeyDetails?.namedCurve}`);
    alg = { name: 'ECDSA', namedCurve };
    signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as Algorithm;
  } else if (type === 'rsa') {
    alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    signingAlgorithm = alg;
  } else {
    throw new Error(`unsupported key type ${type}`);
  }
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const [signingKey, publicKey] = await Promise.all([
    subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']),
    subtle.importKey('spki', spki, alg, true, ['verify']),
  ]);
  return { signingKey: signingKey as CryptoKey, publicKey: publicKey as CryptoKey, signingAlgorithm };
}

/** serial is a random positive 128-bit serial number, as Kubernetes' certificate helpers choose them. */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x01;
  return b.toString('hex');
}

/** validity runs from a minute ago (clock skew between hosts) for ten years: tskube rotates nothing. */
function validity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - 60_000), notAfter: new Date(now + 10 * 365 * 24 * 3600_000) };
}

/**
 * newCA makes a self-signed CA as kubeadm's (client-go's NewSelfSignedCACert): basicConstraints
 * CA:TRUE critical, keyUsage digitalSignature + keyCertSign critical (keyEncipherment only for RSA
 * keys), a subject key identifier.
 */
export async function newCA(commonName: string): Promise<CertAndKey> {
  const x509 = await loadX509();
  const kp = newKeyPair();
  const keys = await webKeys(kp.privateKey);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    ...validity(),
    signingAlgorithm: keys.signingAlgorithm,
    keys: { privateKey: keys.signingKey, publicKey: keys.publicKey },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: kp.pem };
}

/**
 * newServingCert makes a server certificate signed by `ca` (whose key may be ECDSA or an older
 * start's RSA) as kubeadm's apiserver.crt: basicConstraints CA:FALSE, keyUsage digitalSignature
 * critical, extKeyUsage serverAuth, the CA's key identifier, and `sans` (IP addresses and DNS names).
 */
export async function newServingCert(ca: CertAndKey, commonName: string, sans: string[]): Promise<CertAndKey> {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(ca.cert);
  const caKeys = await webKeys(createPrivateKey(ca.key));
  const kp = newKeyPair();
  const publicKey = (await webKeys(kp.privateKey)).publicKey;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${commonName}`,
    issuer: caCert.subject,
    ...validity(),
    signingAlgorithm: caKeys.signingAlgorithm,
    publicKey,
    signingKey: caKeys.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
      new x509.SubjectAlternativeNameExtension([...new Set(sans)].map((s) => (isIP(s) ? { type: 'ip' as const, value: s } : { type: 'dns' as const, value: s }))),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: kp.pem };
}

/** kubeconfigYaml renders a kubeconfig for the admin user. */
export function kubeconfigYaml(server: string, creds: ServingCredentials, contextName = 'tskube'): string {
  const ca = Buffer.from(creds.caCert).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${ca}`,
    `    server: ${server}`,
    `  name: ${contextName}`,
    'contexts:',
    '- context:',
    `    cluster: ${contextName}`,
    '    namespace: default',
    '    user: admin',
    `  name: ${contextName}`,
    `current-context: ${contextName}`,
    'preferences: {}',
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${creds.token}`,
    '',
  ].join('\n');
}
