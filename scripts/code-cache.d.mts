export const MODULE_WRAPPER: string;
export function readCache(cacheFile: string, id: string): { data: Buffer; full: boolean } | undefined;
export function compileCommonJS(file: string, cacheFile: string | undefined, saveAfterMs?: number): { run(): { used: boolean; full: boolean } };
