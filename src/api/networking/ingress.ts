/**
 * networking.k8s.io/v1 Ingress (namespaced, short name ing, status subresource) and IngressClass
 * (cluster-scoped): defaulting, validation with Kubernetes' messages (pkg/apis/networking/validation)
 * and kube-apiserver's tables (NAME CLASS HOSTS ADDRESS PORTS AGE; NAME CONTROLLER PARAMETERS AGE).
 */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import { specStatusStrategy, statusStrategy } from '../common/strategy.js';
import { AGE, NAME, col, get } from '../printers/columns.js';
import { ageOf } from '../printers/duration.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../resource.js';
import { IMMUTABLE, invalidField, invalidText, messagesAt, notSupported, required, tooLong } from '../validation/field.js';
import { isDNS1035Label, isDNS1123Subdomain, isValidIP, isValidPortName, isValidPortNum } from '../validation/names.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
/** Sequences an Exact or Prefix path may not hold (invalidPathSequences), and endings (invalidPathSuffixes). */
const BAD_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const BAD_PATH_SUFFIXES = ['/..', '/.'];

const objAt = (v: unknown): Obj => (isObj(v) ? v : {});

/** isWildcardDNS1123Subdomain is IsWildcardDNS1123Subdomain: `*.` followed by a DNS subdomain. */
function isWildcardDNS1123Subdomain(value: string): string[] {
  const fmt = '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!new RegExp(`^${fmt}$`).test(value)) {
    errs.push(`a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '${fmt}')`);
  }
  return errs;
}

function validateHost(path: string, host: string): FieldError[] {
  if (isValidIP(host).length === 0) return [invalidField(path, host, 'must be a DNS name, not an IP address')];
  if (host.includes('*')) return messagesAt(path, host, isWildcardDNS1123Subdomain(host));
  return messagesAt(path, host, isDNS1123Subdomain(host));
}

/** validateIngressBackend is validateIngressBackend: a service (name and port name or number) or a typed resource, not both. */
function validateIngressBackend(backend: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const service = isObj(backend.service) ? backend.service : undefined;
  const resource = isObj(backend.resource) ? backend.resource : undefined;
  if (service && resource) return [invalidField(path, '', 'cannot set both resource and service backends')];
  if (resource) {
    if (!resource.kind) errs.push(required(`${path}.resource.kind`));
    if (!resource.name) errs.push(required(`${path}.resource.name`));
    return errs;
  }
  if (!service) return [invalidField(path, '', 'resource or service backend is required')];
  const name = typeof service.name === 'string' ? service.name : '';
  if (!name) errs.push(required(`${path}.service.name`));
  else errs.push(...messagesAt(`${path}.service.name`, name, isDNS1035Label(name)));
  const port = objAt(service.port);
  const hasName = typeof port.name === 'string' && port.name !== '';
  const hasNumber = typeof port.number === 'number' && port.number !== 0;
  if (hasName && hasNumber) errs.push(invalidField(`${path}.service.port`, service.port, 'cannot set both port name & port number'));
  else if (hasName) errs.push(...messagesAt(`${path}.service.port.name`, port.name, isValidPortName(port.name)));
  else if (hasNumber) errs.push(...messagesAt(`${path}.service.port.number`, port.number, isValidPortNum(port.number)));
  else errs.push(required(`${path}.service.port`, 'port name or number is required'));
  return errs;
}

function validateHTTPPath(p: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const value = typeof p.path === 'string' ? p.path : '';
  if (p.pathType === undefined || p.pathType === null || p.pathType === '') {
    errs.push(required(`${path}.pathType`, 'pathType must be specified'));
  } else if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!value.startsWith('/')) errs.push(invalidField(`${path}.path`, value, 'must be an absolute path'));
    for (const seq of BAD_PATH_SEQUENCES) if (value.includes(seq)) errs.push(invalidField(`${path}.path`, value, `must not contain '${seq}'`));
    for (const suf of BAD_PATH_SUFFIXES) if (value.endsWith(suf)) errs.push(invalidField(`${path}.path`, value, `cannot end with '${suf}'`));
  } else if (p.pathType === 'ImplementationSpecific') {
    if (value !== '' && !value.startsWith('/')) errs.push(invalidField(`${path}.path`, value, 'must be an absolute path'));
  } else {
    errs.push(notSupported(`${path}.pathType`, p.pathType, PATH_TYPES));
  }
  errs.push(...validateIngressBackend(objAt(p.backend), `${path}.backend`));
  return errs;
}

