/**
 * Admission of CONNECT requests (pods/attach, pods/exec, pods/portforward), as kube-apiserver's
 * connecter handler makes it before it opens the stream: the object under review is the request's
 * options (PodAttachOptions, PodExecOptions, PodPortForwardOptions) read from the query, so that a
 * validating webhook or policy with a CONNECT rule can refuse an attach or exec.
 *
 * Only the validating half runs here: the mutating plugins of tskube's chain are written for
 * objects of the resource's kind, and nothing mutates connect options in Kubernetes' own plugins.
 */
import type { AdmissionInterface } from '../admission/chain.js';
import type { AdmissionUser } from '../admission/interfaces.js';
import type { ResourceDefinition } from '../api/resource.js';

const OPTIONS_KIND: Record<string, string> = { attach: 'PodAttachOptions', exec: 'PodExecOptions', portforward: 'PodPortForwardOptions' };

function bool(url: URL, name: string): boolean {
  const v = url.searchParams.get(name);
  return v === 'true' || v === '1';
}

/** connectOptions builds the options object of a CONNECT request from its query, as the API server decodes it. */
export function connectOptions(subresource: string, url: URL): Record<string, unknown> {
  const kind = OPTIONS_KIND[subresource];
  const o: Record<string, unknown> = { kind, apiVersion: 'v1' };
  if (subresource === 'portforward') {
    const ports = url.searchParams.getAll('ports').flatMap((p) => p.split(',')).map((p) => Number(p)).filter((p) => Number.isInteger(p));
    if (ports.length) o.ports = ports;
    return o;
  }
  for (const k of ['stdin', 'stdout', 'stderr', 'tty']) if (bool(url, k)) o[k] = true;
  const container = url.searchParams.get('container');
  if (container) o.container = container;
  if (subresource === 'exec') {
    const command = url.searchParams.getAll('command');
    if (command.length) o.command = command;
  }
  return o;
}

/** admitConnect runs the validating admission chain on a CONNECT request; a refusal throws its Status error. */
export async function admitConnect(chain: AdmissionInterface | undefined, pods: ResourceDefinition, namespace: string, name: string, subresource: string, url: URL, user: AdmissionUser): Promise<void> {
  if (!chain || !OPTIONS_KIND[subresource]) return;
  await chain.validate({
    operation: 'CONNECT', def: pods, subresource, namespace, name,
    object: connectOptions(subresource, url), userInfo: user, dryRun: false, warnings: [],
  });
}
