/**
 * certificates.k8s.io/v1 CertificateSigningRequest: a PKCS#10 request for a signer. Cluster-scoped;
 * the requester's identity is stamped into the spec on create; the main resource only changes
 * metadata, `/status` carries the issued certificate and conditions other than Approved/Denied,
 * `/approval` the Approved/Denied conditions (`kubectl certificate approve|deny`). Validation
 * follows pkg/apis/certificates/validation with Kubernetes' messages.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { deepEqual } from '../../apimachinery/deep.js';
import { defineResource } from '../common/define.js';
import { clone, isObj, type Obj } from '../common/obj.js';
import { AGE, NAME, col, get } from '../printers/columns.js';
import { ageOf, humanDuration } from '../printers/duration.js';
import type { KubeObject, ResourceDefinition, ResourceStrategy, StrategyContext, TablePrinter } from '../resource.js';
import { duplicate, forbidden, invalidField, invalidText, notSupported, required, tooLong } from '../validation/field.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../validation/names.js';
import { checkCSR, checkCertificates } from './pkcs10.js';

/** KEY_USAGES are the usages a v1 request may ask for (sorted, as Kubernetes lists them in errors). */
export const KEY_USAGES = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment',
  'decipher only', 'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel',
  'ipsec user', 'key agreement', 'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime',
  'server auth', 'signing', 'timestamping',
];

/** Condition types that may only be True. */
const TRUE_ONLY = ['Approved', 'Denied', 'Failed'];

const conditionsOf = (o: KubeObject): Obj[] => {
  const c = get(o, 'status', 'conditions');
  return Array.isArray(c) ? c.filter(isObj) : [];
};

/** hasTrueCondition: the request has a condition of this type with status True (certificates.HasTrueCondition). */
export function hasTrueCondition(csr: KubeObject, type: string): boolean {
  return conditionsOf(csr).some((c) => c.type === type && c.status === 'True');
}

/** decodeBytes reads a []byte field (base64 in JSON); undefined when it is not valid base64. */
function decodeBytes(v: unknown): string {
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('latin1') : '';
}

/** goBytes renders a byte slice as Go's %#v does ([]byte{0x2d, 0x2d}), for Invalid value texts. */
function goBytes(v: unknown): string {
  const b = typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0);
  return b.length === 0 ? '[]byte(nil)' : `[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`;
}

