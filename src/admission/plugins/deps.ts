/** What the built-in admission plugins reach in the API server: its stores and its clock. */
import type { ResourceDefinition } from '../../api/resource.js';
import type { RegistryStore } from '../../registry/store.js';
import type { Clock } from '../../util/clock.js';
import type { EscalationDeps } from '../../apiserver/rbac/escalation.js';

/** PluginDeps are handed to every plugin constructor by admissionPlugins (index.ts). */
export interface PluginDeps {
  /** the store of a built-in resource (group '' for the core group) */
  storeFor(group: string, version: string, plural: string): RegistryStore;
  clock: Clock;
  /** ends the plugins' watches (the API server's lifetime); without it they run for the process */
  signal?: AbortSignal;
  /** every served resource, custom ones too (ValidatingAdmissionPolicy's paramKind) */
  resources?(): ResourceDefinition[];
  /** the store of any served resource, custom ones too */
  storeForDef?(def: ResourceDefinition): RegistryStore;
  /** RBAC's escalation check: the authorizer and rule resolver (absent: no check) */
  escalation?: EscalationDeps;
}
