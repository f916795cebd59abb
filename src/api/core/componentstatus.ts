/**
 * v1 ComponentStatus (cluster-scoped, short name cs, get and list only, deprecated since 1.19):
 * kube-apiserver answers it by probing the scheduler, the controller manager and etcd on every
 * request; nothing is stored. tskube asks the same questions of what it really runs: the store
 * backend, and the scheduler and controllers registered in a ComponentHealth by the process that
 * started them.
 */
import { defineResource } from '../common/define.js';
import { isObj } from '../common/obj.js';
import { NAME, col, get } from '../printers/columns.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../resource.js';

/** COMPONENT_STATUS_WARNING is the deprecation warning kube-apiserver sends with every ComponentStatus answer. */
export const COMPONENT_STATUS_WARNING = 'v1 ComponentStatus is deprecated in v1.19+';

/** ProbeResult is what one health check found (probe.Result with its message and error). */
export interface ProbeResult { status: 'True' | 'False' | 'Unknown'; message: string; error?: string }

/** ComponentProbe checks one component now. */
export type ComponentProbe = () => ProbeResult | Promise<ProbeResult>;

/** COMPONENTS are the control-plane components kube-apiserver checks besides etcd, in kubectl's usual order. */
export const COMPONENTS = ['scheduler', 'controller-manager'] as const;

/**
 * ComponentHealth is where in-process components say they run: the process that starts the
 * scheduler and the controllers registers a probe for each; the API server reads them.
 */
export class ComponentHealth {
  private readonly probes = new Map<string, ComponentProbe>();

  /** register sets the probe of a component (scheduler, controller-manager). */
  register(name: string, probe: ComponentProbe): void {
    this.probes.set(name, probe);
  }

  /** check runs a component's probe; a component nobody registered does not run with this API server. */
  async check(name: string): Promise<ProbeResult> {
    const probe = this.probes.get(name);
    if (!probe) return { status: 'False', message: `no ${name} runs with this API server` };
    try {
      return await probe();
    } catch (err) {
      return { status: 'Unknown', message: '', error: (err as Error).message };
    }
  }
}

/**
 * runningProbe watches a component's run promise: healthy ("ok", as its /healthz answers) until
 * the promise settles, then unhealthy with why it ended.
 */
export function runningProbe(component: string, run: Promise<unknown>): ComponentProbe {
  let ended: string | undefined;
  run.then(() => { ended = `${component} stopped`; }, (err: unknown) => { ended = `${component} failed: ${(err as Error)?.message ?? String(err)}`; });
  return () => (ended === undefined ? { status: 'True', message: 'ok' } : { status: 'False', message: ended });
}

/** etcdProbe is EtcdServer.DoServerCheck: "ok" when the store answers, its error otherwise. */
export function etcdProbe(ping: () => Promise<unknown>): ComponentProbe {
  return async () => {
    try {
      await ping();
      return { status: 'True', message: 'ok' };
    } catch (err) {
      return { status: 'False', message: '', error: (err as Error).message };
    }
  };
}

/** componentStatusOf is getComponentStatus: one Healthy condition carrying the probe's answer. */
export function componentStatusOf(name: string, r: ProbeResult): KubeObject {
  const condition: Record<string, string> = { type: 'Healthy', status: r.status };
  if (r.message) condition.message = r.message;
  if (r.error) condition.error = r.error;
  return { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name, creationTimestamp: null }, conditions: [condition] };
}

/** componentStatuses checks every component at once (scheduler, controller-manager, etcd-0). */
export async function componentStatuses(health: ComponentHealth, etcd: ComponentProbe): Promise<KubeObject[]> {
  const checks: [string, Promise<ProbeResult>][] = [
    ...COMPONENTS.map((c): [string, Promise<ProbeResult>] => [c, health.check(c)]),
    ['etcd-0', Promise.resolve().then(etcd)],
  ];
  return Promise.all(checks.map(async ([name, p]) => componentStatusOf(name, await p)));
}

/** componentStatusPrinter: NAME STATUS MESSAGE ERROR, as printComponentStatus. */
export const componentStatusPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Status', 'Status of the component conditions'),
    col('Message', 'Message of the component conditions'),
    col('Error', 'Error of the component conditions'),
  ],
  cells: (o) => {
    let status = 'Unknown';
    let message = '';
    let error = '';
    for (const c of Array.isArray(o.conditions) ? o.conditions : []) {
      if (!isObj(c) || c.type !== 'Healthy') continue;
      status = c.status === 'True' ? 'Healthy' : 'Unhealthy';
      message = typeof c.message === 'string' ? c.message : '';
      error = typeof c.error === 'string' ? c.error : '';
      break;
    }
    return [get(o, 'metadata', 'name'), status, message, error];
  },
};

/** componentstatuses is the v1 ComponentStatus resource (read-only; answered by apiserver/componentstatuses.ts). */
export const componentstatuses: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'ComponentStatus', plural: 'componentstatuses', namespaced: false,
  shortNames: ['cs'], verbs: ['get', 'list'], table: componentStatusPrinter, strategy: {},
});
