import type { SystemTool } from '../../testing/system-tools.js';

/** NFTABLES is Debian's nftables (nft), which the node agents' Service proxy programs. */
export const NFTABLES: SystemTool = { name: 'nftables', command: 'nft', apt: 'nftables' };

/** BUSYBOX is Debian's busybox-static, whose applets (nslookup, wget) `image: busybox` containers run. */
export const BUSYBOX: SystemTool = { name: 'busybox', command: 'busybox', apt: 'busybox-static' };
