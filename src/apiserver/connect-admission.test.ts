import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admitConnect, connectOptions } from './connect-admission.js';
import { findResource } from '../api/registry.js';
import { StatusError } from '../apimachinery/errors.js';
import type { AdmissionAttributes } from '../admission/interfaces.js';

// CONNECT admission: attach/exec/portforward are reviewed with their options object before the
// stream opens (the conformance spec "AdmissionWebhook should be able to deny attaching pod").
const pods = findResource('', 'v1', 'pods')!;
const user = { name: 'admin', groups: ['system:masters'] };

describe('CONNECT admission', () => {
  it('reads the options of attach, exec and portforward from the query as the API server decodes them', () => {
    assert.deepEqual(connectOptions('attach', new URL('https://x/api/v1/namespaces/n/pods/p/attach?container=container1&stdin=true&stdout=true&stderr=true')),
      { kind: 'PodAttachOptions', apiVersion: 'v1', stdin: true, stdout: true, stderr: true, container: 'container1' });
    assert.deepEqual(connectOptions('exec', new URL('https://x/p/exec?command=sh&command=-c&command=date&stdout=1&tty=false')),
      { kind: 'PodExecOptions', apiVersion: 'v1', stdout: true, command: ['sh', '-c', 'date'] });
    assert.deepEqual(connectOptions('portforward', new URL('https://x/p/portforward?ports=80,8080')),
      { kind: 'PodPortForwardOptions', apiVersion: 'v1', ports: [80, 8080] });
  });

  it('hands the validating chain a CONNECT of pods/attach, and its refusal is the answer', async () => {
    const seen: AdmissionAttributes[] = [];
    const refusal = new StatusError(403, 'Forbidden', `admission webhook "deny-attaching-pod.k8s.io" denied the request: attaching to pod 'to-be-attached-pod' is not allowed`);
    const chain = {
      admit: async () => { throw new Error('mutating admission is not run for CONNECT'); },
      validate: async (a: AdmissionAttributes) => { seen.push(a); if (a.name === 'to-be-attached-pod') throw refusal; },
    };
    const url = new URL('https://x/api/v1/namespaces/ns/pods/to-be-attached-pod/attach?container=container1&stdin=true');
    await assert.rejects(admitConnect(chain, pods, 'ns', 'to-be-attached-pod', 'attach', url, user), (e) => e === refusal);
    assert.equal(seen[0].operation, 'CONNECT');
    assert.equal(seen[0].subresource, 'attach');
    assert.equal(seen[0].def.plural, 'pods');
    assert.equal(seen[0].namespace, 'ns');
    assert.deepEqual(seen[0].object, { kind: 'PodAttachOptions', apiVersion: 'v1', stdin: true, container: 'container1' });
    await admitConnect(chain, pods, 'ns', 'other', 'attach', url, user);
    assert.equal(seen.length, 2);
  });
});
