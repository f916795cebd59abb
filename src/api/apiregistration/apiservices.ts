/**
 * apiregistration.k8s.io/v1 APIService (kube-aggregator): which server serves a group/version. Every
 * group/version kube-apiserver serves itself has a Local APIService (`v1.apps`, no service), kept by
 * the aggregator's autoregister controller and always Available; extension servers are registered
 * with a service reference. Validation follows kube-aggregator's messages; table NAME SERVICE
 * AVAILABLE AGE.
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import { AGE, NAME, col, get } from '../printers/columns.js';
import { ageOf } from '../printers/duration.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../resource.js';
import { invalidField, notSupported, required } from '../validation/field.js';
import { isDNS1035Label, isDNS1123Subdomain, isValidPortNum } from '../validation/names.js';

/** APIREGISTRATION_GROUP is the group of APIService. */
export const APIREGISTRATION_GROUP = 'apiregistration.k8s.io';

const objAt = (v: unknown): Obj => (isObj(v) ? v : {});

/** validateAPIService is kube-aggregator's ValidateAPIService (the name rule included). */
export function validateAPIService(svc: KubeObject): FieldError[] {
  const spec = objAt(svc.spec);
  const group = typeof spec.group === 'string' ? spec.group : '';
  const version = typeof spec.version === 'string' ? spec.version : '';
  const errs: FieldError[] = [];
  const name = svc.metadata?.name ?? '';
  const requiredName = `${version}.${group}`;
  if (name && name !== requiredName) errs.push(invalidField('metadata.name', name, `must be \`spec.version+"."+spec.group\`: "${requiredName}"`));
  if (!group && version !== 'v1') errs.push(required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group) errs.push(...isDNS1123Subdomain(group).map((m) => invalidField('spec.group', group, m)));
  errs.push(...isDNS1035Label(version).map((m) => invalidField('spec.version', version, m)));
  const gpm = typeof spec.groupPriorityMinimum === 'number' ? spec.groupPriorityMinimum : 0;
  if (gpm <= 0 || gpm > 20000) errs.push(invalidField('spec.groupPriorityMinimum', gpm, 'must be positive and less than 20000'));
  const vp = typeof spec.versionPriority === 'number' ? spec.versionPriority : 0;
  if (vp <= 0 || vp > 1000) errs.push(invalidField('spec.versionPriority', vp, 'must be positive and less than 1000'));
  const caBundle = typeof spec.caBundle === 'string' ? Buffer.from(spec.caBundle, 'base64') : Buffer.alloc(0);
  if (!isObj(spec.service)) {
    if (caBundle.length) errs.push(invalidField('spec.caBundle', `${caBundle.length} bytes`, 'local APIServices may not have a caBundle'));
    if (spec.insecureSkipTLSVerify === true) errs.push(invalidField('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return errs;
  }
  const service = spec.service;
  if (!service.namespace) errs.push(required('spec.service.namespace'));
  if (!service.name) errs.push(required('spec.service.name'));
  const port = typeof service.port === 'number' ? service.port : 0;
  const portErrs = isValidPortNum(port);
  if (portErrs.length) errs.push(invalidField('spec.service.port', port, `port is not valid: ${portErrs.join(', ')}`));
  if (spec.insecureSkipTLSVerify === true && caBundle.length) errs.push(invalidField('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return errs;
}

/** validateAPIServiceStatus is ValidateAPIServiceStatus: each condition has a type and a True/False/Unknown status. */
export function validateAPIServiceStatus(svc: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const conditions: unknown[] = Array.isArray(get(svc, 'status', 'conditions')) ? get(svc, 'status', 'conditions') : [];
  conditions.forEach((c, i) => {
    const cond = objAt(c);
    if (!['True', 'False', 'Unknown'].includes(String(cond.status))) {
      errs.push(notSupported(`status.conditions[${i}].status`, cond.status ?? '', ['True', 'False', 'Unknown']));
    }
    if (!cond.type) errs.push(required(`status.conditions[${i}].type`));
  });
  return errs;
}

/** availableCell is the AVAILABLE column: the Available condition's status, with its reason unless True; Unknown without one. */
export function availableCell(svc: KubeObject): string {
  const conditions: unknown[] = Array.isArray(get(svc, 'status', 'conditions')) ? get(svc, 'status', 'conditions') : [];
  const c = conditions.map(objAt).find((x) => x.type === 'Available');
  if (!c) return 'Unknown';
  return c.status === 'True' ? 'True' : `${String(c.status)} (${String(c.reason ?? '')})`;
}

/** apiServicePrinter: NAME SERVICE AVAILABLE AGE. */
export const apiServicePrinter: TablePrinter = {
  columns: [
    NAME,
    col('Service', 'The reference to the service that hosts this API endpoint.'),
    col('Available', 'Whether this service is available.'),
    AGE,
  ],
  cells: (o, now) => {
    const service = get(o, 'spec', 'service');
    return [
      get(o, 'metadata', 'name'),
      isObj(service) ? `${service.namespace ?? ''}/${service.name ?? ''}` : 'Local',
      availableCell(o),
      ageOf(get(o, 'metadata', 'creationTimestamp'), now),
    ];
  },
};

/** apiservices is the apiregistration.k8s.io/v1 APIService resource. */
export const apiservices: ResourceDefinition = defineResource({
  group: APIREGISTRATION_GROUP, version: 'v1', kind: 'APIService', plural: 'apiservices', namespaced: false,
  categories: ['api-extensions'], subresources: ['status'], table: apiServicePrinter,
  strategy: specStatusStrategy({
    // SetDefaults_ServiceReference: an extension server listens on 443 unless told otherwise.
    default(svc) {
      const service = get(svc, 'spec', 'service');
      if (isObj(service) && service.port === undefined) service.port = 443;
    },
    validate: validateAPIService,
    validateUpdate: (svc) => validateAPIService(svc),
  }),
  statusStrategy: statusStrategy({ validateUpdate: (svc) => validateAPIServiceStatus(svc) }),
});

/**
 * Group and version priorities of the built-in group versions (kube-apiserver's
 * apiVersionPriorities): the aggregator orders /apis by them. Groups not listed get 1000/15.
 */
const PRIORITIES: Record<string, [number, number]> = {
  'v1': [18000, 1],
  'v1.apiregistration.k8s.io': [18000, 15],
  'v1.apps': [17800, 15],
  'v1.events.k8s.io': [17750, 15],
  'v1.authentication.k8s.io': [17700, 15],
  'v1.authorization.k8s.io': [17600, 15],
  'v1.autoscaling': [17500, 15],
  'v2.autoscaling': [17500, 30],
  'v1.batch': [17400, 15],
  'v1.certificates.k8s.io': [17300, 15],
  'v1.networking.k8s.io': [17200, 15],
  'v1.policy': [17100, 15],
  'v1.rbac.authorization.k8s.io': [17000, 15],
  'v1.storage.k8s.io': [16800, 15],
  'v1.admissionregistration.k8s.io': [16700, 15],
  'v1.apiextensions.k8s.io': [16700, 15],
  'v1.scheduling.k8s.io': [16600, 15],
  'v1.coordination.k8s.io': [16500, 15],
  'v1.node.k8s.io': [16300, 15],
  'v1.discovery.k8s.io': [16200, 15],
  'v1.flowcontrol.apiserver.k8s.io': [16100, 21],
};

/** localAPIServices returns the Local APIService of every group version the given resources serve (`v1.` for the core group). */
export function localAPIServices(defs: ResourceDefinition[]): KubeObject[] {
  const seen = new Set<string>();
  const out: KubeObject[] = [];
  for (const d of defs) {
    if (d.customResource) continue;
    const name = `${d.version}.${d.group}`;
    if (seen.has(name)) continue;
    seen.add(name);
    const [groupPriorityMinimum, versionPriority] = PRIORITIES[d.group ? name : d.version] ?? [1000, 15];
    out.push({
      apiVersion: `${APIREGISTRATION_GROUP}/v1`, kind: 'APIService',
      metadata: { name, labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } },
      spec: { group: d.group, version: d.version, groupPriorityMinimum, versionPriority },
    });
  }
  return out.sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
}

/** localAvailableStatus is the status the availability controller gives a Local APIService. */
export function localAvailableStatus(now: Date): Obj {
  return {
    conditions: [{
      type: 'Available', status: 'True', lastTransitionTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
      reason: 'Local', message: 'Local APIServices are always available',
    }],
  };
}