/** validateIngress is ValidateIngressCreate's spec part (and the status' load balancer addresses). */
export function validateIngress(ing: KubeObject): FieldError[] {
  const spec = objAt(ing.spec);
  const errs: FieldError[] = [];
  const rules: unknown[] = Array.isArray(spec.rules) ? spec.rules : [];
  if (isObj(spec.defaultBackend)) errs.push(...validateIngressBackend(spec.defaultBackend, 'spec.defaultBackend'));
  else if (rules.length === 0) errs.push(invalidText('spec.rules', Array.isArray(spec.rules) ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)', 'either `defaultBackend` or `rules` must be specified'));
  rules.forEach((r, i) => {
    const rule = objAt(r);
    const path = `spec.rules[${i}]`;
    if (typeof rule.host === 'string' && rule.host) errs.push(...validateHost(`${path}.host`, rule.host));
    if (isObj(rule.http)) {
      const paths: unknown[] = Array.isArray(rule.http.paths) ? rule.http.paths : [];
      if (paths.length === 0) errs.push(required(`${path}.http.paths`));
      paths.forEach((p, j) => errs.push(...validateHTTPPath(objAt(p), `${path}.http.paths[${j}]`)));
    }
  });
  (Array.isArray(spec.tls) ? spec.tls : []).forEach((t: unknown, i: number) => {
    const hosts: unknown[] = Array.isArray(objAt(t).hosts) ? objAt(t).hosts : [];
    hosts.forEach((h, j) => {
      const host = String(h);
      const p = `spec.tls[${i}].hosts[${j}]`;
      errs.push(...messagesAt(p, host, host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host)));
    });
  });
  if (typeof spec.ingressClassName === 'string') {
    errs.push(...messagesAt('spec.ingressClassName', spec.ingressClassName, isDNS1123Subdomain(spec.ingressClassName)));
  }
  return errs;
}

