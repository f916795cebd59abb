/**
 * NodeTree orders node names by zone (internal/cache/node_tree.go): listing takes one node of each
 * zone in turn, so evaluating only a percentage of the nodes still spreads over zones.
 */
import type { Node } from '../framework/api.js';

/** zoneKey is region + ":\0:" + zone from the topology labels ('' without them). */
export function zoneKey(node: Readonly<Node>): string {
  const l = node.metadata?.labels ?? {};
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\u0000:${zone}`;
}

/** NodeTree holds node names per zone. */
export class NodeTree {
  private readonly tree = new Map<string, string[]>();
  /** each zone's names as a set: membership without scanning the list (1,000 registering nodes made that O(n²)) */
  private readonly members = new Map<string, Set<string>>();
  private zones: string[] = [];
  numNodes = 0;

  /** addNode adds a node under its zone (no-op if present). */
  addNode(node: Readonly<Node>): void {
    const zone = zoneKey(node);
    const name = node.metadata?.name ?? '';
    let names = this.tree.get(zone);
    let members = this.members.get(zone);
    if (!names || !members) {
      names = [];
      members = new Set();
      this.tree.set(zone, names);
      this.members.set(zone, members);
      this.zones.push(zone);
    }
    if (members.has(name)) return;
    members.add(name);
    names.push(name);
    this.numNodes++;
  }

  /** removeNode removes a node. */
  removeNode(node: Readonly<Node>): void {
    const zone = zoneKey(node);
    const names = this.tree.get(zone);
    if (!names) return;
    const i = names.indexOf(node.metadata?.name ?? '');
    if (i < 0) return;
    names.splice(i, 1);
    this.members.get(zone)?.delete(node.metadata?.name ?? '');
    this.numNodes--;
    if (!names.length) {
      this.tree.delete(zone);
      this.members.delete(zone);
      this.zones = this.zones.filter((z) => z !== zone);
    }
  }

  /** updateNode moves a node whose zone changed. */
  updateNode(old: Readonly<Node> | undefined, node: Readonly<Node>): void {
    if (old && zoneKey(old) === zoneKey(node)) return;
    if (old) this.removeNode(old);
    this.addNode(node);
  }

  /** list interleaves the zones: the first node of each zone, then the second of each… */
  list(): string[] {
    const out: string[] = [];
    if (this.zones.length === 1) return [...this.tree.get(this.zones[0])!];
    for (let i = 0; out.length < this.numNodes; i++) {
      for (const z of this.zones) {
        const names = this.tree.get(z)!;
        if (i < names.length) out.push(names[i]);
      }
    }
    return out;
  }
}
