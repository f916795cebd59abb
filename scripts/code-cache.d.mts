export const MODULE_WRAPPER: string;
export function compileCommonJS(file: string, cacheFile: string | undefined, saveAfterMs?: number): { run(): { used: boolean; full: boolean } };
