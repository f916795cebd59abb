/** untilAborted resolves once signal aborts (at once if it has): a run with nothing to do that lasts as long as the others. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
