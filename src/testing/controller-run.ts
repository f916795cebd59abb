/** RunnableController is what startController needs: a controller's run loop and, if it has one, its event recorder. */
export interface RunnableController {
  run(signal: AbortSignal, workers?: number): Promise<void>;
  recorder?: { flush(): Promise<unknown> };
}

/**
 * startController runs a controller's workers in a test until the returned stop(), which ends the
 * run loop and waits for its queued events to be written (so assertions after stop see them all).
 */
export function startController(c: RunnableController, workers = 2): () => Promise<void> {
  const ac = new AbortController();
  const running = c.run(ac.signal, workers);
  return async () => {
    ac.abort();
    await running;
    await c.recorder?.flush();
  };
}
