import type { SystemTool } from '../../testing/system-tools.js';

/** CNI_PLUGINS is Debian's containernetworking-plugins (bridge, host-local, loopback, portmap in /usr/lib/cni), which pod networks need. */
export const CNI_PLUGINS: SystemTool = { name: 'CNI plugins', path: '/usr/lib/cni/bridge', apt: 'containernetworking-plugins' };
