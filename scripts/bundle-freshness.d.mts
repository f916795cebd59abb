export function newestMtime(dir: string): number;
export function bundleUpToDate(bundle: string, newestSource: number): boolean;
export function markBuilt(bundle: string, newestSource: number): void;
