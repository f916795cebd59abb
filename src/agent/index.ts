/** The node agent (kubelet) and the runtimes it drives. */
import { ProcessRuntime, type ProcessRuntimeOptions } from '../runtime/process/process-runtime.js';
import { SimulatedRuntime } from '../runtime/simulated/simulated-runtime.js';
import { ImageCatalog, DEFAULT_CATALOG_FILE } from '../runtime/image-catalog.js';
import type { Runtime } from '../runtime/types.js';

export { NodeAgent, type NodeAgentOptions, clientConfigSource } from './node-agent.js';
export { KubeletEventRecorder, type AgentRecorder } from './events.js';
export type { Runtime } from '../runtime/types.js';

/** CreateRuntimeOptions: rootDir for the process runtime's state; extra image catalogs; isolation override. */
export interface CreateRuntimeOptions {
  rootDir?: string;
  /** node name: names the node's pod network (its bridge and CNI network) */
  nodeName?: string;
  /** extra catalog files (entries win over the shipped src/runtime/images.yaml) */
  images?: string[];
  isolation?: ProcessRuntimeOptions['isolation'];
  maxLogBytes?: number;
}

/** createRuntime builds the process runtime (real processes) or the simulated one (KWOK-like). */
export function createRuntime(kind: 'process' | 'simulated', opts: CreateRuntimeOptions = {}): Runtime {
  if (kind === 'simulated') return new SimulatedRuntime();
  if (!opts.rootDir) throw new Error('createRuntime("process") needs rootDir');
  return new ProcessRuntime({
    rootDir: opts.rootDir, nodeName: opts.nodeName, isolation: opts.isolation, maxLogBytes: opts.maxLogBytes,
    catalog: new ImageCatalog([DEFAULT_CATALOG_FILE, ...(opts.images ?? [])]),
  });
}
