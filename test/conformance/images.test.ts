import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImageCatalog } from '../../src/runtime/image-catalog.js';
// @ts-expect-error: a plain ES module of the conformance runner, without types
import { conformanceImages } from './images.mjs';

test('the conformance image catalog: agnhost runs /agnhost (pause by default), busybox runs sh, nonroot runs as 1234; nginx and httpd are left out', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-images-'));
  try {
    const agnhost = path.join(dir, 'agnhost');
    fs.writeFileSync(agnhost, '#!/bin/sh\n', { mode: 0o755 });
    const file: string = await conformanceImages(agnhost, path.join(dir, 'catalog'));
    const catalog = new ImageCatalog([file]);
    const a = catalog.resolve('registry.k8s.io/e2e-test-images/agnhost:2.45', false);
    assert.deepEqual([a.entrypoint, a.cmd], [['/agnhost'], ['pause']]);
    assert.equal(a.files?.['/agnhost'], agnhost);
    assert.equal(a.files?.['/agnhost-2'], agnhost);
    assert.ok(fs.existsSync(a.files!['/localhost.crt']) && fs.existsSync(a.files!['/localhost.key']));
    // The agnhost image's sh finds alpine's OpenBSD nc (with -u) on PATH ahead of busybox's applets, where the host has both.
    if (a.files?.['/usr/local/bin/nc']) {
      assert.equal(a.env?.PATH, '/usr/local/sbin:/usr/local/bin:${APPLETS}:/usr/sbin:/usr/bin:/sbin:/bin');
      const bin = path.join(dir, 'usr-local-bin');
      fs.mkdirSync(bin);
      fs.symlinkSync(a.files['/usr/local/bin/nc'], path.join(bin, 'nc'));
      const out = spawnSync(a.files['/bin/sh'], ['-c', 'nc -h 2>&1; true'], { argv0: 'sh', env: { PATH: bin }, encoding: 'utf8' }).stdout;
      assert.match(out, /OpenBSD netcat/);
    }
    assert.deepEqual(catalog.resolve('registry.k8s.io/e2e-test-images/busybox:1.36.1-1', false).cmd, ['sh']);
    assert.deepEqual(catalog.resolve('registry.k8s.io/e2e-test-images/nonroot:1.4', false).user, { uid: 1234 });
    for (const image of ['registry.k8s.io/e2e-test-images/nginx:1.14-4', 'registry.k8s.io/e2e-test-images/httpd:2.4.38-4']) {
      assert.throws(() => catalog.resolve(image, false), /not in this node's image catalog/);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
