// End-to-end: Deployments with the real kubectl against `tskube up --nodes 2` — seed 002's nginx
// walkthrough (apply, a deleted pod replaced, scale, rolling updates, rollout status / history /
// undo / pause / resume / restart, change-cause), seed 004's rolling update of redis-master with
// rollout undo, and `kubectl create deployment`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, waitFor, type Cluster } from './harness.js';

let c: Cluster;
const k = (args: string[], input?: string) => kubectl(c, args, { input });
const ok = async (args: string[], input?: string) => {
  const r = await k(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const json = async <T = Record<string, unknown>>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '-o', 'json'])) as T;

interface Meta { name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string; uid: string }[] }
interface PodJson { metadata: Meta; spec: { containers: { image: string }[] }; status?: { phase?: string } }
interface RSJson { metadata: Meta; spec: { replicas: number; template: { spec: { containers: { image: string }[] } } }; status: { replicas?: number; readyReplicas?: number } }

const livePods = async (selector: string) =>
  (await json<{ items: PodJson[] }>(['get', 'pods', '-l', selector])).items.filter((p) => !p.metadata.deletionTimestamp);
/** replicaSets lists the ReplicaSets a Deployment controls, by revision. */
const replicaSets = async (deploy: string) => {
  const d = await json<{ metadata: Meta }>(['get', 'deployment', deploy]);
  return (await json<{ items: RSJson[] }>(['get', 'rs'])).items
    .filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid))
    .sort((a, b) => Number(a.metadata.annotations?.['deployment.kubernetes.io/revision']) - Number(b.metadata.annotations?.['deployment.kubernetes.io/revision']));
};
/** deployRow is `kubectl get deployment NAME --no-headers` split into NAME READY UP-TO-DATE AVAILABLE AGE. */
const deployRow = async (name: string) => (await ok(['get', 'deployment', name, '--no-headers'])).trim().split(/\s+/);
const isRow = (name: string, ready: string, upToDate: string, available: string) => async () => {
  const r = await deployRow(name);
  return r[1] === ready && r[2] === upToDate && r[3] === available;
};
/** rolledOut waits for `kubectl rollout status` to say the rollout finished (it waits itself; retried when it times out). */
const rolledOut = (name: string) => waitFor(async () => {
  const r = await k(['rollout', 'status', `deployment/${name}`, '--timeout=20s']);
  return r.code === 0 && r.stdout.includes(`deployment "${name}" successfully rolled out`);
}, `${name} rolled out`, 20);

const HASH = '[bcdfghjklmnpqrstvwxz2456789]{1,10}';

/**
 * The process runtime gives pods the host's network (no pod network namespaces yet), so two nginx
 * pods on one machine would both bind :80 and all but one crash-loop. Until pods get their own
 * network, each nginx listens on a free port (NGINX_PORT=0); everything the controllers do is the same.
 */
const PORT_WORKAROUND = `        env:
        - name: NGINX_PORT
          value: "0"
`;

/** The book's nginx-deploy.yaml (plus PORT_WORKAROUND). */
const NGINX_DEPLOY = `---
kind: Deployment
apiVersion: apps/v1
metadata:
  name: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx
${PORT_WORKAROUND}        resources:
          requests:
            cpu: "100m"
`;

