/** Running nft: availability and applying a script in one transaction (`nft -f -`). */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** NFTABLES_INSTALL_HINT is how to get nft on Debian. */
export const NFTABLES_INSTALL_HINT = 'apt-get install nftables';

/** NftRunner applies an nft script (the real one runs `nft -f -`; tests record scripts). */
export type NftRunner = (script: string) => Promise<void>;

/** applyNft feeds a script to `nft -f -`; a rejected script is an error carrying nft's message. */
export const applyNft: NftRunner = (script) => new Promise((resolve, reject) => {
  const p = spawn('nft', ['-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  p.on('error', reject);
  p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`nft -f - failed (exit ${code}): ${err.trim()}`))));
  p.stdin.end(script);
});

/** nftUnavailable says why this process cannot program nftables (undefined when it can). */
export async function nftUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'the node agent is not root, so it cannot program nftables';
  try {
    await run('nft', ['--version']);
  } catch {
    return `nft not found (${NFTABLES_INSTALL_HINT})`;
  }
  return undefined;
}
