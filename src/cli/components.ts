/** ComponentsOptions: what the in-process controllers, scheduler and agents need to reach the API. */
export interface ComponentsOptions {
  server: string;
  token: string;
  ca: string;
  dataDir: string;
  nodes: number;
  simulatedNodes: number;
  signal: AbortSignal;
}

/** Components are the running controllers, scheduler and agents. */
export interface Components { stop(): Promise<void> }

/** startComponents starts everything that talks to the API server through the client. */
export async function startComponents(_o: ComponentsOptions): Promise<Components> {
  return { async stop() {} };
}