/** validateSignerName is ValidateCertificateSigningRequestSignerName: `domain.tld/path`, each part DNS-shaped, at most 571 characters. */
export function validateSignerName(path: string, signerName: string): FieldError[] {
  if (!signerName) return [required(path, 'signerName must be provided')];
  const segments = signerName.split('/');
  if (segments.length !== 2) return [invalidField(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const errs: FieldError[] = [];
  if (segments[0].length > 253) errs.push(tooLong(path, 253));
  const domainLabels = segments[0].split('.');
  for (const lbl of domainLabels) {
    const msgs = isDNS1123Label(lbl);
    if (msgs.length) {
      errs.push(...msgs.map((m) => invalidField(path, segments[0], `validating label "${lbl}": ${m}`)));
      break;
    }
  }
  if (domainLabels.length < 2) errs.push(invalidField(path, segments[0], 'should be a domain with at least two segments separated by dots'));
  for (const lbl of segments[1].split('.')) {
    const msgs = isDNS1123Subdomain(lbl);
    if (msgs.length) {
      errs.push(...msgs.map((m) => invalidField(path, segments[1], `validating label "${lbl}": ${m}`)));
      break;
    }
  }
  if (signerName.length > 571) errs.push(tooLong(path, 571));
  return errs;
}

function validateConditions(csr: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditionsOf(csr).forEach((c, i) => {
    const p = `status.conditions[${i}]`;
    const type = typeof c.type === 'string' ? c.type : '';
    if (!type) errs.push(required(`${p}.type`));
    const allowed = TRUE_ONLY.includes(type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (!c.status) errs.push(required(`${p}.status`));
    else if (!allowed.includes(String(c.status))) errs.push(notSupported(`${p}.status`, c.status, allowed));
    if (type === 'Approved') {
      approved = true;
      if (denied) errs.push(invalidField(`${p}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
    } else if (type === 'Denied') {
      denied = true;
      if (approved) errs.push(invalidField(`${p}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
    }
    if (seen.has(type)) errs.push(duplicate(`${p}.type`, type));
    seen.add(type);
  });
  return errs;
}

/** validateCSR is validateCertificateSigningRequest (v1 options: no legacy signer, usages known and unique). */
export function validateCSR(csr: KubeObject): FieldError[] {
  const spec: Obj = isObj(csr.spec) ? csr.spec : {};
  const errs: FieldError[] = [];
  try {
    checkCSR(decodeBytes(spec.request));
  } catch (e) {
    errs.push(invalidText('spec.request', goBytes(spec.request), (e as Error).message));
  }
  const usages: unknown[] = Array.isArray(spec.usages) ? spec.usages : [];
  if (usages.length === 0) errs.push(required('spec.usages', 'usages must be provided'));
  usages.forEach((u, i) => { if (!KEY_USAGES.includes(String(u))) errs.push(notSupported(`spec.usages[${i}]`, u, KEY_USAGES)); });
  usages.forEach((u, i) => { if (usages.indexOf(u) < i) errs.push(duplicate(`spec.usages[${i}]`, u)); });
  const signerName = typeof spec.signerName === 'string' ? spec.signerName : '';
  if (signerName === 'kubernetes.io/legacy-unknown') errs.push(invalidField('spec.signerName', signerName, 'the legacy signerName is not allowed via this API version'));
  else errs.push(...validateSignerName('spec.signerName', signerName));
  if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < 600) {
    errs.push(invalidField('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(csr));
  try {
    checkCertificates(decodeBytes(get(csr, 'status', 'certificate')));
  } catch (e) {
    errs.push(invalidField('status.certificate', '<certificate data>', (e as Error).message));
  }
  return errs;
}

/** validateCSRUpdate is validateCertificateSigningRequestUpdate; `path` says which writes may set approval conditions or the certificate. */
function validateCSRUpdate(csr: KubeObject, old: KubeObject, path: 'main' | 'status' | 'approval'): FieldError[] {
  const errs = validateCSR(csr);
  const ofType = (o: KubeObject, t: string) => conditionsOf(o).filter((c) => c.type === t);
  for (const t of TRUE_ONLY) {
    if (ofType(csr, t).length < ofType(old, t).length) errs.push(forbidden('status.conditions', `updates may not remove a condition of type "${t}"`));
  }
  if (path !== 'approval') {
    for (const t of ['Approved', 'Denied']) {
      const [n, o] = [ofType(csr, t), ofType(old, t)];
      if (n.length > o.length) errs.push(forbidden('status.conditions', `updates may not add a condition of type "${t}"`));
      else if (n.length === o.length && !deepEqual(n, o)) errs.push(forbidden('status.conditions', `updates may not modify a condition of type "${t}"`));
    }
  }
  const [cert, oldCert] = [get(csr, 'status', 'certificate') ?? '', get(old, 'status', 'certificate') ?? ''];
  if (cert !== oldCert) {
    if (path !== 'status') errs.push(forbidden('status.certificate', 'updates may not set certificate content'));
    else if (oldCert) errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return errs;
}

/** stampConditionTimes fills lastUpdateTime/lastTransitionTime of new or changed conditions, as the CSR strategies' populateConditionTimestamps do. */
function stampConditionTimes(csr: KubeObject, old: KubeObject | undefined, now: Date): void {
  const ts = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const oldConds = old ? conditionsOf(old) : [];
  for (const c of conditionsOf(csr)) {
    c.status ||= 'True';
    c.lastUpdateTime ??= ts;
    if (!c.lastTransitionTime) {
      const before = oldConds.find((o) => o.type === c.type);
      c.lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : ts;
    }
  }
}

/** csrStrategy is the main resource's: identity from the requester, status cleared on create, spec and status kept on update. */
const csrStrategy: ResourceStrategy = {
  prepareForCreate(csr: KubeObject, ctx: StrategyContext) {
    const spec: Obj = isObj(csr.spec) ? csr.spec : (csr.spec = {});
    delete spec.username; delete spec.uid; delete spec.groups; delete spec.extra;
    const user = ctx.user;
    if (user) {
      if (user.name) spec.username = user.name;
      if (user.uid) spec.uid = user.uid;
      if (user.groups.length) spec.groups = [...user.groups];
      if (user.extra && Object.keys(user.extra).length) spec.extra = clone(user.extra);
    }
    csr.status = {};
  },
  prepareForUpdate(csr, old) {
    csr.spec = clone(old.spec);
    if (old.status === undefined) delete csr.status;
    else csr.status = clone(old.status);
  },
  validate: validateCSR,
  validateUpdate: (csr, old) => validateCSRUpdate(csr, old, 'main'),
};

/** csrStatusStrategy (`/status`): spec from the stored object, Approved/Denied conditions may not change here. */
const csrStatusStrategy: ResourceStrategy = {
  prepareForUpdate(csr, old, ctx) {
    csr.spec = clone(old.spec);
    stampConditionTimes(csr, old, ctx.now);
  },
  validateUpdate: (csr, old) => validateCSRUpdate(csr, old, 'status'),
};

/** csrApprovalStrategy (`/approval`): only the Approved and Denied conditions come from the request. */
const csrApprovalStrategy: ResourceStrategy = {
  prepareForUpdate(csr, old, ctx) {
    const requested = conditionsOf(csr).filter((c) => c.type === 'Approved' || c.type === 'Denied');
    const kept = conditionsOf(old).filter((c) => c.type !== 'Approved' && c.type !== 'Denied');
    csr.spec = clone(old.spec);
    const status: Obj = isObj(old.status) ? clone(old.status) : {};
    const conditions = [...clone(kept), ...requested];
    if (conditions.length) status.conditions = conditions;
    else delete status.conditions;
    csr.status = status;
    stampConditionTimes(csr, old, ctx.now);
  },
  validateUpdate: (csr, old) => validateCSRUpdate(csr, old, 'approval'),
};

/** csrCondition is the CONDITION cell: Denied/Approved/Pending, then ",Failed" and ",Issued". */
export function csrCondition(csr: KubeObject): string {
  const types = new Set(conditionsOf(csr).map((c) => c.type));
  let s = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) s += ',Failed';
  if (get(csr, 'status', 'certificate')) s += ',Issued';
  return s;
}

/** csrPrinter: NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION. */
export const csrPrinter: TablePrinter = {
  columns: [
    NAME, AGE,
    col('SignerName', 'Only applicable to v1 CertificateSigningRequests: the signer that is asked to sign the request.'),
    col('Requestor', 'Name of the user who created the CertificateSigningRequest.'),
    col('RequestedDuration', 'expirationSeconds is the requested duration of validity of the issued certificate.'),
    col('Condition', 'Conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".'),
  ],
  cells: (o, now) => {
    const seconds = get(o, 'spec', 'expirationSeconds');
    return [
      get(o, 'metadata', 'name'),
      ageOf(get(o, 'metadata', 'creationTimestamp'), now),
      get(o, 'spec', 'signerName') || '<none>',
      get(o, 'spec', 'username') ?? '',
      typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>',
      csrCondition(o),
    ];
  },
};

/** certificatesigningrequests is the certificates.k8s.io/v1 CertificateSigningRequest resource. */
export const certificatesigningrequests: ResourceDefinition = defineResource({
  group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest', plural: 'certificatesigningrequests', namespaced: false,
  shortNames: ['csr'], subresources: ['approval', 'status'], table: csrPrinter,
  strategy: csrStrategy,
  statusStrategy: csrStatusStrategy,
  subresourceStrategies: { approval: csrApprovalStrategy },
  selectableFields: { 'spec.signerName': (o) => get(o, 'spec', 'signerName') },
});

/** Exposed for the tests. */
export const csrStrategies = { main: csrStrategy, status: csrStatusStrategy, approval: csrApprovalStrategy };
