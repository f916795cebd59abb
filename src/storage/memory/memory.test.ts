import { runBackendContract } from '../contract.js';
import { MemoryBackend } from './memory-backend.js';

runBackendContract('memory', async () => new MemoryBackend());
