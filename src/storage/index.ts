import type { Backend } from './backend.js';
import { Compactor, type CompactorOptions } from './compactor.js';
import { EtcdBackend } from './etcd/etcd-backend.js';
import { MemoryBackend } from './memory/memory-backend.js';
import { SqliteBackend, type SqliteDurability } from './sqlite/sqlite-backend.js';

export type { Backend, KeyValue, ListOptions, ListResult, WatchEvent, WatchOptions } from './backend.js';
export * from './errors.js';
export { Compactor, type CompactorOptions } from './compactor.js';
export { MemoryBackend } from './memory/memory-backend.js';
export { SqliteBackend, type SqliteBackendOptions, type SqliteDurability } from './sqlite/sqlite-backend.js';
export { EtcdBackend, type EtcdBackendOptions } from './etcd/etcd-backend.js';

/**
 * BackendSpec names a store. `compaction` (sqlite and etcd) runs a Compactor in the background:
 * defaults keep the last 1000 revisions and 5 minutes of history, checked every minute; `false`
 * turns it off. Memory stores are never compacted automatically.
 */
export type BackendSpec =
  | { type: 'sqlite'; path: string; durability?: SqliteDurability; compaction?: CompactorOptions | false }
  | { type: 'memory' }
  | { type: 'etcd'; endpoints: string[]; prefix?: string; compaction?: CompactorOptions | false };

/** openBackend opens the store the spec names; closing it also stops its compactor. */
export async function openBackend(spec: BackendSpec): Promise<Backend> {
  switch (spec.type) {
    case 'memory':
      return new MemoryBackend();
    case 'sqlite':
      return withCompactor(SqliteBackend.open(spec.path, { durability: spec.durability }), spec.compaction);
    case 'etcd':
      return withCompactor(await EtcdBackend.open({ endpoints: spec.endpoints, prefix: spec.prefix }), spec.compaction);
  }
}

/** withCompactor (private) starts a compactor and makes backend.close() stop it first. */
function withCompactor<B extends Backend>(backend: B, opts: CompactorOptions | false | undefined): B {
  if (opts === false) return backend;
  const compactor = new Compactor(backend, opts);
  compactor.start();
  const close = backend.close.bind(backend);
  backend.close = async () => {
    await compactor.stop();
    await close();
  };
  return backend;
}
