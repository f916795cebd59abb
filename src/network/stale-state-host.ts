/** The machine a sweep of dead node agents' network state changes: iproute2, iptables, nft, umount. */
import { existsSync } from 'node:fs';
import { commands } from './command/command.js';
import { removeForwardingChain } from './forwarding-chain.js';
import { deleteNetns, netnsPath } from './netns.js';
import { masqueradeRule } from './pod-network-config.js';
import { applyNft } from './proxy/nft.js';
import { deleteTableScript } from './proxy/nftables-rules.js';
import type { StaleStateHost } from './stale-state.js';
import { mountPointsUnder } from '../util/mounts.js';
import { unmount } from './command/host-ops.js';

/** RealStaleStateHost changes the machine with iproute2, iptables, nft and umount through the command helper. */
export class RealStaleStateHost implements StaleStateHost {
  async bridgePorts(bridge: string): Promise<{ name: string; netnsId?: number }[]> {
    const r = await commands.run('ip', ['-j', 'link', 'show', 'master', bridge]);
    if (r.code !== 0) return [];
    return (JSON.parse(r.stdout || '[]') as { ifname: string; link_netnsid?: number }[]).map((l) => ({ name: l.ifname, netnsId: l.link_netnsid }));
  }

  async namedNetns(): Promise<{ name: string; id?: number }[]> {
    const r = await commands.run('ip', ['-j', 'netns', 'list']);
    if (r.code !== 0 || !r.stdout.trim()) return [];
    return JSON.parse(r.stdout) as { name: string; id?: number }[];
  }

  async deleteLink(name: string): Promise<boolean> {
    const r = await commands.run('ip', ['link', 'delete', name]);
    if (r.code === 0) return true;
    if (/Cannot find device|does not exist/i.test(r.stderr)) return false;
    throw new Error(`ip link delete ${name}: ${r.stderr.trim()}`);
  }

  async masqueradeRules(bridge: string): Promise<{ podCIDR: string; networkName: string }[]> {
    const { stdout } = await commands.runOk('iptables', ['-w', '-t', 'nat', '-S', 'POSTROUTING']);
    return stdout.split('\n').flatMap((line) => {
      const m = /^-A POSTROUTING -s (\S+) .*--comment "tskube (\S+) (\S+): masquerade pod traffic leaving the node" -j MASQUERADE$/.exec(line.trim());
      return m && m[3] === bridge ? [{ podCIDR: m[1], networkName: m[2] }] : [];
    });
  }

  async deleteMasquerade(podCIDR: string, networkName: string, bridge: string): Promise<void> {
    const rule = masqueradeRule(podCIDR, networkName, bridge);
    const r = await commands.run('iptables', ['-w', '-t', 'nat', '-D', 'POSTROUTING', ...rule]);
    // Another agent sweeping the same dead owner at once may have deleted it first.
    if (r.code !== 0 && (await commands.run('iptables', ['-w', '-t', 'nat', '-C', 'POSTROUTING', ...rule])).code === 0) {
      throw new Error(`iptables -t nat -D POSTROUTING (${bridge}, ${podCIDR}): ${r.stderr.trim()}`);
    }
  }

  async deleteNftTable(name: string): Promise<boolean> {
    if ((await commands.run('nft', ['list', 'table', 'ip', name])).code !== 0) return false;
    await applyNft(deleteTableScript(name));
    return true;
  }

  async removeRouteChain(chain: string): Promise<boolean> {
    return removeForwardingChain(chain);
  }

  async deleteRoute(podCIDR: string, via: string): Promise<void> {
    const r = await commands.run('ip', ['route', 'delete', podCIDR, 'via', via]);
    if (r.code !== 0 && !/No such process|not found/i.test(r.stderr)) throw new Error(`ip route delete ${podCIDR} via ${via}: ${r.stderr.trim()}`);
  }

  async deleteNetns(name: string): Promise<boolean> {
    const before = existsSync(netnsPath(name));
    await deleteNetns(name);
    return before;
  }

  mountsUnder(dir: string): string[] {
    return mountPointsUnder(dir);
  }

  async lazyUnmount(path: string): Promise<void> {
    const r = await unmount([path], true);
    // Another agent sweeping the same dead owner at once may have unmounted it first.
    if (r.code !== 0 && this.mountsUnder(path).includes(path)) throw new Error(`umount -l ${path}: ${r.stderr.trim()}`);
  }
}
