import { after, before } from 'node:test';
import { runBackendContract } from '../contract.js';
import { EtcdBackend } from './etcd-backend.js';
import { startTestEtcd, type TestEtcd } from './test-etcd.js';

let etcd: TestEtcd | undefined;
let n = 0;
before(async () => { etcd = await startTestEtcd(); });
after(async () => { await etcd?.stop(); });

// Each test gets its own key prefix on one etcd; revisions and compaction are cluster-wide.
runBackendContract('etcd', async () => {
  if (!etcd) throw new Error('etcd did not start');
  return EtcdBackend.open({ endpoints: [etcd.endpoint], prefix: `/t${n++}` });
});
