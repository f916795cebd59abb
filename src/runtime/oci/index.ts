// The oci runtime: containers of images from the node's store, run with runc (see oci-runtime.ts).
export { OciRuntime, type OciRuntimeOptions, type OciImageStore } from './oci-runtime.js';
export { buildRuntimeSpec, capabilitiesOf, DEFAULT_CAPABILITIES, ALL_CAPABILITIES, MASKED_PATHS, READONLY_PATHS, type OciSpec, type RuntimeSpecInput, type SandboxView } from './runtime-spec.js';
export { mountRootfs, unmountRootfs, resolveUser, parsePasswd, parseGroup } from './rootfs.js';
export { Runc, RUNC_PATH, lastRuncError, type RuncState } from './runc.js';
