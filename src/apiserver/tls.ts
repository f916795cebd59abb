import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CertAndKey } from '../api/certificates/pki.js';

// The X.509 modules take tens of milliseconds to load: only a start that makes a certificate loads
// them, a restart over an existing data dir does not.
const loadPKI = () => import('../api/certificates/pki.js');

/**
 * loadClusterCA reads the cluster CA's certificate and key (DIR/pki/ca.crt, ca.key): what
 * kube-controller-manager's --cluster-signing-cert-file and --cluster-signing-key-file name.
 * Undefined when the data dir holds no CA key (an agent's).
 */
export function loadClusterCA(dir: string): CertAndKey | undefined {
  const [cert, key] = [join(dir, 'pki', 'ca.crt'), join(dir, 'pki', 'ca.key')];
  if (!existsSync(cert) || !existsSync(key)) return undefined;
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

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
 * `dir`, creating what is missing on first start (pki.ts: ECDSA P-256 keys, as k3s makes them). What
 * a data dir already holds is kept as it is, RSA keys of older starts included: a CA that is there
 * signs a missing serving certificate, so agents and kubeconfigs keep trusting it.
 */
export async function loadOrCreateCredentials(dir: string, extraSANs: string[] = []): Promise<ServingCredentials> {
  const pki = join(dir, 'pki');
  const files = { caCert: join(pki, 'ca.crt'), caKey: join(pki, 'ca.key'), cert: join(pki, 'apiserver.crt'), key: join(pki, 'apiserver.key'), token: join(pki, 'admin.token') };
  const read = (f: string) => readFileSync(f, 'utf8');
  if (existsSync(files.caCert) && existsSync(files.cert) && existsSync(files.key) && existsSync(files.token)) {
    return { caCert: read(files.caCert), cert: read(files.cert), key: read(files.key), token: read(files.token).trim(), nodeToken: loadOrCreateNodeToken(dir) };
  }
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  const { newCA, newServingCert } = await loadPKI();
  let ca: { cert: string; key: string };
  if (existsSync(files.caCert) && existsSync(files.caKey)) {
    ca = { cert: read(files.caCert), key: read(files.caKey) };
  } else {
    ca = newCA('tskube-ca');
    writeFileSync(files.caCert, ca.cert);
    writeFileSync(files.caKey, ca.key, { mode: 0o600 });
  }
  const srv = newServingCert(ca, 'kube-apiserver', [...SERVING_SANS, ...extraSANs]);
  const token = existsSync(files.token) && read(files.token).trim() ? read(files.token).trim() : randomBytes(32).toString('hex');
  writeFileSync(files.cert, srv.cert);
  writeFileSync(files.key, srv.key, { mode: 0o600 });
  writeFileSync(files.token, token + '\n', { mode: 0o600 });
  return { caCert: ca.cert, cert: srv.cert, key: srv.key, token, nodeToken: loadOrCreateNodeToken(dir) };
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
