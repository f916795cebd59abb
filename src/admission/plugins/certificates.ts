/**
 * CertificateSubjectRestriction (plugin/pkg/admission/certificates/subjectrestriction): a
 * CertificateSigningRequest for the kube-apiserver-client signer may not ask for the
 * system:masters group (O=system:masters), whoever approves it: that certificate would be an
 * unrevocable cluster-admin credential.
 */
import { decodePEM } from '../../api/certificates/pkcs10.js';
import { forbidden } from '../../apimachinery/errors.js';
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '../interfaces.js';

/** KUBE_APISERVER_CLIENT_SIGNER is the signer whose certificates kube-apiserver trusts for client authentication. */
export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';

const CSRS = { group: 'certificates.k8s.io', resource: 'certificatesigningrequests' };

/**
 * organizationsOf reads the O= values of a PEM certificate request's subject (certificates.ParseCSR:
 * the first PEM block must be the request); the error names why it does not parse. The X.509
 * modules load on first use, not with every start.
 */
export async function organizationsOf(pem: string): Promise<string[]> {
  const block = decodePEM(pem)[0];
  if (block?.type !== 'CERTIFICATE REQUEST') throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const { readCertificateRequest } = await import('../../api/certificates/pki.js');
  return readCertificateRequest(block.bytes).organizations;
}

/** CertificateSubjectRestriction refuses kube-apiserver-client requests for the system:masters group. */
export class CertificateSubjectRestriction implements AdmissionPlugin {
  readonly name = 'CertificateSubjectRestriction';

  handles(op: Operation): boolean { return op === 'CREATE'; }

  async validate(attrs: AdmissionAttributes): Promise<void> {
    if (attrs.def.group !== CSRS.group || attrs.def.plural !== CSRS.resource || attrs.subresource !== '' || !attrs.object) return;
    const spec = attrs.object.spec as { signerName?: unknown; request?: unknown } | undefined;
    if (spec?.signerName !== KUBE_APISERVER_CLIENT_SIGNER) return;
    let groups: string[];
    try {
      groups = await organizationsOf(Buffer.from(String(spec.request ?? ''), 'base64').toString('latin1'));
    } catch (e) {
      throw forbidden(CSRS, attrs.name, `failed to parse CSR: ${(e as Error).message}`);
    }
    if (groups.includes('system:masters')) {
      throw forbidden(CSRS, attrs.name, `use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed`);
    }
  }
}
