/**
 * Pod ranges for test clusters that run side by side on one machine. Each cluster needs a /16 of its
 * own (otherwise every host01 gets 10.244.0.0/24 and all but the first bridge lose their pods'
 * routes), and checking the routes is not enough: a cluster gets its route only with its first pod,
 * so two tests starting together could pick the same range. A range is claimed by renaming a
 * directory that already names its owner process into place (atomic across processes, and never
 * seen without its owner); a claim whose owner is gone is taken over, and release() gives it back.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processStartTime } from '../network/stale-state.js';

/** the claims: one directory per second octet, holding its owner's "PID START-TIME" */
const DEFAULT_CLAIMS_DIR = join(tmpdir(), 'tskube-test-cidrs');

/** ClaimedCIDR is a claimed /16 (10.B.0.0/16; prefix '10.B') and how to give it back. */
export interface ClaimedCIDR { cidr: string; prefix: string; release(): void }

export interface ClaimOptions {
  /** second octets to choose from (default 160–239) */
  octets?: number[];
  dir?: string;
  /** the machine's IPv4 routes (default `ip -4 route show`; a range a route touches is in use) */
  routes?: () => string;
  /** whether a claim's owner still runs (default: its PID has the recorded start time) */
  alive?: (pid: number, startTime: string) => boolean;
}

const machineRoutes = () => {
  try { return execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' }); } catch { return ''; }
};

const processAlive = (pid: number, startTime: string) => processStartTime(pid) === startTime;

/** claimTestCIDR claims a 10.B.0.0/16 no route touches and no live process has claimed, B chosen at random. */
export function claimTestCIDR(o: ClaimOptions = {}): ClaimedCIDR {
  const dir = o.dir ?? DEFAULT_CLAIMS_DIR;
  const alive = o.alive ?? processAlive;
  const me = `${process.pid} ${processStartTime(process.pid) ?? '0'}`;
  mkdirSync(dir, { recursive: true });
  const routes = (o.routes ?? machineRoutes)();
  const octets = (o.octets ?? Array.from({ length: 80 }, (_, i) => 160 + i)).filter((b) => !routes.includes(`10.${b}.`));
  // shuffled: parallel tests try different ranges first
  for (let i = octets.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [octets[i], octets[j]] = [octets[j], octets[i]];
  }
  for (const b of octets) {
    const claim = join(dir, String(b));
    if (!tryClaim(dir, claim, me, alive)) continue;
    return {
      cidr: `10.${b}.0.0/16`,
      prefix: `10.${b}`,
      release: () => { if (readOwner(claim) === me) rmSync(claim, { recursive: true, force: true }); },
    };
  }
  throw new Error(`no free pod range for a test cluster: every 10.B.0.0/16 of ${o.octets?.join(',') ?? '160–239'} is routed or claimed (${dir})`);
}

const readOwner = (claim: string) => { try { return readFileSync(join(claim, 'owner'), 'utf8'); } catch { return undefined; } };

/** tryClaim takes the claim directory for me; one whose owner is gone is removed and taken. */
function tryClaim(dir: string, claim: string, me: string, alive: (pid: number, startTime: string) => boolean): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    const mine = mkdtempSync(join(dir, '.new-'));
    writeFileSync(join(mine, 'owner'), me);
    try {
      // onto an existing claim (never empty) the rename fails
      renameSync(mine, claim);
      return true;
    } catch (e) {
      rmSync(mine, { recursive: true, force: true });
      if (!['EEXIST', 'ENOTEMPTY'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    }
    const owner = readOwner(claim);
    if (owner === undefined) continue;
    const [pid, start] = owner.split(' ');
    if (alive(Number(pid), start)) return false;
    // Moved aside first (a rename is atomic: of two takers one gets it). If another taker had
    // meanwhile removed the dead claim and made its own, that one is put back.
    const stale = `${claim}.stale-${process.pid}-${attempt}`;
    try { renameSync(claim, stale); } catch { return false; }
    if (readOwner(stale) !== owner) {
      try { renameSync(stale, claim); } catch { /* claimed again meanwhile */ }
      return false;
    }
    rmSync(stale, { recursive: true, force: true });
  }
  return false;
}
