/** core/v1 endpoints and events, and events.k8s.io/v1 events (stored separately). */
import type { FieldError } from '../../apimachinery/errors.js';
import { defineResource } from '../common/define.js';
import { isObj, type Obj } from '../common/obj.js';
import type { KubeObject, ResourceDefinition } from '../resource.js';
import { invalidField, messagesAt, notSupported, required } from '../validation/field.js';
import { isDNS1123Label, isValidIP, isValidPortNum } from '../validation/names.js';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateEndpoints(ep: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const subsets: Obj[] = Array.isArray(ep.subsets) ? ep.subsets as Obj[] : [];
  subsets.forEach((ss, i) => {
    const p = `subsets[${i}]`;
    for (const list of ['addresses', 'notReadyAddresses']) {
      if (!Array.isArray(ss?.[list])) continue;
      (ss[list] as Obj[]).forEach((a, j) => errs.push(...messagesAt(`${p}.${list}[${j}].ip`, a?.ip ?? '', isValidIP(String(a?.ip ?? '')))));
    }
    const ports: Obj[] = Array.isArray(ss?.ports) ? ss.ports : [];
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      if (ports.length > 1 && !port?.name) errs.push(required(`${pp}.name`));
      if (port?.name) errs.push(...messagesAt(`${pp}.name`, port.name, isDNS1123Label(port.name)));
      errs.push(...messagesAt(`${pp}.port`, port?.port ?? 0, isValidPortNum(Number(port?.port ?? 0))));
      if (port?.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${pp}.protocol`, port.protocol, PROTOCOLS));
    });
  });
  return errs;
}

/** endpoints is the core/v1 Endpoints resource. */
export const endpoints: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'], singular: 'endpoints',
  strategy: {
    default(ep) {
      if (!Array.isArray(ep.subsets)) return;
      for (const ss of ep.subsets as Obj[]) {
        if (Array.isArray(ss?.ports)) for (const p of ss.ports as Obj[]) if (isObj(p) && !p.protocol) p.protocol = 'TCP';
      }
    },
    validate: validateEndpoints,
  },
});

const EVENT_TYPES = ['Normal', 'Warning'];

function validateCoreEvent(ev: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const io: Obj = isObj(ev.involvedObject) ? ev.involvedObject : {};
  const ns = ev.metadata?.namespace ?? '';
  if (io.namespace && io.namespace !== ns && !(ns === 'default' && io.kind === 'Node')) {
    errs.push(invalidField('involvedObject.namespace', io.namespace, 'does not match event.namespace'));
  }
  if (ev.eventTime) {
    if (!ev.reportingComponent) errs.push(required('reportingController'));
    if (!ev.reportingInstance) errs.push(required('reportingInstance'));
  }
  if (ev.type && !EVENT_TYPES.includes(String(ev.type))) errs.push(invalidField('type', ev.type, 'has invalid value, must be Normal or Warning'));
  return errs;
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const involved = (f: string) => (o: KubeObject): string => str((o.involvedObject as Obj | undefined)?.[f]);

/** events is the core/v1 Event resource. */
export const events: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'],
  strategy: { validate: validateCoreEvent },
  selectableFields: {
    'involvedObject.kind': involved('kind'),
    'involvedObject.namespace': involved('namespace'),
    'involvedObject.name': involved('name'),
    'involvedObject.uid': involved('uid'),
    'involvedObject.apiVersion': involved('apiVersion'),
    'involvedObject.resourceVersion': involved('resourceVersion'),
    'involvedObject.fieldPath': involved('fieldPath'),
    reason: (o) => str(o.reason),
    reportingComponent: (o) => str(o.reportingComponent),
    source: (o) => str((o.source as Obj | undefined)?.component),
    type: (o) => str(o.type),
  },
});

function validateEventsV1(ev: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!ev.eventTime) errs.push(required('eventTime'));
  if (!ev.reportingController) errs.push(required('reportingController'));
  if (!ev.reportingInstance) errs.push(required('reportingInstance'));
  if (!ev.action) errs.push(required('action'));
  if (!ev.reason) errs.push(required('reason'));
  if (!EVENT_TYPES.includes(str(ev.type))) errs.push(invalidField('type', str(ev.type), 'has invalid value, must be Normal or Warning'));
  const reg: Obj = isObj(ev.regarding) ? ev.regarding : {};
  const ns = ev.metadata?.namespace ?? '';
  if (reg.namespace && reg.namespace !== ns && !(ns === 'default' && reg.kind === 'Node')) {
    errs.push(invalidField('regarding.namespace', reg.namespace, 'does not match event.namespace'));
  }
  return errs;
}

const regarding = (f: string) => (o: KubeObject): string => str((o.regarding as Obj | undefined)?.[f]);

/** eventsV1 is the events.k8s.io/v1 Event resource. */
export const eventsV1: ResourceDefinition = defineResource({
  group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'],
  strategy: { validate: validateEventsV1 },
  selectableFields: {
    'regarding.kind': regarding('kind'),
    'regarding.namespace': regarding('namespace'),
    'regarding.name': regarding('name'),
    'regarding.uid': regarding('uid'),
    'regarding.apiVersion': regarding('apiVersion'),
    'regarding.resourceVersion': regarding('resourceVersion'),
    'regarding.fieldPath': regarding('fieldPath'),
    reason: (o) => str(o.reason),
    reportingController: (o) => str(o.reportingController),
    type: (o) => str(o.type),
  },
});