/** validateIngressStatus checks the load balancer entries a controller reports (valid IPs, hostnames that are no IPs). */
export function validateIngressStatus(ing: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const entries: unknown[] = Array.isArray(get(ing, 'status', 'loadBalancer', 'ingress')) ? get(ing, 'status', 'loadBalancer', 'ingress') : [];
  entries.forEach((e, i) => {
    const lb = objAt(e);
    const p = `status.loadBalancer.ingress[${i}]`;
    if (typeof lb.ip === 'string' && lb.ip) errs.push(...messagesAt(`${p}.ip`, lb.ip, isValidIP(lb.ip)));
    if (typeof lb.hostname === 'string' && lb.hostname) {
      errs.push(...messagesAt(`${p}.hostname`, lb.hostname, isDNS1123Subdomain(lb.hostname)));
      if (isValidIP(lb.hostname).length === 0) errs.push(invalidField(`${p}.hostname`, lb.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/** ingressHosts is the HOSTS cell: up to three hosts, then "+ N more...", `*` when no rule names one. */
export function ingressHosts(ing: KubeObject): string {
  const rules: unknown[] = Array.isArray(get(ing, 'spec', 'rules')) ? get(ing, 'spec', 'rules') : [];
  const hosts = rules.map((r) => objAt(r).host).filter((h): h is string => typeof h === 'string' && h !== '');
  if (hosts.length === 0) return '*';
  const shown = hosts.slice(0, 3).join(',');
  return hosts.length > 3 ? `${shown} + ${hosts.length - 3} more...` : shown;
}

/** loadBalancerAddress is the ADDRESS cell: the load balancer's IPs and hostnames, cut to 16 characters unless wide. */
export function loadBalancerAddress(ing: KubeObject, wide = false): string {
  const entries: unknown[] = Array.isArray(get(ing, 'status', 'loadBalancer', 'ingress')) ? get(ing, 'status', 'loadBalancer', 'ingress') : [];
  const parts: string[] = [];
  for (const e of entries) {
    const lb = objAt(e);
    if (lb.ip) parts.push(String(lb.ip));
    else if (lb.hostname) parts.push(String(lb.hostname));
  }
  const s = parts.join(',');
  return !wide && s.length > 16 ? `${s.slice(0, 13)}...` : s;
}

/** ingressPrinter: NAME CLASS HOSTS ADDRESS PORTS AGE. */
export const ingressPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Class', 'The name of the IngressClass cluster resource.'),
    col('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'Ports of TLS configurations that open'),
    AGE,
  ],
  cells: (o, now) => [
    get(o, 'metadata', 'name'),
    get(o, 'spec', 'ingressClassName') ?? '<none>',
    ingressHosts(o),
    loadBalancerAddress(o),
    Array.isArray(get(o, 'spec', 'tls')) && get(o, 'spec', 'tls').length ? '80, 443' : '80',
    ageOf(get(o, 'metadata', 'creationTimestamp'), now),
  ],
};

/** ingresses is the networking.k8s.io/v1 Ingress resource. */
export const ingresses: ResourceDefinition = defineResource({
  group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', namespaced: true,
  shortNames: ['ing'], subresources: ['status'], table: ingressPrinter,
  strategy: specStatusStrategy({ generation: true, initialStatus: () => ({ loadBalancer: {} }), validate: validateIngress, validateUpdate: (o) => validateIngress(o) }),
  statusStrategy: statusStrategy({ validateUpdate: (o) => validateIngressStatus(o) }),
});

const PARAMETER_SCOPES = ['Cluster', 'Namespace'];

/** validateIngressClass is ValidateIngressClass: a domain-prefixed controller, well-formed parameters. */
export function validateIngressClass(ic: KubeObject): FieldError[] {
  const spec = objAt(ic.spec);
  const errs: FieldError[] = [];
  const controller = typeof spec.controller === 'string' ? spec.controller : '';
  if (controller.length > 250) errs.push(tooLong('spec.controller', 250));
  errs.push(...validateDomainPrefixedPath('spec.controller', controller));
  if (isObj(spec.parameters)) {
    const p = spec.parameters;
    const path = 'spec.parameters';
    if (!p.kind) errs.push(required(`${path}.kind`, 'kind is required'));
    if (!p.name) errs.push(required(`${path}.name`, 'name is required'));
    if (p.scope !== undefined && !PARAMETER_SCOPES.includes(String(p.scope))) errs.push(notSupported(`${path}.scope`, p.scope, PARAMETER_SCOPES));
    if (p.scope === 'Namespace' && !p.namespace) errs.push(required(`${path}.namespace`, '`parameters.scope` is set to \'Namespace\''));
    if (p.scope === 'Cluster' && p.namespace) errs.push({ type: 'FieldValueForbidden', field: `${path}.namespace`, detail: '`parameters.scope` is set to \'Cluster\'' });
  }
  return errs;
}

/** validateDomainPrefixedPath is IsDomainPrefixedPath: `host/path` with a DNS subdomain host. */
function validateDomainPrefixedPath(path: string, value: string): FieldError[] {
  if (value === '') return [required(path)];
  const i = value.indexOf('/');
  if (i < 0) return [invalidField(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = value.slice(0, i);
  const rest = value.slice(i);
  const errs = messagesAt(path, host, isDNS1123Subdomain(host));
  if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(rest)) {
    errs.push(invalidField(path, rest, "segment of the path must consist of valid characters per RFC3986"));
  }
  return errs;
}

/** ingressClassPrinter: NAME CONTROLLER PARAMETERS AGE. */
export const ingressClassPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Controller', 'Controller that is responsible for handling this class'),
    col('Parameters', 'A reference to a resource with additional parameters'),
    AGE,
  ],
  cells: (o, now) => {
    const p = get(o, 'spec', 'parameters');
    let params = '<none>';
    if (isObj(p)) params = `${p.kind ?? ''}${typeof p.apiGroup === 'string' ? `.${p.apiGroup}` : ''}/${p.name ?? ''}`;
    return [get(o, 'metadata', 'name'), get(o, 'spec', 'controller') ?? '', params, ageOf(get(o, 'metadata', 'creationTimestamp'), now)];
  },
};

/** ingressclasses is the networking.k8s.io/v1 IngressClass resource (spec.controller immutable). */
export const ingressclasses: ResourceDefinition = defineResource({
  group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', plural: 'ingressclasses', namespaced: false,
  table: ingressClassPrinter,
  strategy: {
    default(ic) {
      const p = get(ic, 'spec', 'parameters');
      if (isObj(p) && (p.scope === undefined || p.scope === null)) p.scope = 'Cluster';
    },
    validate: validateIngressClass,
    validateUpdate(ic, old) {
      const errs = validateIngressClass(ic);
      if (get(ic, 'spec', 'controller') !== get(old, 'spec', 'controller')) errs.push(invalidField('spec.controller', get(ic, 'spec', 'controller'), IMMUTABLE));
      return errs;
    },
  },
});

/** networkingResources are the kinds of this group, as registry.ts lists them. */
export const networkingResources: ResourceDefinition[] = [ingressclasses, ingresses];
