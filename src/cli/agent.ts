export interface AgentOptions { server: string; token: string; name: string; caFile?: string; rootDir?: string; runtime: string; address: string }

/** runAgent runs one node agent against an API server. */
export async function runAgent(_o: AgentOptions): Promise<void> {
  throw new Error('tskube agent: not wired yet');
}
