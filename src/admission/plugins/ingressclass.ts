/**
 * DefaultIngressClass (plugin/pkg/admission/network/defaultingressclass): a new Ingress that names
 * no class (no spec.ingressClassName, no deprecated kubernetes.io/ingress.class annotation) gets
 * the IngressClass marked default, the newest when several are.
 */
import type { AdmissionAttributes, AdmissionPlugin, Operation } from '../interfaces.js';
import type { PluginDeps } from './deps.js';

/** IS_DEFAULT_INGRESS_CLASS marks an IngressClass as the cluster's default. */
export const IS_DEFAULT_INGRESS_CLASS = 'ingressclass.kubernetes.io/is-default-class';

/** DefaultIngressClass sets a class-less Ingress's spec.ingressClassName to the default class. */
export class DefaultIngressClass implements AdmissionPlugin {
  readonly name = 'DefaultIngressClass';
  constructor(private readonly deps: PluginDeps) {}

  handles(op: Operation): boolean { return op === 'CREATE'; }

  async admit(attrs: AdmissionAttributes): Promise<void> {
    if (attrs.def.group !== 'networking.k8s.io' || attrs.def.plural !== 'ingresses' || attrs.subresource !== '' || !attrs.object) return;
    const ing = attrs.object;
    const spec = ing.spec as Record<string, unknown> | undefined;
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return;
    if ((spec.ingressClassName !== undefined && spec.ingressClassName !== null) || ing.metadata?.annotations?.['kubernetes.io/ingress.class'] !== undefined) return;
    const { items } = await this.deps.storeFor('networking.k8s.io', 'v1', 'ingressclasses').list(undefined);
    const defaults = items.filter((c) => c.metadata?.annotations?.[IS_DEFAULT_INGRESS_CLASS] === 'true');
    if (defaults.length === 0) return;
    // Newest first; the name breaks ties so the choice does not depend on list order.
    defaults.sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    spec.ingressClassName = defaults[0].metadata?.name;
  }
}
