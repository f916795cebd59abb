// Image catalog for Kubernetes' conformance tests (issue 15): the e2e specs run their containers
// from registry.k8s.io/e2e-test-images/*, which cannot be pulled here. The process runtime runs an
// image from a catalog entry (src/runtime/images.yaml); this hook writes one for the test images,
// built from the agnhost binary the conformance tools ship and Debian's busybox-static, so the
// product itself never depends on where the tests keep their tools.
//
// nonewprivs:1.3 is built with the host's C compiler (a setuid-root program), when there is one.
// Left out on purpose: nginx:1.14-4 and httpd:2.4.38-4. Debian's nginx/apache2 are not installed
// here and their configuration and document roots differ from the images' (the specs that use them
// only need "a web server on port 80"); mapping them to something else would not be the image.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const E2E = 'registry.k8s.io/e2e-test-images';

/**
 * conformanceImages writes an image catalog for the conformance test images and returns its path.
 * agnhostPath is the agnhost v2.45 binary (the image's ENTRYPOINT, /agnhost).
 */
export async function conformanceImages(agnhostPath, dir = path.join(os.tmpdir(), 'tskube-conformance-images')) {
  if (!fs.existsSync(agnhostPath)) throw new Error(`agnhost binary not found: ${agnhostPath}`);
  fs.mkdirSync(dir, { recursive: true });
  // `applets: busybox`: the images' /bin is busybox's (Debian's busybox-static, where installed), and
  // so is /bin/sh: the specs match busybox's own messages ("/bin/sh: can't create /file: …").
  const sh = fs.existsSync('/bin/busybox') ? { '/bin/sh': '/bin/busybox' } : {};
  // The agnhost image carries a self-signed certificate for localhost (/localhost.crt, /localhost.key)
  // that `netexec --tls-cert-file` serves HTTPS with (the HTTPS lifecycle-hook specs).
  const crt = path.join(dir, 'localhost.crt');
  const key = path.join(dir, 'localhost.key');
  if (!fs.existsSync(crt) || !fs.existsSync(key)) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '3650', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    fs.chmodSync(key, 0o644);
  }
  const agnhost = path.resolve(agnhostPath);
  const nnp = buildNonewprivs(dir);
  const alpine = alpineShell(dir);
  const images = {
    // agnhost:2.45: ENTRYPOINT ["/agnhost"], CMD ["pause"], on alpine (busybox's sh) with curl; /agnhost-2 is its second name (entrypoint specs).
    // Alpine's busybox sh looks commands up on PATH, where its netcat-openbsd package's nc shadows
    // busybox's (the node-pod udp spec runs `nc -w 1 -u`): see alpineShell.
    [`${E2E}/agnhost:2.45`]: {
      entrypoint: ['/agnhost'], cmd: ['pause'], applets: 'busybox',
      ...(alpine ? { env: { PATH: '/usr/local/sbin:/usr/local/bin:${APPLETS}:/usr/sbin:/usr/bin:/sbin:/bin' } } : {}),
      files: { '/agnhost': agnhost, '/agnhost-2': agnhost, '/localhost.crt': crt, '/localhost.key': key, ...sh, ...(alpine ?? {}) },
    },
    // busybox:1.36.1-1: CMD ["sh"].
    // Applets the specs call by absolute path that Debian keeps elsewhere (/usr/sbin/sysctl) are bound at /bin too.
    [`${E2E}/busybox:1.36.1-1`]: { cmd: ['sh'], applets: 'busybox', files: { ...sh, ...(sh['/bin/sh'] ? { '/bin/sysctl': '/bin/busybox' } : {}) } },
    // nonroot:1.4: busybox with USER 1234 (the e2e framework's nonRootTestUserID).
    [`${E2E}/nonroot:1.4`]: { cmd: ['sh'], user: '1234', applets: 'busybox', files: { ...sh } },
  };
  // nonewprivs:1.3: ENTRYPOINT ["/usr/local/bin/nnp"], a setuid-root program printing its effective uid.
  if (nnp) images[`${E2E}/nonewprivs:1.3`] = { entrypoint: ['/usr/local/bin/nnp'], applets: 'busybox', files: { '/usr/local/bin/nnp': nnp, ...sh } };
  const file = path.join(dir, 'conformance-images.yaml');
  // JSON is YAML: the catalog loader reads it as such.
  fs.writeFileSync(file, `# written by test/conformance/images.mjs\n${JSON.stringify({ images }, null, 2)}\n`);
  return file;
}

