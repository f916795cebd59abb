import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../../apimachinery/errors.js';
import { createObject, updateObject } from '../testing/strategy-harness.js';
import { deployments, replicasets } from './deployments.js';
import { daemonsets, statefulsets } from './statefulsets.js';
import { replicationcontrollers } from '../core/replicationcontrollers.js';

const TEMPLATE_SPEC_DEFAULTS = {
  dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
};
const container = (name: string, image: string) => ({
  image, imagePullPolicy: 'IfNotPresent', name, resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
});

const deploy = (spec: Record<string, unknown>, name = 'd') => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec });
const tmpl = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({ metadata: { labels }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }], ...extra } });

describe('deployments', () => {
  it('default as Kubernetes 1.32 does', () => {
    const { obj, errs } = createObject(deployments, deploy({ replicas: 3, selector: { matchLabels: { app: 'nginx' } }, template: tmpl({ app: 'nginx' }) }, 'nginx'));
    assert.deepEqual(errs, []);
    assert.deepEqual(obj.spec, {
      progressDeadlineSeconds: 600, replicas: 3, revisionHistoryLimit: 10, selector: { matchLabels: { app: 'nginx' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: { metadata: { creationTimestamp: null, labels: { app: 'nginx' } }, spec: { containers: [container('nginx', 'nginx:1.25')], ...TEMPLATE_SPEC_DEFAULTS } },
    });
    assert.equal(obj.metadata?.generation, 1);
    assert.deepEqual(obj.status, {});
  });

  const cases: { name: string; spec: Record<string, unknown>; message: string }[] = [
    {
      name: 'selector does not match template labels',
      spec: { replicas: 1, selector: { matchLabels: { app: 'foo' } }, template: tmpl({ app: 'bar' }) },
      message: 'Deployment.apps "d" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"bar"}: `selector` does not match template `labels`',
    },
    {
      name: 'negative replicas',
      spec: { replicas: -1, selector: { matchLabels: { app: 'neg' } }, template: tmpl({ app: 'neg' }) },
      message: 'Deployment.apps "d" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    },
    {
      name: 'template restartPolicy must be Always',
      spec: { selector: { matchLabels: { app: 'a' } }, template: tmpl({ app: 'a' }, { restartPolicy: 'OnFailure' }) },
      message: 'Deployment.apps "d" is invalid: spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    },
    {
      // An absent selector is labels.Nothing(): it also fails to match the template (the apps/v1 reader's error).
      name: 'missing selector',
      spec: { template: tmpl({ app: 'a' }) },
      message: 'Deployment.apps "d" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"a"}: `selector` does not match template `labels`]',
    },
    {
      // Seed 001's matchExpressions typo (`app: app` for `key: app`) sent with --validate=false: the key
      // errors, then LabelSelectorAsSelector's refusal; the template is not looked at.
      name: 'selector requirement without a key',
      spec: { selector: { matchExpressions: [{ operator: 'In', values: ['kubia'] }] }, template: tmpl({ app: 'kubia' }, { restartPolicy: 'Never' }) },
      message: 'Deployment.apps "d" is invalid: [spec.selector.matchExpressions[0].key: Invalid value: "": name part must be non-empty, '
        + 'spec.selector.matchExpressions[0].key: Invalid value: "": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\'), '
        + 'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"", Operator:"In", Values:[]string{"kubia"}}}}: invalid label selector]',
    },
    {
      name: 'both surge and unavailable zero',
      spec: { selector: { matchLabels: { app: 'a' } }, template: tmpl({ app: 'a' }), strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } },
      message: 'Deployment.apps "d" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
    },
    {
      name: 'percent over 100',
      spec: { selector: { matchLabels: { app: 'a' } }, template: tmpl({ app: 'a' }), strategy: { rollingUpdate: { maxSurge: '120%' } } },
      message: 'Deployment.apps "d" is invalid: spec.strategy.rollingUpdate.maxSurge: Invalid value: "120%": must not be greater than 100%',
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const { errs } = createObject(deployments, deploy(tc.spec));
      assert.equal(invalid('Deployment', 'apps', 'd', errs).message, tc.message);
    });
  }

  it('bump generation on spec change only and keep status', () => {
    const { obj: created } = createObject(deployments, deploy({ selector: { matchLabels: { app: 'a' } }, template: tmpl({ app: 'a' }) }));
    created.status = { replicas: 1 };
    const same = updateObject(deployments, { ...structuredClone(created), metadata: { ...created.metadata, labels: { x: 'y' } }, status: {} }, created);
    assert.equal(same.obj.metadata?.generation, 1);
    assert.deepEqual(same.obj.status, { replicas: 1 });
    const next = structuredClone(created);
    (next.spec as any).replicas = 5;
    assert.equal(updateObject(deployments, next, created).obj.metadata?.generation, 2);
  });

  it('keep the selector immutable', () => {
    const { obj: created } = createObject(deployments, deploy({ selector: { matchLabels: { app: 'a' } }, template: tmpl({ app: 'a', v: '1' }) }));
    const next = structuredClone(created);
    (next.spec as any).selector = { matchLabels: { app: 'a', v: '1' } };
    const { errs } = updateObject(deployments, next, created);
    assert.equal(invalid('Deployment', 'apps', 'd', errs).message,
      'Deployment.apps "d" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"a", "v":"1"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable');
  });

  it('status updates keep spec and labels', () => {
    const { obj: created } = createObject(deployments, deploy({ selector: { matchLabels: { app: 'a' } }, template: tmpl({ app: 'a' }) }));
    const next = structuredClone(created);
    (next.spec as any).replicas = 9;
    next.metadata!.labels = { sneaky: 'yes' };
    next.status = { replicas: 1, observedGeneration: 1 };
    const { obj } = updateObject(deployments, next, created, 'status');
    assert.equal((obj.spec as any).replicas, 1);
    assert.equal(obj.metadata?.labels, undefined);
    assert.deepEqual(obj.status, { replicas: 1, observedGeneration: 1 });
  });

  it('status updates may change annotations (the controller records the revision there), as upstream', () => {
    const { obj: created } = createObject(deployments, deploy({ selector: { matchLabels: { app: 'a' } }, template: tmpl({ app: 'a' }) }));
    const next = structuredClone(created);
    next.metadata!.annotations = { 'deployment.kubernetes.io/revision': '1' };
    const { obj } = updateObject(deployments, next, created, 'status');
    assert.deepEqual(obj.metadata?.annotations, { 'deployment.kubernetes.io/revision': '1' });
  });
});

describe('replicasets and replicationcontrollers', () => {
  it('RS defaults replicas 1', () => {
    const { obj, errs } = createObject(replicasets, { metadata: { name: 'r' }, spec: { selector: { matchLabels: { a: 'b' } }, template: tmpl({ a: 'b' }) } });
    assert.deepEqual(errs, []);
    assert.equal((obj.spec as any).replicas, 1);
  });

  it('RC takes selector and labels from the template', () => {
    const { obj, errs } = createObject(replicationcontrollers, { metadata: { name: 'nginx-rc' }, spec: { replicas: 2, template: tmpl({ app: 'nginx-rc' }) } });
    assert.deepEqual(errs, []);
    assert.deepEqual((obj.spec as any).selector, { app: 'nginx-rc' });
    assert.deepEqual(obj.metadata?.labels, { app: 'nginx-rc' });
    assert.equal(obj.metadata?.generation, 1);
  });

  it('RC selector mismatch', () => {
    const { errs } = createObject(replicationcontrollers, { metadata: { name: 'r' }, spec: { selector: { app: 'x' }, template: tmpl({ app: 'y' }) } });
    assert.equal(invalid('ReplicationController', '', 'r', errs).message,
      'ReplicationController "r" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"y"}: `selector` does not match template `labels`');
  });
});

describe('statefulsets and daemonsets', () => {
  it('StatefulSet defaults include claim templates', () => {
    const { obj, errs } = createObject(statefulsets, {
      metadata: { name: 'sleep' },
      spec: {
        replicas: 2, serviceName: 'sleep', selector: { matchLabels: { app: 'sleep' } }, template: tmpl({ app: 'sleep' }),
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    assert.deepEqual(errs, []);
    const spec = obj.spec as any;
    assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.deepEqual(spec.volumeClaimTemplates[0], {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', creationTimestamp: null },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' }, status: { phase: 'Pending' },
    });
  });

  it('StatefulSet spec updates outside the allowed fields are forbidden', () => {
    const { obj: created } = createObject(statefulsets, { metadata: { name: 's' }, spec: { serviceName: 's', selector: { matchLabels: { a: 'b' } }, template: tmpl({ a: 'b' }) } });
    const next = structuredClone(created);
    (next.spec as any).serviceName = 'other';
    assert.equal(invalid('StatefulSet', 'apps', 's', updateObject(statefulsets, next, created).errs).message,
      "StatefulSet.apps \"s\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
    (next.spec as any).serviceName = 's';
    (next.spec as any).replicas = 4;
    assert.deepEqual(updateObject(statefulsets, next, created).errs, []);
  });

  it('StatefulSet without a selector: Required and the unmatched template labels', () => {
    const { errs } = createObject(statefulsets, { metadata: { name: 's' }, spec: { serviceName: 's', template: tmpl({ app: 'cockroachdb' }) } });
    assert.equal(invalid('StatefulSet', 'apps', 's', errs).message,
      'StatefulSet.apps "s" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"cockroachdb"}: `selector` does not match template `labels`]');
  });

  it('DaemonSet without a selector: only the unmatched template labels (ValidateDaemonSetSpec has no Required)', () => {
    const { errs } = createObject(daemonsets, { metadata: { name: 'fluentd' }, spec: { template: tmpl({ app: 'fluentd' }) } });
    assert.equal(invalid('DaemonSet', 'apps', 'fluentd', errs).message,
      'DaemonSet.apps "fluentd" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"fluentd"}: `selector` does not match template `labels`');
  });

  it('DaemonSet with an unconvertible selector: the requirement errors, no label match, the template still checked', () => {
    const { errs } = createObject(daemonsets, {
      metadata: { name: 'x' },
      spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In' }] }, template: tmpl({ app: 'x' }, { restartPolicy: 'Never' }) },
    });
    assert.deepEqual(errs.map((e) => e.field), ['spec.selector.matchExpressions[0].values', 'spec.template.spec.restartPolicy']);
  });

  it('DaemonSet with an empty selector: invalid for daemonset, the template not compared', () => {
    const { errs } = createObject(daemonsets, { metadata: { name: 'e' }, spec: { selector: {}, template: tmpl({ app: 'e' }) } });
    assert.equal(invalid('DaemonSet', 'apps', 'e', errs).message,
      'DaemonSet.apps "e" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset');
  });

  it('DaemonSet defaults and template generation annotation', () => {
    const { obj: created, errs } = createObject(daemonsets, { metadata: { name: 'ssd' }, spec: { selector: { matchLabels: { app: 's' } }, template: tmpl({ app: 's' }) } });
    assert.deepEqual(errs, []);
    assert.deepEqual((created.spec as any).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(created.metadata?.annotations?.['deprecated.daemonset.template.generation'], '1');
    const next = structuredClone(created);
    delete next.metadata!.annotations;
    (next.spec as any).template.spec.containers[0].image = 'nginx:1.26';
    const { obj } = updateObject(daemonsets, next, created);
    assert.equal(obj.metadata?.annotations?.['deprecated.daemonset.template.generation'], '2');
    assert.equal(obj.metadata?.generation, 2);
  });
});
