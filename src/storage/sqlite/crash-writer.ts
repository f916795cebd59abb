/**
 * crash-writer is the child process of the sqlite crash test: it creates keys one after another
 * and prints each key only after create() resolved (the write was acknowledged), until killed.
 * Usage: node --import tsx crash-writer.ts <db-path> <count>
 */
import { SqliteBackend } from './sqlite-backend.js';

const [path, count] = process.argv.slice(2);
const backend = SqliteBackend.open(path);
const value = JSON.stringify({ payload: 'x'.repeat(512) });
for (let i = 0; i < Number(count); i++) {
  const key = `/crash/${String(i).padStart(6, '0')}`;
  await backend.create(key, value);
  process.stdout.write(`${key}\n`);
}
await backend.close();
