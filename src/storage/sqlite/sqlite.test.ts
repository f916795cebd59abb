import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBackendContract } from '../contract.js';
import { SqliteBackend } from './sqlite-backend.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-sqlite-'));
let n = 0;
after(() => rmSync(dir, { recursive: true, force: true }));

runBackendContract('sqlite', async () => SqliteBackend.open(join(dir, `db-${n++}`, 'state.db')));
