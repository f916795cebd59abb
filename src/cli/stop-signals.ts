/** STOP_SIGNALS end a tskube process cleanly: Ctrl-C, a service manager's stop, and a closed terminal (SIGHUP), which would otherwise kill it half-way, leaving its containers and node network behind. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** onStopSignals calls stop with the signal's name when one of STOP_SIGNALS arrives. */
export function onStopSignals(stop: (signal: string) => Promise<void>): void {
  for (const sig of STOP_SIGNALS) process.on(sig, () => void stop(sig));
}
