/** createNodeRuntime: the runtime of each --runtime kind (src/cli/runtime-kind.ts says which there are). */
import { createRuntime } from '../agent/index.js';
import type { Runtime } from '../runtime/types.js';
import type { ImageStore } from '../runtime/oci/image/index.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { log } from '../util/log.js';
import type { RuntimeKind } from './runtime-kind.js';

/** NodeRuntimeOptions say where a node keeps its state and how its runtime is reached. */
export interface NodeRuntimeOptions {
  rootDir: string;
  nodeName: string;
  /** extra image catalog files (process runtime) */
  images?: string[];
  /** the CRI endpoint (cri runtime; default unix:///run/containerd/containerd.sock) */
  criEndpoint?: string;
  /** a registries configuration file like k3s's registries.yaml (oci runtime) */
  registriesFile?: string;
}

/** createNodeRuntime builds a node's runtime; the cri runtime is connected (it asks containerd's Version). */
export async function createNodeRuntime(kind: RuntimeKind, o: NodeRuntimeOptions): Promise<Runtime> {
  switch (kind) {
    case 'simulated':
      return createRuntime('simulated');
    case 'process':
      return createRuntime('process', { rootDir: o.rootDir, nodeName: o.nodeName, images: o.images });
    // The oci and cri runtimes load only when chosen: the default start need not pay for gRPC.
    case 'oci': {
      const { OciRuntime } = await import('../runtime/oci/index.js');
      const { ImageStore, OciImageService, imageStoreRoot } = await import('../runtime/oci/image/index.js');
      const store = new ImageStore({ root: imageStoreRoot(o.rootDir), registriesFile: o.registriesFile });
      // Holds on image files by containers whose bundle is gone (an agent stopped mid-creation) are dropped
      // before the runtime starts: a container exists as long as its bundle directory (oci-containers/<id>).
      await store.pruneRootfsHolders((id) => existsSync(join(o.rootDir, 'oci-containers', id)))
        .catch((e: unknown) => log.child({ component: 'oci-image-store' }).error(e, 'pruning image holds failed'));
      return new OciRuntime({ rootDir: o.rootDir, nodeName: o.nodeName, store: ociStoreView(store), images: new OciImageService(store) });
    }
    case 'cri': {
      const { CriRuntime, DEFAULT_CRI_ENDPOINT } = await import('../runtime/cri/index.js');
      return new CriRuntime({ endpoint: o.criEndpoint ?? DEFAULT_CRI_ENDPOINT }).connect();
    }
  }
}

/** ociStoreView is what the runc runtime reads of the store: images by reference and their unpacked roots. */
function ociStoreView(store: ImageStore) {
  return {
    get: (ref: string) => store.get(ref),
    rootfsOf: async (ref: string) => {
      const image = store.get(ref);
      if (!image) throw new Error(`image "${ref}" is not in the node's store`);
      return store.rootfsOf(image);
    },
    holdRootfs: (id: string, container: string) => store.holdRootfs(id, container),
    releaseRootfs: (id: string, container: string) => store.releaseRootfs(id, container),
  };
}
