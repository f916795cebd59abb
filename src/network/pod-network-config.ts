import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CNI_VERSION, type NetConfList } from './cni/types.js';

/** BridgeNetworkOptions describe one node's pod network. */
export interface BridgeNetworkOptions {
  /** CNI network name (iptables comments, host-local's state directory) */
  networkName: string;
  /** the Linux bridge pods of this node attach to */
  bridgeName: string;
  /** the node's spec.podCIDR: host-local hands out addresses from it, the bridge gets its first one */
  podCIDR: string;
  /** host-local's state directory (one file per allocated address) */
  ipamDataDir: string;
}

/**
 * bridgeNetworkConfigList is the node's pod network as kubenet configured the CNI bridge plugin:
 * one bridge per node that is the pods' default gateway (isGateway), hairpin on so a pod can reach
 * itself through a Service, host-local IPAM over the node's podCIDR, then portmap for containers'
 * hostPorts. Like kubenet it leaves ipMasq off: the plugin's per-pod masquerade would also NAT
 * traffic between pods of different nodes, which Kubernetes' network model forbids, and cost
 * several iptables runs per pod; PodNetwork masquerades the node's pod range once instead.
 */
export function bridgeNetworkConfigList(o: BridgeNetworkOptions): NetConfList {
  return {
    cniVersion: CNI_VERSION,
    name: o.networkName,
    plugins: [
      {
        type: 'bridge',
        bridge: o.bridgeName,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: o.podCIDR }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: o.ipamDataDir,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

/** loopbackNetworkConfigList brings up `lo` in a pod's namespace (containerd's cni-loopback network). */
export function loopbackNetworkConfigList(): NetConfList {
  return { cniVersion: CNI_VERSION, name: 'cni-loopback', plugins: [{ type: 'loopback' }] };
}

/** MAX_IFNAME is Linux's limit on interface names (IFNAMSIZ 16 minus the terminating NUL). */
export const MAX_IFNAME = 15;

/**
 * bridgeNameFor names a node's bridge: "tsk-" + the node name (at most 6 characters of it) + "-" +
 * 4 hex digits of a hash of the node's state directory. Two clusters on one machine may both
 * have a host01; their bridges must still differ, and the name must fit in 15 characters.
 */
export function bridgeNameFor(nodeName: string, stateDir: string): string {
  const short = nodeName.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 6) || 'node';
  const hash = createHash('sha256').update(`${nodeName}\0${stateDir}`).digest('hex').slice(0, 4);
  return `tsk-${short}-${hash}`.slice(0, MAX_IFNAME);
}

/**
 * serviceTableNameFor names a node's nftables table (the Service proxy's) after its bridge
 * (tsk-host01-8fe4 → tskube-host01-8fe4): unique per node and state directory, so agents of two
 * clusters on one machine never share a table; the owner record names it for the sweep.
 */
export function serviceTableNameFor(bridge: string): string {
  return `tskube-${bridge.replace(/^tsk-/, '')}`;
}

/** routeChainNameFor names a node's route controller's iptables chain after its bridge (tsk-host01-8fe4 → TSKUBE-RT-host01-8fe4, ≤ 28 characters). */
export function routeChainNameFor(bridge: string): string {
  return `TSKUBE-RT-${bridge.replace(/^tsk-/, '')}`.slice(0, 28);
}

/** masqueradeComment is the comment of a node's masquerade rule: it names the network and bridge, so the rule of a killed agent is found by its bridge. */
export function masqueradeComment(networkName: string, bridge: string): string {
  return `tskube ${networkName} ${bridge}: masquerade pod traffic leaving the node`;
}

/**
 * masqueradeRule is the nat POSTROUTING rule (iptables arguments after the chain) that gives a
 * node's pods a way out: traffic from its podCIDR leaving through anything but a pod bridge (tsk-*).
 */
export function masqueradeRule(podCIDR: string, networkName: string, bridge: string): string[] {
  return ['-s', podCIDR, '!', '-o', 'tsk-+', '-m', 'comment', '--comment', masqueradeComment(networkName, bridge), '-j', 'MASQUERADE'];
}

/** networkNameFor is the CNI network name of a node's pod network. */
export function networkNameFor(nodeName: string): string {
  return `tskube-${nodeName}`;
}

/** ipamDataDirFor is host-local's state directory under the node's root directory. */
export function ipamDataDirFor(stateDir: string): string {
  return join(stateDir, 'cni', 'networks');
}