const OPENBSD_NC = '/bin/nc.openbsd';

/**
 * alpineShell returns the agnhost image's files that make its shell behave as alpine's: a busybox
 * whose sh runs commands found on PATH (Debian's busybox-static is built to prefer its own applets
 * whatever PATH holds; Debian's dynamic `busybox` package is not, so it is unpacked here from its
 * .deb, without installing it) and OpenBSD's nc at /usr/local/bin/nc (alpine's netcat-openbsd, with
 * -u). Undefined when either cannot be had: the image then keeps busybox-static's sh.
 */
function alpineShell(dir) {
  if (!fs.existsSync(OPENBSD_NC)) return undefined;
  const sh = fs.existsSync('/bin/busybox') && !prefersApplets('/bin/busybox') ? '/bin/busybox' : unpackedBusybox(path.join(dir, 'busybox-deb'));
  return sh ? { '/bin/sh': sh, '/usr/local/bin/nc': OPENBSD_NC } : undefined;
}

/** prefersApplets tells whether a busybox's sh runs its own applet over a program of that name on PATH. */
function prefersApplets(busybox) {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'busybox-probe-'));
  try {
    fs.writeFileSync(path.join(probe, 'nc'), '#!/bin/sh\necho from-path\n', { mode: 0o755 });
    const out = execFileSync(busybox, ['sh', '-c', 'nc 2>/dev/null; true'], { env: { PATH: probe }, encoding: 'utf8', timeout: 5000 });
    return !out.includes('from-path');
  } catch { return true; } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

/** unpackedBusybox unpacks Debian's `busybox` package into dir (once) and returns its binary, if it can. */
function unpackedBusybox(dir) {
  const bin = path.join(dir, 'bin', 'busybox');
  if (fs.existsSync(bin) && !prefersApplets(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  const download = () => execFileSync('apt-get', ['download', '-qq', 'busybox'], { cwd: dir, stdio: 'ignore', timeout: 120_000 });
  try {
    try { download(); } catch {
      // No package lists yet on a fresh machine.
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000 });
      download();
    }
    const deb = fs.readdirSync(dir).find((f) => f.startsWith('busybox_') && f.endsWith('.deb'));
    if (!deb) return undefined;
    execFileSync('dpkg-deb', ['-x', path.join(dir, deb), dir], { stdio: 'ignore' });
  } catch (e) {
    console.error(`conformance images: cannot unpack Debian's busybox package (${e.message}); the agnhost image keeps busybox-static's sh, whose nc has no -u`);
    return undefined;
  }
  return fs.existsSync(bin) && !prefersApplets(bin) ? bin : undefined;
}

/**
 * buildNonewprivs compiles the nonewprivs image's program (setuid root, prints "Effective uid: N")
 * with the host's C compiler; undefined when there is none (the image is then left out).
 */
function buildNonewprivs(dir) {
  const bin = path.join(dir, 'nnp');
  if (!fs.existsSync(bin)) {
    const src = path.join(dir, 'nnp.c');
    fs.writeFileSync(src, '#include <stdio.h>\n#include <unistd.h>\nint main(void) { printf("Effective uid: %d\\n", (int)geteuid()); return 0; }\n');
    try { execFileSync('cc', ['-O2', '-o', bin, src], { stdio: 'ignore' }); } catch { return undefined; }
  }
  // setuid root: only no_new_privs (allowPrivilegeEscalation: false) keeps the caller's uid.
  try {
    fs.chownSync(bin, 0, 0);
    fs.chmodSync(bin, 0o4755);
  } catch { return undefined; }
  return bin;
}
