import { after, before } from 'node:test';
import { runBackendContract } from '../contract.js';
import { EtcdBackend } from './etcd-backend.js';
import { ETCD_BIN, startTestEtcd, type TestEtcd } from './test-etcd.js';
import { describeNeeding, requireTool } from '../../testing/system-tools.js';

// Debian's etcd, which npm does not install: skipped where it is missing, required in CI (.ci/run).
const etcdInstalled = requireTool({ name: 'etcd', path: ETCD_BIN, apt: 'etcd-server' });

describeNeeding('etcd backend', { timeout: 5 * 60_000, ...etcdInstalled }, () => {
  let etcd: TestEtcd | undefined;
  let n = 0;
  before(async () => { etcd = await startTestEtcd(); }, { timeout: 60_000 });
  after(async () => { await etcd?.stop(); });

  // Each test gets its own key prefix on one etcd; revisions and compaction are cluster-wide.
  runBackendContract('etcd', async () => {
    if (!etcd) throw new Error('etcd did not start');
    return EtcdBackend.open({ endpoints: [etcd.endpoint], prefix: `/t${n++}` });
  });
});
