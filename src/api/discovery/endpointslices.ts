/** discovery.k8s.io/v1 EndpointSlice: defaulting, validation and its table. */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../resource.js';
import { AGE, NAME, col, get } from '../printers/columns.js';
import { ageOf } from '../printers/duration.js';
import { duplicate, invalidField, messagesAt, notSupported, required } from '../validation/field.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidIP, isValidIPv4, isValidPortNum } from '../validation/names.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
/** upstream's maxEndpoints, maxAddresses and maxPorts */
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;

/** defaultEndpointSlice is SetDefaults_EndpointPort: a port's name defaults to "" and its protocol to TCP. */
export function defaultEndpointSlice(slice: Obj): void {
  if (!Array.isArray(slice.ports)) return;
  for (const p of slice.ports as Obj[]) {
    if (!isObj(p)) continue;
    p.name ??= '';
    p.protocol ??= 'TCP';
  }
}

/** validateEndpointSlice is ValidateEndpointSlice: address type, endpoints' addresses, ports. */
export function validateEndpointSlice(slice: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const type = slice.addressType;
  if (!type) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(String(type))) errs.push(notSupported('addressType', type, ADDRESS_TYPES));
  const endpoints: Obj[] = Array.isArray(slice.endpoints) ? slice.endpoints as Obj[] : [];
  if (endpoints.length > MAX_ENDPOINTS) errs.push({ type: 'FieldValueTooMany', field: 'endpoints', detail: `must have at most ${MAX_ENDPOINTS} items` });
  endpoints.forEach((ep, i) => {
    const path = `endpoints[${i}]`;
    if (!isObj(ep)) return;
    const addrs: unknown[] = Array.isArray(ep.addresses) ? ep.addresses : [];
    if (addrs.length === 0) errs.push(required(`${path}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > MAX_ADDRESSES) errs.push({ type: 'FieldValueTooMany', field: `${path}.addresses`, detail: `must have at most ${MAX_ADDRESSES} items` });
    addrs.forEach((a, j) => {
      const s = String(a);
      if (type === 'IPv4') {
        if (!isValidIPv4(s)) errs.push(invalidField(`${path}.addresses[${j}]`, s, 'must be a valid IPv4 address'));
      } else if (type === 'IPv6') {
        if (isValidIP(s).length || isValidIPv4(s)) errs.push(invalidField(`${path}.addresses[${j}]`, s, 'must be a valid IPv6 address'));
      } else if (type === 'FQDN') {
        errs.push(...messagesAt(`${path}.addresses[${j}]`, s, isDNS1123Subdomain(s)));
      }
    });
    if (ep.nodeName) errs.push(...messagesAt(`${path}.nodeName`, ep.nodeName, isDNS1123Subdomain(String(ep.nodeName))));
    if (ep.hostname) errs.push(...messagesAt(`${path}.hostname`, ep.hostname, isDNS1123Label(String(ep.hostname))));
  });
  const ports: Obj[] = Array.isArray(slice.ports) ? slice.ports as Obj[] : [];
  if (ports.length > MAX_PORTS) errs.push({ type: 'FieldValueTooMany', field: 'ports', detail: `must have at most ${MAX_PORTS} items` });
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `ports[${i}]`;
    if (!isObj(p)) return;
    const name = String(p.name ?? '');
    if (name) errs.push(...messagesAt(`${path}.name`, name, isDNS1123Label(name)));
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
    names.add(name);
    if (p.protocol === undefined) errs.push(required(`${path}.protocol`));
    else if (!PROTOCOLS.includes(String(p.protocol))) errs.push(notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
    if (p.port !== undefined && p.port !== null) errs.push(...messagesAt(`${path}.port`, p.port, isValidPortNum(Number(p.port))));
  });
  return errs;
}

/** validateEndpointSliceUpdate: the address type is immutable. */
export function validateEndpointSliceUpdate(slice: KubeObject, old: KubeObject): FieldError[] {
  return slice.addressType !== old.addressType ? [invalidField('addressType', slice.addressType, 'field is immutable')] : [];
}

/** listWithMore is printers' listWithMoreString: the first three, "+ N more...", or <unset>. */
function listWithMore(items: string[], max = 3): string {
  const shown = items.slice(0, max).join(',');
  if (items.length > max) return `${shown} + ${items.length - max} more...`;
  return shown || '<unset>';
}

/** endpointSlicePrinter: NAME ADDRESSTYPE PORTS ENDPOINTS AGE (printEndpointSlice). */
export const endpointSlicePrinter: TablePrinter = {
  columns: [NAME, col('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
    col('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    col('Endpoints', 'endpoints is a list of unique endpoints in this slice.'), AGE],
  cells: (o, now) => {
    const ports = ((get(o, 'ports') ?? []) as { port?: number | null; name?: string | null }[])
      .map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name !== undefined && p.name !== null ? p.name : '*'));
    const addrs = ((get(o, 'endpoints') ?? []) as { addresses?: string[] }[]).flatMap((e) => e.addresses ?? []);
    return [get(o, 'metadata', 'name'), get(o, 'addressType') ?? '', listWithMore(ports), listWithMore(addrs), ageOf(get(o, 'metadata', 'creationTimestamp'), now)];
  },
};

/** endpointslices is the discovery.k8s.io/v1 EndpointSlice resource. */
export const endpointslices: ResourceDefinition = defineResource({
  group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true,
  table: endpointSlicePrinter,
  strategy: {
    default: defaultEndpointSlice,
    prepareForCreate(slice) { if (slice.metadata) slice.metadata.generation = 1; },
    prepareForUpdate(slice, old) {
      // Any change but metadata's bumps the generation, as the EndpointSlice strategy does.
      const { metadata: _m, ...rest } = slice;
      const { metadata: _o, ...oldRest } = old;
      const gen = old.metadata?.generation ?? 1;
      if (slice.metadata) slice.metadata.generation = JSON.stringify(rest) === JSON.stringify(oldRest) ? gen : gen + 1;
    },
    validate: validateEndpointSlice,
    validateUpdate: validateEndpointSliceUpdate,
  },
});
