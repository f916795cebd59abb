/** The CRI runtime: the node agent drives a CRI v1 runtime (containerd) over gRPC, as a kubelet does. */
export { CriRuntime, DEFAULT_CRI_ENDPOINT, type CriRuntimeOptions } from './cri-runtime.js';
export { CriClient, CriCallError, API_PROTO } from './client.js';
