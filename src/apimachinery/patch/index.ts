/** Patch application for the API server: JSON patch, JSON merge patch and strategic merge patch. */
export { applyJsonPatch, maxJSONPatchOperations } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic.js';
export { patchSchemaFor, emptyPatchSchema, type PatchSchema, type PatchMeta, type PatchStrategy } from './schema.js';
export type { JsonObject, JsonValue } from './errors.js';