describe('Deployments', () => {
  before(async () => {
    c = await startCluster({ nodes: 2 });
    await waitFor(async () => (await k(['get', 'nodes', '--no-headers'])).stdout.match(/\bReady\b/g)?.length === 2, '2 Ready nodes', 240);
  });
  after(async () => { await c?.stop(); });

  describe('seed 002: the nginx Deployment', () => {
    let firstRS = '';

    it('kubectl apply -f nginx-deploy.yaml: 3/3 ready, pods nginx-<hash>-xxxxx, one ReplicaSet nginx-<hash>', async () => {
      assert.match(await ok(['apply', '-f', '-'], NGINX_DEPLOY), /^deployment.apps\/nginx created$/m);
      await waitFor(isRow('nginx', '3/3', '3', '3'), 'nginx 3/3', 480);
      const table = await ok(['get', 'deployment', 'nginx']);
      assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nnginx\s+3\/3\s+3\s+3\s+\S+\n$/);

      const [rs] = await replicaSets('nginx');
      firstRS = rs.metadata.name;
      const hash = rs.metadata.labels!['pod-template-hash'];
      assert.match(firstRS, new RegExp(`^nginx-${HASH}$`));
      assert.equal(firstRS, `nginx-${hash}`);
      const pods = await livePods('app=nginx');
      assert.equal(pods.length, 3);
      for (const p of pods) {
        assert.match(p.metadata.name, new RegExp(`^${firstRS}-[a-z0-9]{5}$`));
        assert.deepEqual(p.metadata.labels, { app: 'nginx', 'pod-template-hash': hash });
      }
      assert.match(await ok(['get', 'replicasets']), new RegExp(`^${firstRS}\\s+3\\s+3\\s+3\\s+\\S+$`, 'm'));
      assert.match(await ok(['get', 'rs', '-o', 'wide']), new RegExp(`^${firstRS}\\s+3\\s+3\\s+3\\s+\\S+\\s+nginx\\s+nginx\\s+app=nginx,pod-template-hash=${hash}$`, 'm'));

      const d = await json<{ metadata: Meta; status: Record<string, unknown> & { conditions: { type: string; status: string; reason: string; message: string }[] } }>(['get', 'deployment', 'nginx']);
      assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
      assert.deepEqual(
        d.status.conditions.map((x) => [x.type, x.status, x.reason, x.message]).sort(),
        [['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
          ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${firstRS}" has successfully progressed.`]],
      );
      assert.deepEqual({ ...d.status, conditions: undefined }, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, conditions: undefined });
    });

    it('kubectl describe pod / deployment, kubectl get all -l app=nginx', async () => {
      const [pod] = await livePods('app=nginx');
      const dp = await ok(['describe', 'pod', pod.metadata.name]);
      assert.match(dp, /^Labels:\s+app=nginx\n\s+pod-template-hash=/m);
      assert.match(dp, new RegExp(`^Controlled By:\\s+ReplicaSet/${firstRS}$`, 'm'));
      const dd = await ok(['describe', 'deployment', 'nginx']);
      assert.match(dd, /^Selector:\s+app=nginx$/m);
      assert.match(dd, /^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$/m);
      assert.match(dd, /^StrategyType:\s+RollingUpdate$/m);
      assert.match(dd, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
      assert.match(dd, /^\s+Available\s+True\s+MinimumReplicasAvailable$/m);
      assert.match(dd, /^\s+Progressing\s+True\s+NewReplicaSetAvailable$/m);
      assert.match(dd, /^OldReplicaSets:\s+<none>$/m);
      assert.match(dd, new RegExp(`^NewReplicaSet:\\s+${firstRS} \\(3/3 replicas created\\)$`, 'm'));
      assert.match(dd, new RegExp(`Normal\\s+ScalingReplicaSet\\s+\\S+\\s+deployment-controller\\s+Scaled up replica set ${firstRS} from 0 to 3`));
      const all = await ok(['get', 'all', '-l', 'app=nginx']);
      assert.match(all, new RegExp(`^pod/${firstRS}-[a-z0-9]{5}\\s+1/1\\s+Running\\s+0\\s+`, 'm'));
      assert.match(all, new RegExp(`^replicaset.apps/${firstRS}\\s+3\\s+3\\s+3\\s+`, 'm'));
    });

    it('a deleted pod is replaced', async () => {
      const [victim] = await livePods('app=nginx');
      assert.match(await ok(['delete', 'pod', victim.metadata.name, '--wait=false']), new RegExp(`pod "${victim.metadata.name}" deleted`));
      await waitFor(async () => {
        const live = (await livePods('app=nginx')).map((p) => p.metadata.name);
        return live.length === 3 && !live.includes(victim.metadata.name);
      }, 'a replacement pod', 240);
      await waitFor(isRow('nginx', '3/3', '3', '3'), 'nginx 3/3 again', 480);
    });

    it('kubectl scale --replicas=4 deployment nginx, then --replicas=2', async () => {
      assert.match(await ok(['scale', '--replicas=4', 'deployment', 'nginx']), /^deployment.apps\/nginx scaled$/m);
      await waitFor(isRow('nginx', '4/4', '4', '4'), 'nginx 4/4', 480);
      assert.equal((await livePods('app=nginx')).length, 4);
      assert.match(await ok(['scale', '--replicas=2', 'deployment', 'nginx']), /^deployment.apps\/nginx scaled$/m);
      await waitFor(isRow('nginx', '2/2', '2', '2'), 'nginx 2/2', 480);
      await waitFor(async () => (await livePods('app=nginx')).length === 2, '2 pods', 240);
      const [rs] = await replicaSets('nginx');
      assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '2');
      const dd = await ok(['describe', 'deployment', 'nginx']);
      assert.match(dd, new RegExp(`Scaled up replica set ${firstRS} from 3 to 4`));
      assert.match(dd, new RegExp(`Scaled down replica set ${firstRS} from 4 to 2`));
      await ok(['scale', '--replicas=3', 'deployment', 'nginx']);
      await waitFor(isRow('nginx', '3/3', '3', '3'), 'nginx 3/3', 480);
    });

    it('kubectl set image with a bad image: the rollout stops at one surge pod, nothing becomes unavailable', async () => {
      assert.match(await ok(['set', 'image', 'deployment/nginx', 'nginx=nginx-does-not-exist:1']), /^deployment.apps\/nginx image updated$/m);
      // 3 replicas at 25%/25%: one more pod allowed, none unavailable. The new pod never becomes available.
      await waitFor(async () => (await replicaSets('nginx')).map((r) => r.spec.replicas).join() === '3,1', 'old 3, new 1', 240);
      await waitFor(isRow('nginx', '3/3', '1', '3'), 'READY 3/3 UP-TO-DATE 1 AVAILABLE 3', 240);
      const status = await k(['rollout', 'status', 'deployment/nginx', '--timeout=2s']);
      assert.notEqual(status.code, 0);
      assert.match(status.stdout, /^Waiting for deployment "nginx" rollout to finish: 1 out of 3 new replicas have been updated\.\.\.$/m);
      assert.match(status.stderr, /timed out waiting for the condition/);
      const pods = await livePods('app=nginx');
      assert.equal(pods.filter((p) => p.spec.containers[0].image === 'nginx').length, 3);
      assert.equal(pods.filter((p) => p.spec.containers[0].image === 'nginx-does-not-exist:1').length, 1);
      assert.match(await ok(['get', 'pods']), /^nginx-\S+\s+0\/1\s+(ErrImagePull|ImagePullBackOff)\s+/m);

      assert.match(await ok(['rollout', 'undo', 'deployment/nginx']), /^deployment.apps\/nginx rolled back$/m);
      await rolledOut('nginx');
      await waitFor(async () => (await livePods('app=nginx')).every((p) => p.spec.containers[0].image === 'nginx'), 'no bad pod left', 240);
      const rss = await replicaSets('nginx');
      assert.deepEqual(rss.map((r) => [r.metadata.name, r.spec.replicas]), [[rss[0].metadata.name, 0], [firstRS, 3]]);
      assert.equal(rss[1].metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
      assert.equal(rss[1].metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    });

    it('kubectl set image nginx=nginx:1.25: a rolling update one pod at a time; rollout status; pods replaced', async () => {
      const before = (await livePods('app=nginx')).map((p) => p.metadata.name);
      assert.match(await ok(['set', 'image', 'deployment/nginx', 'nginx=nginx:1.25']), /image updated/);
      // Listing ReplicaSets and pods while it rolls: never more than 4 pods wanted (maxSurge 1).
      await waitFor(async () => {
        const rss = await replicaSets('nginx');
        assert.ok(rss.reduce((n, r) => n + r.spec.replicas, 0) <= 4, 'maxSurge 1');
        const images = new Set((await livePods('app=nginx')).map((p) => p.spec.containers[0].image));
        const r = await deployRow('nginx');
        return r[1] === '3/3' && r[2] === '3' && r[3] === '3' && images.size === 1 && images.has('nginx:1.25');
      }, 'nginx:1.25 everywhere', 480);
      await rolledOut('nginx');
      const after = (await livePods('app=nginx')).map((p) => p.metadata.name);
      assert.equal(after.filter((n) => before.includes(n)).length, 0, 'every pod replaced');
      const rss = await replicaSets('nginx');
      const newRS = rss[rss.length - 1].metadata.name;
      assert.deepEqual(rss.map((r) => r.spec.replicas), [0, 0, 3]);
      const dd = await ok(['describe', 'deployment', 'nginx']);
      // 25%/25% of 3: one up, one down, three times.
      for (const m of [
        `Scaled up replica set ${newRS} from 0 to 1`, `Scaled down replica set ${firstRS} from 3 to 2`,
        `Scaled up replica set ${newRS} from 1 to 2`, `Scaled down replica set ${firstRS} from 2 to 1`,
        `Scaled up replica set ${newRS} from 2 to 3`, `Scaled down replica set ${firstRS} from 1 to 0`,
      ]) assert.match(dd, new RegExp(`deployment-controller\\s+${m}$`, 'm'));
      assert.match(dd, new RegExp(`^OldReplicaSets:\\s+.*${firstRS} \\(0/0 replicas created\\)`, 'm'));
      assert.match(dd, new RegExp(`^NewReplicaSet:\\s+${newRS} \\(3/3 replicas created\\)$`, 'm'));
    });

    it('kubectl annotate … kubernetes.io/change-cause shows in rollout history; undo and undo --to-revision', async () => {
      assert.match(await ok(['annotate', 'deployment', 'nginx', 'kubernetes.io/change-cause=image updated to 1.25']), /^deployment.apps\/nginx annotated$/m);
      await waitFor(async () => /^4\s+image updated to 1\.25$/m.test(await ok(['rollout', 'history', 'deployment/nginx'])), 'the change-cause in history', 240);
      // Revision 1 became 3 when the bad image was undone; 2 is the bad image.
      assert.match(await ok(['rollout', 'history', 'deployment/nginx']), /^deployment.apps\/nginx \nREVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n4\s+image updated to 1\.25\n\n$/);
      const rev3 = await ok(['rollout', 'history', 'deployment/nginx', '--revision=3']);
      assert.match(rev3, /^deployment.apps\/nginx with revision #3\nPod Template:\n/);
      assert.match(rev3, /^\s+Image:\s+nginx$/m);

      assert.match(await ok(['rollout', 'undo', 'deployment/nginx']), /^deployment.apps\/nginx rolled back$/m);
      await rolledOut('nginx');
      await waitFor(async () => (await livePods('app=nginx')).every((p) => p.spec.containers[0].image === 'nginx'), 'back to nginx', 240);
      assert.match(await ok(['rollout', 'history', 'deployment/nginx']), /\n2\s+<none>\n4\s+image updated to 1\.25\n5\s+<none>\n/);

      assert.match(await ok(['rollout', 'undo', 'deployment/nginx', '--to-revision=4']), /rolled back/);
      await rolledOut('nginx');
      await waitFor(async () => (await livePods('app=nginx')).every((p) => p.spec.containers[0].image === 'nginx:1.25'), 'nginx:1.25 again', 240);
      const d = await json<{ metadata: Meta }>(['get', 'deployment', 'nginx']);
      assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '6');
      assert.equal(d.metadata.annotations?.['kubernetes.io/change-cause'], 'image updated to 1.25', 'undo restores the revision\'s change-cause');
      const missing = await k(['rollout', 'undo', 'deployment/nginx', '--to-revision=99']);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /unable to find specified revision 99 in history/);
    });

    it('kubectl rollout pause: no rollout (scaling still works); resume rolls out', async () => {
      const rsCount = (await replicaSets('nginx')).length;
      assert.match(await ok(['rollout', 'pause', 'deployment/nginx']), /^deployment.apps\/nginx paused$/m);
      await ok(['set', 'image', 'deployment/nginx', 'nginx=nginx:1.26']);
      await waitFor(isRow('nginx', '3/3', '0', '3'), 'UP-TO-DATE 0 while paused', 240);
      assert.equal((await replicaSets('nginx')).length, rsCount, 'no new ReplicaSet while paused');
      assert.match(await ok(['describe', 'deployment', 'nginx']), /^\s+Progressing\s+Unknown\s+DeploymentPaused$/m);
      const undo = await k(['rollout', 'undo', 'deployment/nginx']);
      assert.notEqual(undo.code, 0);
      assert.match(undo.stderr, /you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again/);
      await ok(['scale', 'deployment/nginx', '--replicas=4']);
      await waitFor(async () => (await livePods('app=nginx')).filter((p) => p.spec.containers[0].image === 'nginx:1.25').length === 4, '4 pods of the paused template', 240);

      assert.match(await ok(['rollout', 'resume', 'deployment/nginx']), /^deployment.apps\/nginx resumed$/m);
      await rolledOut('nginx');
      await waitFor(isRow('nginx', '4/4', '4', '4'), 'nginx 4/4', 480);
      await waitFor(async () => (await livePods('app=nginx')).every((p) => p.spec.containers[0].image === 'nginx:1.26'), 'nginx:1.26', 240);
      assert.equal((await replicaSets('nginx')).length, rsCount + 1);
    });

    it('kubectl rollout restart replaces every pod through a new ReplicaSet', async () => {
      const before = (await livePods('app=nginx')).map((p) => p.metadata.name);
      assert.match(await ok(['rollout', 'restart', 'deployment/nginx']), /^deployment.apps\/nginx restarted$/m);
      await rolledOut('nginx');
      await waitFor(async () => {
        const now = (await livePods('app=nginx')).map((p) => p.metadata.name);
        return now.length === 4 && now.every((n) => !before.includes(n));
      }, 'every pod replaced', 480);
      const rss = await replicaSets('nginx');
      const newest = await json<{ spec: { template: { metadata: { annotations?: Record<string, string> } } } }>(['get', 'rs', rss[rss.length - 1].metadata.name]);
      assert.match(newest.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? '', /^\d{4}-\d\d-\d\dT/);
      // revisionHistoryLimit 10 is far: every old ReplicaSet is kept, scaled to zero.
      assert.deepEqual(rss.slice(0, -1).map((r) => r.spec.replicas), rss.slice(0, -1).map(() => 0));
    });
  });

  describe('seed 004: rolling update of redis-master, and rollout undo', () => {
    // kubectl rolling-update (ReplicationControllers) is gone: a Deployment does the same. The
    // kubeguide images are not in the node image catalog, so the containers run a command.
    const REDIS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis-master
  labels:
    name: redis-master
spec:
  replicas: 3
  selector:
    matchLabels:
      name: redis-master
  template:
    metadata:
      labels:
        name: redis-master
    spec:
      containers:
      - name: master
        image: kubeguide/redis-master:1.0
        command: ["sleep", "3600"]
        ports:
        - containerPort: 6379
`;
    const images = async () => [...new Set((await livePods('name=redis-master')).map((p) => p.spec.containers[0].image))].sort();

    it('kubectl create -f, set image to 2.0: old pods go to 0 while new ones come to 3', async () => {
      assert.match(await ok(['create', '-f', '-'], REDIS), /^deployment.apps\/redis-master created$/m);
      await rolledOut('redis-master');
      assert.deepEqual(await images(), ['kubeguide/redis-master:1.0']);
      await ok(['set', 'image', 'deployment/redis-master', 'master=kubeguide/redis-master:2.0']);
      await rolledOut('redis-master');
      await waitFor(async () => (await images()).join() === 'kubeguide/redis-master:2.0', 'only 2.0 pods', 240);
      const rss = await replicaSets('redis-master');
      assert.deepEqual(rss.map((r) => [r.spec.template.spec.containers[0].image, r.spec.replicas]), [['kubeguide/redis-master:1.0', 0], ['kubeguide/redis-master:2.0', 3]]);
      assert.match(await ok(['get', 'deployment', 'redis-master']), /^redis-master\s+3\/3\s+3\s+3\s+/m);
    });

    it('kubectl rollout undo goes back to 1.0', async () => {
      assert.match(await ok(['rollout', 'undo', 'deployment/redis-master']), /^deployment.apps\/redis-master rolled back$/m);
      await rolledOut('redis-master');
      await waitFor(async () => (await images()).join() === 'kubeguide/redis-master:1.0', 'only 1.0 pods', 240);
      assert.match(await ok(['rollout', 'history', 'deployment/redis-master']), /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n/);
      const undone = await k(['rollout', 'undo', 'deployment/redis-master', '--to-revision=3']);
      assert.equal(undone.code, 0);
      assert.match(undone.stdout, /^deployment.apps\/redis-master skipped rollback \(current template already matches revision 3\)$/m);
    });
  });

  describe('kubectl create deployment', () => {
    it('kubectl create deployment d1 --image=nginx --replicas=2 reaches 2/2', async () => {
      assert.match(await ok(['create', 'deployment', 'd1', '--image=nginx', '--replicas=2']), /^deployment.apps\/d1 created$/m);
      const d = await json<{ metadata: Meta; spec: { selector: unknown; strategy: unknown; revisionHistoryLimit: number; progressDeadlineSeconds: number } }>(['get', 'deployment', 'd1']);
      assert.deepEqual(d.metadata.labels, { app: 'd1' });
      assert.deepEqual(d.spec.selector, { matchLabels: { app: 'd1' } });
      assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
      assert.equal(d.spec.revisionHistoryLimit, 10);
      assert.equal(d.spec.progressDeadlineSeconds, 600);
      await waitFor(async () => (await replicaSets('d1')).length === 1 && (await livePods('app=d1')).length === 2, 'a ReplicaSet with 2 pods', 240);
      // The same port workaround as above (both nginx processes would bind :80), as a rollout of its own.
      await ok(['set', 'env', 'deployment/d1', 'NGINX_PORT=0']);
      await rolledOut('d1');
      await waitFor(isRow('d1', '2/2', '2', '2'), 'd1 2/2', 480);
      assert.match(await ok(['get', 'deployment', 'd1', '-o', 'wide']), /^d1\s+2\/2\s+2\s+2\s+\S+\s+nginx\s+nginx\s+app=d1$/m);
    });
  });
});
