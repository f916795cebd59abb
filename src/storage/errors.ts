import type { KeyValue } from './backend.js';

/** StorageError is the base of every error a Backend throws on purpose. */
export class StorageError extends Error {}

/** KeyExistsError: create of a key that is present. */
export class KeyExistsError extends StorageError {
  constructor(readonly key: string) { super(`key exists: ${key}`); }
}

/** KeyNotFoundError: update/delete of a key that is absent. */
export class KeyNotFoundError extends StorageError {
  constructor(readonly key: string) { super(`key not found: ${key}`); }
}

/** RevisionMismatchError: compare-and-swap failed; `current` is the value now stored. */
export class RevisionMismatchError extends StorageError {
  constructor(readonly key: string, readonly current: KeyValue) {
    super(`revision mismatch for ${key}: now ${current.modRevision}`);
  }
}

/** CompactedError: a read or watch asked for history older than the compacted revision. */
export class CompactedError extends StorageError {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`required revision ${requested} has been compacted (compacted at ${compacted})`);
  }
}
