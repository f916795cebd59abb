/**
 * The customresourcedefinitions resource (apiextensions.k8s.io/v1, `kubectl get crd`): v1
 * defaulting, the registry strategy (status cleared on create, storedVersions kept, generation
 * bumped on spec change), validation, the status subresource (which the naming, establishing and
 * finalizer controllers write, finalizers included) and the deletion that first adds the
 * customresourcecleanup finalizer.
 */
import type { KubeObject, ResourceDefinition, TablePrinter } from '../resource.js';
import { AGE, NAME } from '../printers/columns.js';
import { statusStrategy } from '../common/strategy.js';
import { rfc3339 } from '../../apimachinery/time.js';
import {
  CUSTOM_RESOURCE_CLEANUP_FINALIZER, GROUP, setCondition, type CustomResourceDefinition,
} from './types.js';
import {
  validateCustomResourceDefinition, validateCustomResourceDefinitionStatusUpdate, validateCustomResourceDefinitionUpdate,
} from './validation.js';
import { deepEqual } from '../../apimachinery/deep.js';

/** setDefaults applies apiextensions v1 defaulting (singular, listKind, conversion None, webhook port 443). */
export function setDefaults(obj: KubeObject): void {
  const crd = obj as CustomResourceDefinition;
  const spec = crd.spec;
  if (!spec || typeof spec !== 'object') return;
  const names = spec.names;
  if (names && typeof names === 'object') {
    if (!names.singular && typeof names.kind === 'string') names.singular = names.kind.toLowerCase();
    if (!names.listKind && names.kind) names.listKind = `${names.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
  const svc = spec.conversion.webhook?.clientConfig?.service;
  if (svc && svc.port === undefined) svc.port = 443;
}

function storageVersion(crd: CustomResourceDefinition): string | undefined {
  return (crd.spec?.versions ?? []).find((v) => v.storage)?.name;
}

/** crdPrinter is the table of `kubectl get crd`: NAME and CREATED AT. */
export const crdPrinter: TablePrinter = {
  columns: [NAME, { name: 'Created At', type: 'date', description: AGE.description, priority: 0 }],
  cells: (o) => [o.metadata?.name ?? '', o.metadata?.creationTimestamp ?? null],
};

const definition: ResourceDefinition = {
  group: GROUP, version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', singular: 'customresourcedefinition',
  namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['status'],
  strategy: {
    default: setDefaults,
    prepareForCreate(obj) {
      const crd = obj as CustomResourceDefinition;
      const stored = storageVersion(crd);
      crd.status = { acceptedNames: { plural: '', kind: '' }, storedVersions: stored ? [stored] : [] };
      (crd.metadata ??= {}).generation = 1;
    },
    prepareForUpdate(obj, old) {
      const crd = obj as CustomResourceDefinition;
      const prev = old as CustomResourceDefinition;
      if (prev.status === undefined) delete crd.status;
      else crd.status = structuredClone(prev.status);
      const meta = (crd.metadata ??= {});
      const oldGen = prev.metadata?.generation ?? 0;
      meta.generation = deepEqual(crd.spec, prev.spec) ? oldGen : oldGen + 1;
      const stored = storageVersion(crd);
      if (stored && crd.status && !crd.status.storedVersions?.includes(stored)) {
        crd.status.storedVersions = [...(crd.status.storedVersions ?? []), stored];
      }
    },
    validate: (obj) => validateCustomResourceDefinition(obj as CustomResourceDefinition, definition),
    validateUpdate: (obj, old) => validateCustomResourceDefinitionUpdate(obj as CustomResourceDefinition, old as CustomResourceDefinition)
      .filter((e) => e.detail === 'field is immutable' || e.field.startsWith('metadata')),
    prepareForDelete(obj, ctx) {
      const crd = obj as CustomResourceDefinition;
      const meta = (crd.metadata ??= {});
      if (!meta.finalizers?.includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) meta.finalizers = [...(meta.finalizers ?? []), CUSTOM_RESOURCE_CLEANUP_FINALIZER];
      setCondition(crd, {
        type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending',
        message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
      }, rfc3339(ctx.now));
    },
  },
  statusStrategy: statusStrategy({
    lightMetadata: true,
    validateUpdate: (obj, old) => validateCustomResourceDefinitionStatusUpdate(obj as CustomResourceDefinition, old as CustomResourceDefinition),
  }),
  table: crdPrinter,
};

/** customresourcedefinitions is the served CustomResourceDefinition resource. */
export const customresourcedefinitions: ResourceDefinition = definition;
