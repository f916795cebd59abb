/** The schema model of Kubernetes types and strict field checking. */
export { checkFields, goTypeName, type FieldCheckResult, type FieldValidationMode } from './check-fields.js';
export { duplicateFieldPaths } from './duplicate-fields.js';
export {
  getDefinition, definitionForKind, definitionNameForKind, allDefinitionNames, referencedDefinitions,
  innermostRef, shortName, parseFieldType,
  type FieldType, type SchemaField, type SchemaDefinition, type ScalarKind, type GroupVersionKind,
} from './model.js';
export { PATCH_EXTENSIONS, type PatchExtension } from './extensions.js';
