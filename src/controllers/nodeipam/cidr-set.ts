import { formatCIDR, overlaps, parseCIDR, size, subnet, subnetCount, type IPv4CIDR } from '../../network/cidr.js';

/** ErrCIDRRangeNoCIDRsRemaining is upstream's error when every subnet is taken. */
export class CIDRRangeNoCIDRsRemainingError extends Error {
  constructor() {
    super('CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range');
    this.name = 'CIDRRangeNoCIDRsRemainingError';
  }
}

/** CIDRSetError says a cluster CIDR / mask size pair cannot be split (worded as upstream's cidrset). */
export class CIDRSetError extends Error {}

/**
 * CIDRSet hands out the /maskSize subnets of a cluster CIDR, as kube-controller-manager's cidrset:
 * allocateNext searches from a rotating candidate (so a just-released subnet is not handed out again
 * at once), occupy marks a subnet some node already has, release frees it.
 */
export class CIDRSet {
  readonly cluster: IPv4CIDR;
  private readonly used: Uint8Array;
  private nextCandidate = 0;
  private allocated = 0;

  constructor(clusterCIDR: string, readonly maskSize: number) {
    this.cluster = parseCIDR(clusterCIDR);
    if (maskSize < this.cluster.prefix) {
      throw new CIDRSetError(`subNetMaskSize ${maskSize} is smaller than the mask size of the cluster CIDR ${formatCIDR(this.cluster)}`);
    }
    // cidrset refuses more than 2^16 subnets per cluster CIDR: the bitmap stays small.
    if (maskSize - this.cluster.prefix > 16) {
      throw new CIDRSetError('CIDRSet.subNetMaskSize: the difference between the cluster CIDR mask and the subnet mask must be at most 16');
    }
    this.used = new Uint8Array(subnetCount(this.cluster, maskSize));
  }

  /** capacity is how many subnets the set holds. */
  get capacity(): number { return this.used.length; }

  /** allocatedCount is how many are taken. */
  get allocatedCount(): number { return this.allocated; }

  /** allocateNext takes the next free subnet after the last one handed out. */
  allocateNext(): string {
    for (let i = 0; i < this.used.length; i++) {
      const idx = (this.nextCandidate + i) % this.used.length;
      if (this.used[idx]) continue;
      this.used[idx] = 1;
      this.allocated++;
      this.nextCandidate = (idx + 1) % this.used.length;
      return formatCIDR(subnet(this.cluster, this.maskSize, idx));
    }
    throw new CIDRRangeNoCIDRsRemainingError();
  }

  /**
   * occupy marks every subnet that cidr covers as taken (a node that already has it, or the
   * Service range cut out of the cluster CIDR). A cidr outside the cluster CIDR is an error.
   */
  occupy(cidr: string): void {
    for (const idx of this.indexes(cidr)) {
      if (!this.used[idx]) { this.used[idx] = 1; this.allocated++; }
    }
  }

  /** release frees the subnets cidr covers. */
  release(cidr: string): void {
    for (const idx of this.indexes(cidr)) {
      if (this.used[idx]) { this.used[idx] = 0; this.allocated--; }
    }
  }

  /** isAllocated reports whether cidr is one of the taken subnets. */
  isAllocated(cidr: string): boolean {
    const idx = this.indexes(cidr);
    return idx.length > 0 && idx.every((i) => this.used[i] === 1);
  }

  private indexes(cidr: string): number[] {
    const c = parseCIDR(cidr);
    if (!overlaps(c, this.cluster)) throw new CIDRSetError(`cidr ${cidr} is out the range of cluster cidr ${formatCIDR(this.cluster)}`);
    // The subnets of the cluster CIDR that c touches: from the later start to the earlier end.
    const step = 2 ** (32 - this.maskSize);
    const from = Math.max(c.base, this.cluster.base);
    const to = Math.min(c.base + size(c), this.cluster.base + size(this.cluster)) - 1;
    const first = Math.floor((from - this.cluster.base) / step);
    const last = Math.floor((to - this.cluster.base) / step);
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  }
}
