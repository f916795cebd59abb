/** The entry of the components' worker thread (src/cli/components-thread.ts; bundled as dist/components.cjs). */
import { isComponentsThread, runComponentsThread } from './components-thread.js';

if (!isComponentsThread()) throw new Error('components-thread-main runs only as the thread tskube up / server start');
runComponentsThread();
