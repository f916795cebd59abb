export { SqliteBackend, type SqliteBackendOptions, type SqliteDurability } from './sqlite-backend.js';
