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
  const images = {
    // agnhost:2.45: ENTRYPOINT ["/agnhost"], CMD ["pause"], on alpine (busybox's sh) with curl; /agnhost-2 is its second name (entrypoint specs).
    [`${E2E}/agnhost:2.45`]: { entrypoint: ['/agnhost'], cmd: ['pause'], applets: 'busybox', files: { '/agnhost': agnhost, '/agnhost-2': agnhost, '/localhost.crt': crt, '/localhost.key': key, ...sh } },
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
