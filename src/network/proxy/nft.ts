/** Running nft: availability and applying a script in one transaction (`nft -f -`). */
import { commands } from '../command/command.js';

/** NFTABLES_INSTALL_HINT is how to get nft on Debian. */
export const NFTABLES_INSTALL_HINT = 'apt-get install nftables';

/** NftRunner applies an nft script (the real one runs `nft -f -`; tests record scripts). */
export type NftRunner = (script: string) => Promise<void>;

/**
 * applyNft feeds a script to `nft -f -` through the node's command helper (a fork of the agent's
 * own large process costs its event loop milliseconds); a rejected script is an error carrying
 * nft's message.
 */
export const applyNft: NftRunner = async (script) => {
  const r = await commands.run('nft', ['-f', '-'], { input: script });
  if (r.code !== 0) throw new Error(`nft -f - failed (${r.signal ? `killed by ${r.signal}` : `exit ${r.code}`}): ${r.stderr.trim()}`);
};

/** nftUnavailable says why this process cannot program nftables (undefined when it can). */
export async function nftUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'the node agent is not root, so it cannot program nftables';
  try {
    if ((await commands.run('nft', ['--version'])).code !== 0) throw new Error('nft --version failed');
  } catch {
    return `nft not found (${NFTABLES_INSTALL_HINT})`;
  }
  return undefined;
}
