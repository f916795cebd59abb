/**
 * The admission plugins tskube runs, in kube-apiserver's order (its AllOrderedPlugins):
 * NamespaceLifecycle (the store checks it before anything else) … LimitRanger, ServiceAccount,
 * PodSecurity, Priority, DefaultStorageClass, StorageObjectInUseProtection, … MutatingAdmissionWebhook,
 * ValidatingAdmissionPolicy, ValidatingAdmissionWebhook, ResourceQuota last.
 */
import type { AdmissionPlugin } from '../interfaces.js';
import { AdmissionChain } from '../chain.js';
import type { PluginDeps } from './deps.js';
import { PriorityPlugin } from './priority.js';
import { DefaultStorageClass, StorageObjectInUseProtection } from './storage.js';
import { MutatingAdmissionWebhook, ValidatingAdmissionWebhook } from '../webhook/dispatcher.js';
import { ValidatingAdmissionPolicyPlugin } from '../policy/validating.js';
import { LimitRanger } from './limitranger.js';
import { ResourceQuotaPlugin } from './resourcequota.js';
import { RuntimeClassPlugin } from './runtimeclass.js';
import { DefaultIngressClass } from './ingressclass.js';
import { CertificateSubjectRestriction } from './certificates.js';
import { ServiceAccountPlugin } from '../../apiserver/serviceaccount/admission.js';
import { RBACEscalationCheck } from '../../apiserver/rbac/escalation.js';
import { PodSecurityPlugin } from './podsecurity/admission.js';

export type { PluginDeps } from './deps.js';

/** admissionPlugins builds the plugin list in order; each entry is one plugin. */
export function admissionPlugins(deps: PluginDeps): AdmissionPlugin[] {
  return [
    ...(deps.escalation ? [new RBACEscalationCheck(deps.escalation)] : []),
    new LimitRanger(deps),
    new ServiceAccountPlugin(deps),
    new PodSecurityPlugin(deps),
    new PriorityPlugin(deps),
    new DefaultStorageClass(deps),
    new StorageObjectInUseProtection(),
    new RuntimeClassPlugin(deps),
    new CertificateSubjectRestriction(),
    new DefaultIngressClass(deps),
    new MutatingAdmissionWebhook(deps),
    new ValidatingAdmissionPolicyPlugin(deps),
    new ValidatingAdmissionWebhook(deps),
    new ResourceQuotaPlugin(deps),
  ];
}

/** newAdmissionChain is the API server's chain over admissionPlugins. */
export function newAdmissionChain(deps: PluginDeps): AdmissionChain {
  return new AdmissionChain(admissionPlugins(deps));
}
