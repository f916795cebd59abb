import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, test, type TestOptions } from 'node:test';

/**
 * Tests that need a program `npm ci` does not install (etcd, kubectl, unshare, root for Linux
 * namespaces) declare it here. Where it is missing they are skipped, with the reason and the
 * install line printed by node's test runner, so `npm ci && npm test` passes on a machine with
 * only Node. CI sets TSKUBE_REQUIRE_SYSTEM_TOOLS=1 (.ci/run): there a missing tool is a failing
 * test instead, so no suite is ever lost silently.
 */

/** REQUIRE_SYSTEM_TOOLS_ENV names the variable that turns a missing tool from a skip into a failure. */
export const REQUIRE_SYSTEM_TOOLS_ENV = 'TSKUBE_REQUIRE_SYSTEM_TOOLS';

/** SystemTool describes one thing a test needs from the machine and how to get it. */
export interface SystemTool {
  /** what the reason names: "etcd" */
  name: string;
  /** an absolute path that must be an executable file (etcd's /usr/bin/etcd) */
  path?: string;
  /** a command looked up in $PATH (kubectl) */
  command?: string;
  /** a predicate, for requirements that are not a file (running as root) */
  check?: () => boolean;
  /** the Debian package that provides it: the reason then says `apt-get install <apt>` */
  apt?: string;
  /** how to get it when no Debian package provides it */
  install?: string;
  /** what is wrong when it is absent, if not "<name> not installed" */
  missing?: string;
}

/** ToolOptions are node:test options: `skip` holds the reason when a tool is missing. */
export interface ToolOptions {
  skip?: string;
}

/** KUBECTL is the real kubectl the end-to-end tests drive (Debian's kubernetes-client is far older than 1.32). */
export const KUBECTL: SystemTool = {
  name: 'kubectl',
  command: 'kubectl',
  install: "install Kubernetes' own kubectl v1.32 binary in PATH (Debian's kubernetes-client is too old)",
};

/** UNSHARE is util-linux's unshare, which the process runtime uses to give containers namespaces. */
export const UNSHARE: SystemTool = { name: 'unshare', command: 'unshare', apt: 'util-linux' };

/** IPROUTE2 is iproute2's ip (network namespaces, links, routes). */
export const IPROUTE2: SystemTool = { name: 'ip', command: 'ip', apt: 'iproute2' };

/** PYTHON3 runs the node agent's command helper, the OCI runtime's container monitor and the catalog's python-based images. */
export const PYTHON3: SystemTool = { name: 'python3', path: '/usr/bin/python3', apt: 'python3' };

/** ROOT is running as root, which Linux namespaces and overlay mounts need. */
export const ROOT: SystemTool = {
  name: 'root',
  check: () => process.getuid?.() === 0,
  missing: 'not running as root',
  install: 'run the tests as root (Linux namespaces need it)',
};

/** hasTool reports whether the tool is there: its path is an executable file, its command is in PATH, its check passes. */
export function hasTool(tool: SystemTool, env: NodeJS.ProcessEnv = process.env): boolean {
  if (tool.path !== undefined && !isExecutable(tool.path)) return false;
  if (tool.command !== undefined && !(env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && isExecutable(join(dir, tool.command!)))) return false;
  if (tool.check !== undefined && !tool.check()) return false;
  return true;
}

/** missingReason is the one-line explanation, e.g. "etcd not installed — apt-get install etcd-server". */
export function missingReason(tool: SystemTool): string {
  const what = tool.missing ?? `${tool.name} not installed`;
  const how = tool.apt ? `apt-get install ${tool.apt}` : tool.install;
  return how ? `${what} — ${how}` : what;
}

/** systemToolsRequired reports whether TSKUBE_REQUIRE_SYSTEM_TOOLS=1 (CI) makes a missing tool a failure. */
export function systemToolsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[REQUIRE_SYSTEM_TOOLS_ENV] === '1';
}

// One failing test per missing tool and test file, however many suites require it.
const reportedMissing = new Set<string>();

/**
 * requireTool returns node:test options for tests that need these tools: `{}` when all are there,
 * else `{ skip: "skipped: etcd not installed — apt-get install etcd-server" }`. With
 * TSKUBE_REQUIRE_SYSTEM_TOOLS=1 a missing tool also registers a failing test named "requires <tool>"
 * (where requireTool is called), so the run fails with the install line instead of skipping.
 */
export function requireTool(...tools: SystemTool[]): ToolOptions {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return {};
  const reason = missing.map(missingReason).join('; ');
  if (systemToolsRequired()) {
    for (const tool of missing) {
      if (reportedMissing.has(tool.name)) continue;
      reportedMissing.add(tool.name);
      test(`requires ${tool.name}`, () => {
        throw new Error(`${missingReason(tool)} (${REQUIRE_SYSTEM_TOOLS_ENV}=1: a missing system tool fails the run)`);
      });
    }
  }
  return { skip: `skipped: ${reason}` };
}

/**
 * describeNeeding is describe() for a suite gated by requireTool. node's test runner counts skipped
 * tests but not skipped suites, so a skipped suite is reported as one skipped test of the same name
 * (its hooks, which would start etcd or a cluster, never run).
 */
export function describeNeeding(name: string, options: TestOptions & ToolOptions, fn: () => void): void {
  if (options.skip) {
    test(name, { skip: options.skip }, () => {});
    return;
  }
  describe(name, options, fn);
}

/** isExecutable (private) reports whether p is a file this process may execute. */
function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** DOCKER_REGISTRY is Debian's distribution registry, which the image tests start on 127.0.0.1 and push to. */
export const DOCKER_REGISTRY: SystemTool = { name: 'docker-registry', path: '/usr/bin/docker-registry', apt: 'docker-registry' };

/** RUNC is the OCI runtime the oci runtime drives. */
export const RUNC: SystemTool = { name: 'runc', path: '/usr/sbin/runc', apt: 'runc' };

/** CONTAINERD is the container daemon the cri runtime talks to over the CRI. */
export const CONTAINERD: SystemTool = { name: 'containerd', path: '/usr/bin/containerd', apt: 'containerd' };

/** BUSYBOX_STATIC is the static busybox the test images are built from (it runs in any root filesystem). */
export const BUSYBOX_STATIC: SystemTool = { name: 'busybox-static', path: '/bin/busybox', apt: 'busybox-static' };
