/**
 * SCHEMA is the SQLite layout (kine's): one append-only log where the autoincrement id IS the
 * revision. Every write appends a row; the newest row of a name is its current state, a row with
 * deleted = 1 a tombstone. AUTOINCREMENT (not plain rowid) so an id is never reused, even after
 * compaction deletes the newest rows of deleted keys.
 *
 * - created: 1 when the row starts a key's life (create), else 0
 * - create_revision: the revision that created this life of the key
 * - prev_revision: id of the previous row of the same name (0 if none); gives watch prevKv
 * - value: the stored value; '' for tombstones (the deleted value is the prev row's)
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS kine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kine_name_id ON kine (name, id, deleted);
CREATE TABLE IF NOT EXISTS kine_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;
