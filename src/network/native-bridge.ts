import { commands, type CommandResult, type CommandRunner, type HelperOp } from './command/command.js';
import type { PluginExec, PluginInvocation } from './cni/exec.js';
import { CNIError, type CNICommand, type Route } from './cni/types.js';
import { HostLocalStore } from './host-local-store.js';

/** BridgeConf is what NativeBridge reads of the bridge plugin's configuration (the keys bridgeNetworkConfigList writes). */
interface BridgeConf {
  name: string;
  cniVersion: string;
  bridge?: string;
  isGateway?: boolean;
  ipMasq?: boolean;
  hairpinMode?: boolean;
  ipam?: { type?: string; ranges?: { subnet?: string; gateway?: string }[][]; routes?: Route[]; dataDir?: string };
  prevResult?: { ips?: { address?: string }[] };
}

/** HOST_LOCAL_DATA_DIR is host-local's default state directory. */
const HOST_LOCAL_DATA_DIR = '/var/lib/cni/networks';

/** DEFAULT_BRIDGE is the bridge plugin's default bridge name. */
const DEFAULT_BRIDGE = 'cni0';

/**
 * NativeBridge does the CNI bridge plugin's ADD, CHECK and DEL with host-local addresses without
 * their two processes per pod (Go programs: ~65 ms of CPU per pod start, as much per deletion,
 * where forks are slow): the address from a HostLocalStore in this process (host-local's files,
 * so the plugin can take over the same directory), the interfaces by the command helper's netlink
 * requests (netlink.py), the result the plugin would print. Every other plugin, a bridge
 * configuration beyond what tskube writes (IPv6, several ranges, ipMasq, another IPAM), and
 * the bridge when the command helper cannot run go to the plugin executables.
 */
export class NativeBridge implements PluginExec {
  constructor(private readonly plugins: PluginExec, private readonly runner: CommandRunner = commands) {}

  async run(type: string, inv: PluginInvocation): Promise<string> {
    const conf = type === 'bridge' && inv.command !== 'VERSION' ? supported(inv.stdin as BridgeConf) : undefined;
    if (!conf || !this.runner.helperUsable()) return this.plugins.run(type, inv);
    const store = new HostLocalStore(conf.ipam.dataDir ?? HOST_LOCAL_DATA_DIR, conf.name);
    if (inv.command === 'ADD') return this.add(conf, inv, store);
    const address = conf.prevResult?.ips?.[0]?.address?.split('/')[0];
    if (inv.command === 'DEL') {
      // As the plugin: the address first (a lease must not outlive a failed link removal), then the interface.
      store.release(inv.containerId, inv.ifName, address);
      if (inv.netns) await this.op(inv.command, { op: 'veth-del', netns: inv.netns, ifName: inv.ifName });
      return '';
    }
    if (!address) throw new CNIError('bridge', inv.command, 0, 'Required prevResult missing');
    if (!store.leases().includes(address)) throw new CNIError('bridge', inv.command, 0, `host-local: Failed to find address added by container ${inv.containerId}`);
    await this.op(inv.command, { op: 'veth-check', netns: inv.netns, ifName: inv.ifName, address });
    return '';
  }

  private async add(conf: SupportedConf, inv: PluginInvocation, store: HostLocalStore): Promise<string> {
    const range = conf.ipam.ranges[0][0];
    let lease;
    try {
      lease = store.allocate(range.subnet, inv.containerId, inv.ifName, range.gateway);
    } catch (e) {
      throw new CNIError('bridge', 'ADD', 0, (e as Error).message);
    }
    try {
      const r = await this.op('ADD', {
        op: 'veth-add', netns: inv.netns, ifName: inv.ifName, bridge: conf.bridge ?? DEFAULT_BRIDGE,
        address: lease.address, prefix: lease.prefix, gateway: lease.gateway, hairpin: !!conf.hairpinMode,
      });
      const made = JSON.parse(r.stdout) as Record<'bridge' | 'host' | 'pod', { name: string; mac: string }>;
      return JSON.stringify({
        cniVersion: conf.cniVersion,
        interfaces: [made.bridge, made.host, { ...made.pod, sandbox: inv.netns }],
        ips: [{ interface: 2, address: `${lease.address}/${lease.prefix}`, gateway: lease.gateway }],
        routes: conf.ipam.routes ?? [],
        dns: {},
      });
    } catch (e) {
      store.release(inv.containerId, inv.ifName, lease.address);
      throw e;
    }
  }

  /** op has the helper do a veth operation; a failure is the plugin's CNIError. */
  private async op(command: CNICommand, op: HelperOp): Promise<CommandResult> {
    let r: CommandResult;
    try {
      r = await this.runner.runHelperOp(op);
    } catch (e) {
      throw new CNIError('bridge', command, 0, (e as Error).message);
    }
    if (r.code !== 0) throw new CNIError('bridge', command, 0, r.stderr.trim() || `${op.op} failed`);
    return r;
  }
}

type SupportedConf = BridgeConf & { ipam: { ranges: [[{ subnet: string; gateway?: string }]]; routes?: Route[]; dataDir?: string } };

/** supported is the configuration when NativeBridge does what the plugins would: one IPv4 range of host-local, the bridge the gateway, no masquerade. */
function supported(conf: BridgeConf): SupportedConf | undefined {
  const ranges = conf.ipam?.ranges;
  if (!conf.isGateway || conf.ipMasq || conf.ipam?.type !== 'host-local' || ranges?.length !== 1 || ranges[0].length !== 1) return undefined;
  const subnet = ranges[0][0].subnet;
  if (!subnet || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(subnet)) return undefined;
  return conf as SupportedConf;
}
