/**
 * What kube-controller-manager's CSR signer decides before it signs: whether a request is fit for
 * its signer (pkg/controller/certificates/signer), the X.509 usages its spec.usages name, and the
 * certificate's validity (PermissiveSigningPolicy: backdated 5 minutes, at most the CA's life).
 */
import type { CertificateRequest, SigningTemplate } from '../../api/certificates/pki.js';

export const KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';
export const KUBE_APISERVER_CLIENT_KUBELET = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';
export const LEGACY_UNKNOWN = 'kubernetes.io/legacy-unknown';

/** SIGNERS are the signer names the controller signs for, with the cluster CA. */
export const SIGNERS = new Set([KUBE_APISERVER_CLIENT, KUBE_APISERVER_CLIENT_KUBELET, KUBELET_SERVING, LEGACY_UNKNOWN]);

/** KEY_USAGE_BITS: keyUsage bits (RFC 5280 order, as @peculiar/asn1-x509's KeyUsageFlags) by usage name. */
const KEY_USAGE_BITS: Record<string, number> = {
  'signing': 1, 'digital signature': 1, 'content commitment': 2, 'key encipherment': 4, 'data encipherment': 8,
  'key agreement': 16, 'cert sign': 32, 'crl sign': 64, 'encipher only': 128, 'decipher only': 256,
};

/** EXTENDED_KEY_USAGES: extKeyUsage OIDs by usage name. */
const EXTENDED_KEY_USAGES: Record<string, string> = {
  'any': '2.5.29.37.0', 'server auth': '1.3.6.1.5.5.7.3.1', 'client auth': '1.3.6.1.5.5.7.3.2', 'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4', 's/mime': '1.3.6.1.5.5.7.3.4', 'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6', 'ipsec user': '1.3.6.1.5.5.7.3.7', 'timestamping': '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9', 'microsoft sgc': '1.3.6.1.4.1.311.10.3.3', 'netscape sgc': '2.16.840.1.113730.4.1',
};

const sameSet = (a: string[], b: string[]) => new Set(a).size === new Set(b).size && a.every((x) => b.includes(x));

function validAPIServerClientUsages(usages: string[]): string | undefined {
  for (const u of usages) {
    if (u !== 'digital signature' && u !== 'key encipherment' && u !== 'client auth') return `invalid usage for client certificate: ${u}`;
  }
  return usages.includes('client auth') ? undefined : 'missing required usage for client certificate: client auth';
}

const isSystemNodes = (r: CertificateRequest) => r.organizations.length === 1 && r.organizations[0] === 'system:nodes';
const KUBELET_CLIENT_USAGES = ['client auth', 'digital signature', 'key encipherment'];
const KUBELET_SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];

/** ValidateKubeletClientCSR: a node's client certificate, system:node:<name> in system:nodes, no alternative names. */
function validKubeletClient(r: CertificateRequest, usages: string[]): string | undefined {
  if (!isSystemNodes(r)) return 'subject organization is not system:nodes';
  if (r.dnsNames.length) return 'DNS subjectAltNames are not allowed';
  if (r.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (r.ipAddresses.length) return 'IP subjectAltNames are not allowed';
  if (r.uris.length) return 'URI subjectAltNames are not allowed';
  if (!r.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, KUBELET_CLIENT_USAGES) && !sameSet(usages, ['client auth', 'digital signature'])) return `usages did not match [${KUBELET_CLIENT_USAGES.join(' ')}]`;
  return undefined;
}

/** ValidateKubeletServingCSR: a node's serving certificate, for DNS names or addresses. */
function validKubeletServing(r: CertificateRequest, usages: string[]): string | undefined {
  if (!isSystemNodes(r)) return 'subject organization is not system:nodes';
  if (!r.dnsNames.length && !r.ipAddresses.length) return 'DNS or IP subjectAltName is required';
  if (r.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (r.uris.length) return 'URI subjectAltNames are not allowed';
  if (!sameSet(usages, KUBELET_SERVING_USAGES) && !sameSet(usages, ['digital signature', 'server auth'])) return `usages did not match [${KUBELET_SERVING_USAGES.join(' ')}]`;
  if (!r.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  return undefined;
}

/** signerRefusal is why the signer will not sign the request (the Failed condition's message), or undefined. */
export function signerRefusal(signerName: string, request: CertificateRequest, usages: string[]): string | undefined {
  switch (signerName) {
    case KUBE_APISERVER_CLIENT: return validAPIServerClientUsages(usages);
    case KUBE_APISERVER_CLIENT_KUBELET: return validKubeletClient(request, usages);
    case KUBELET_SERVING: return validKubeletServing(request, usages);
    // no restrictions, for backward compatibility
    case LEGACY_UNKNOWN: return undefined;
    default: return `unrecognized signerName: "${signerName}"`;
  }
}

/** CLUSTER_SIGNING_DURATION_MS is --cluster-signing-duration's default (one year). */
export const CLUSTER_SIGNING_DURATION_MS = 365 * 24 * 3600_000;
const MIN_DURATION_MS = 10 * 60_000;
const BACKDATE_MS = 5 * 60_000;
const SHORT_MS = 8 * 3600_000;

/** signingDurationMs: spec.expirationSeconds within [10 minutes, the cluster's signing duration]; that duration without it. */
export function signingDurationMs(clusterDurationMs: number, expirationSeconds: number | undefined): number {
  if (expirationSeconds === undefined) return clusterDurationMs;
  return Math.min(clusterDurationMs, Math.max(MIN_DURATION_MS, expirationSeconds * 1000));
}

/**
 * signingTemplate turns spec.usages and the duration into the certificate's usages and validity:
 * backdated 5 minutes (clock skew); a long-lived certificate's end moves back too, a short one's
 * (under 8 hours) does not; never past the CA's end. A usage with no X.509 meaning is an error.
 */
export function signingTemplate(usages: string[], durationMs: number, now: Date, caNotAfter: Date): SigningTemplate {
  let keyUsage = 0;
  const extendedKeyUsages: string[] = [];
  for (const u of usages) {
    if (KEY_USAGE_BITS[u] !== undefined) keyUsage |= KEY_USAGE_BITS[u];
    else if (EXTENDED_KEY_USAGES[u] !== undefined) { if (!extendedKeyUsages.includes(EXTENDED_KEY_USAGES[u])) extendedKeyUsages.push(EXTENDED_KEY_USAGES[u]); }
    else throw new Error(`unrecognized usage: ${u}`);
  }
  // Go's signer lists them in the order of its ExtKeyUsage constants (this table's)
  const rank = Object.values(EXTENDED_KEY_USAGES);
  extendedKeyUsages.sort((a, b) => rank.indexOf(a) - rank.indexOf(b));
  const t = now.getTime();
  const notAfter = new Date(Math.min(durationMs < SHORT_MS ? t + durationMs : t + durationMs - BACKDATE_MS, caNotAfter.getTime()));
  if (t >= caNotAfter.getTime()) throw new Error(`refusing to sign a certificate that expired in the past: NotAfter=${caNotAfter.toISOString()}`);
  return { keyUsage, extendedKeyUsages, notBefore: new Date(t - BACKDATE_MS), notAfter };
}
