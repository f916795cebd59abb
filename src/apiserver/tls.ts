import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

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

/**
 * loadOrCreateCredentials keeps a CA, a serving certificate, an admin token and a node token in `dir`, creating
 * them on first start. Keys come from node's native generator (fast); node-forge only builds and
 * signs the X.509 certificates, which node:crypto cannot do.
 */
export function loadOrCreateCredentials(dir: string, extraSANs: string[] = []): ServingCredentials {
  const pki = join(dir, 'pki');
  const files = { caCert: join(pki, 'ca.crt'), caKey: join(pki, 'ca.key'), cert: join(pki, 'apiserver.crt'), key: join(pki, 'apiserver.key'), token: join(pki, 'admin.token') };
  if (existsSync(files.caCert) && existsSync(files.cert) && existsSync(files.key) && existsSync(files.token)) {
    return {
      caCert: readFileSync(files.caCert, 'utf8'), cert: readFileSync(files.cert, 'utf8'),
      key: readFileSync(files.key, 'utf8'), token: readFileSync(files.token, 'utf8').trim(),
      nodeToken: loadOrCreateNodeToken(dir),
    };
  }
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  const ca = newKeyPair();
  const caCert = buildCert({
    subject: [{ name: 'commonName', value: 'tskube-ca' }], issuer: undefined, publicKeyPem: ca.publicKey, signingKeyPem: ca.privateKey,
    isCA: true, sans: [],
  });
  const srv = newKeyPair();
  const sans = ['127.0.0.1', '::1', 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '10.96.0.1', ...extraSANs];
  const cert = buildCert({
    subject: [{ name: 'commonName', value: 'kube-apiserver' }], issuer: forge.pki.certificateFromPem(caCert).subject.attributes,
    publicKeyPem: srv.publicKey, signingKeyPem: ca.privateKey, isCA: false, sans,
  });
  const token = randomBytes(32).toString('hex');
  writeFileSync(files.caCert, caCert);
  writeFileSync(files.caKey, ca.privateKey, { mode: 0o600 });
  writeFileSync(files.cert, cert);
  writeFileSync(files.key, srv.privateKey, { mode: 0o600 });
  writeFileSync(files.token, token + '\n', { mode: 0o600 });
  return { caCert, cert, key: srv.privateKey, token, nodeToken: loadOrCreateNodeToken(dir) };
}

function newKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

interface CertSpec {
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[] | undefined;
  publicKeyPem: string;
  signingKeyPem: string;
  isCA: boolean;
  sans: string[];
}

function buildCert(spec: CertSpec): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.publicKeyPem);
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 10 * 365 * 24 * 3600_000);
  cert.setSubject(spec.subject);
  cert.setIssuer(spec.issuer ?? spec.subject);
  const exts: unknown[] = [{ name: 'basicConstraints', cA: spec.isCA, critical: true }];
  if (spec.isCA) {
    exts.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  } else {
    exts.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    exts.push({ name: 'extKeyUsage', serverAuth: true });
    exts.push({
      name: 'subjectAltName',
      altNames: spec.sans.map((s) => (/^[\d.]+$/.test(s) || s.includes(':') ? { type: 7, ip: s } : { type: 2, value: s })),
    });
  }
  cert.setExtensions(exts as never[]);
  cert.sign(forge.pki.privateKeyFromPem(spec.signingKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
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
