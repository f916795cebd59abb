import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { groupsOfUser, parseGroup, parsePasswd, resolveUser } from './rootfs.js';

function imageRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-rootfs-'));
  fs.mkdirSync(path.join(dir, 'etc'));
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101:nginx:/var/cache/nginx:/sbin/nologin\napp:x:1000:1000::/home/app:/bin/sh\nbroken line\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\nnginx:x:101:\nwww:x:33:nginx,app\nvideo:x:44:app\n');
  return dir;
}

test('passwd and group files parse, malformed lines skipped', () => {
  assert.deepEqual(parsePasswd('a:x:1:2:g:/h:/s\nbad\nb:x:z:1::/:/\n'), [{ name: 'a', uid: 1, gid: 2, home: '/h' }]);
  assert.deepEqual(parseGroup('g:x:7:a, b\nh:x:8:\n'), [{ name: 'g', gid: 7, members: ['a', 'b'] }, { name: 'h', gid: 8, members: [] }]);
});

test('resolveUser: the agent\'s user wins; the image\'s USER name resolves in its /etc/passwd and /etc/group; groups it lists the user in are added', () => {
  const root = imageRoot();
  try {
    assert.deepEqual(resolveUser(root, undefined, undefined), { uid: 0, gid: 0, additionalGids: [] });
    assert.deepEqual(resolveUser(root, undefined, 'nginx'), { uid: 101, gid: 101, additionalGids: [33] });
    assert.deepEqual(resolveUser(root, undefined, 'nginx:video'), { uid: 101, gid: 44, additionalGids: [33] });
    assert.deepEqual(resolveUser(root, undefined, '1000'), { uid: 1000, gid: 1000, additionalGids: [33, 44] });
    assert.deepEqual(resolveUser(root, undefined, '4242:55'), { uid: 4242, gid: 55, additionalGids: [] });
    assert.deepEqual(resolveUser(root, { uid: 1000, gid: 3000, supplementalGroups: [2000, 44] }, 'nginx'), { uid: 1000, gid: 3000, additionalGids: [33, 44, 2000] });
    assert.throws(() => resolveUser(root, undefined, 'nobody'), /no users found for "nobody"/);
    assert.throws(() => resolveUser(root, undefined, 'app:staff'), /no groups found for "staff"/);
    // A symlink out of the image is not followed: the image has no such file then.
    fs.rmSync(path.join(root, 'etc/passwd'));
    fs.symlinkSync('/etc/passwd', path.join(root, 'etc/passwd'));
    assert.throws(() => resolveUser(root, undefined, 'root'), /no users found/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('groupsOfUser: the image\'s /etc/group entries naming the user as a member, its own-named group aside, as containerd reads them', () => {
  const passwd = parsePasswd('root:x:0:0:root:/root:/bin/sh\nuser-defined-in-image:x:1000:1000::/home/u:/bin/sh\n');
  const group = parseGroup('root:x:0:root\nwheel:x:10:root\nuser-defined-in-image:x:1000:user-defined-in-image\ngroup-defined-in-image:x:50000:user-defined-in-image\n');
  assert.deepEqual(groupsOfUser(passwd, group, 1000), [50000]);
  assert.deepEqual(groupsOfUser(passwd, group, 0), [10]);
  assert.deepEqual(groupsOfUser(passwd, group, 2000), [], 'a uid without a name is in no group');
});
