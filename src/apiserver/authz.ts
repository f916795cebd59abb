/**
 * Authorization (k8s.io/apiserver's authorizer.Attributes + Kubernetes' Node authorizer and the
 * NodeRestriction admission plugin, folded into one decision). The admin may do anything; a node
 * (`system:node:NAME`) may do what a kubelet needs and no more; everyone else nothing.
 */
import { StatusError } from '../apimachinery/errors.js';
import { parseFieldSelector, requiresExactMatch, type FieldSelector } from '../apimachinery/fields.js';
import { MASTERS_GROUP, nodeNameOf, type UserInfo } from './authn.js';
import type { RequestInfo } from './request-info.js';
import { basicRulesAllow } from './bootstrap-policy.js';

/** Attributes describe one request for authorization (authorizer.Attributes). */
export interface Attributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection */
  verb: string;
  resourceRequest: boolean;
  /** the URL path (non-resource requests) */
  path: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  fieldSelector?: FieldSelector;
}

/** Decision is the verdict; reason is appended to the 403 message as Kubernetes does. */
export interface Decision {
  allowed: boolean;
  reason: string;
  /** the denial is NodeRestriction admission's (message `<resource> "<name>" is forbidden: <reason>`) */
  admission?: boolean;
}

/** PodRefs is what the node authorizer's graph needs from a pod. */
export interface PodRefs {
  namespace: string;
  name: string;
  nodeName?: string;
  serviceAccountName?: string;
  secrets: string[];
  configMaps: string[];
  claims: string[];
}

/**
 * NodeGraph answers the node authorizer's relationship questions (Kubernetes keeps a graph of
 * node ← pod ← secret/configmap/pvc ← pv fed by informers; tskube asks its stores).
 */
export interface NodeGraph {
  /** pod returns the pod's references, or undefined when it does not exist */
  pod(namespace: string, name: string): Promise<PodRefs | undefined>;
  /** podsOnNode lists the pods bound to a node (namespace undefined = all) */
  podsOnNode(nodeName: string, namespace?: string): Promise<PodRefs[]>;
  /** claimVolume is the PV a PersistentVolumeClaim is bound to */
  claimVolume(namespace: string, claim: string): Promise<string | undefined>;
  /** rbac is the RBAC authorizer (rbac/authorizer.ts), the union's last member (--authorization-mode=Node,RBAC) */
  rbac?: RuleAuthorizer;
}

/** RuleAuthorizer allows what a bound RBAC rule covers (it never denies on its own). */
export interface RuleAuthorizer {
  authorize(a: Attributes): Promise<boolean>;
}

const ALLOW: Decision = { allowed: true, reason: '' };
const deny = (reason = ''): Decision => ({ allowed: false, reason });
const denyAdmission = (reason: string): Decision => ({ allowed: false, reason, admission: true });

/** requestAttributes derives Attributes from a request as RequestInfoFactory does (verbs, metadata.name selectors). */
export function requestAttributes(user: UserInfo, method: string, url: URL, info: RequestInfo, upgrade = false): Attributes {
  if (!info.isResource) {
    return { user, verb: method.toLowerCase(), resourceRequest: false, path: url.pathname, apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '' };
  }
  let verb: string;
  let name = info.name ?? '';
  let fieldSelector: FieldSelector | undefined;
  switch (method) {
    case 'GET': case 'HEAD': {
      // Connect subresources over a WebSocket/SPDY upgrade need "create", as since Kubernetes 1.30.
      if (upgrade) { verb = 'create'; break; }
      if (name) { verb = 'get'; break; }
      const w = url.searchParams.get('watch');
      verb = w === '1' || w === 'true' ? 'watch' : 'list';
      const fs = url.searchParams.get('fieldSelector');
      if (fs) {
        try {
          fieldSelector = parseFieldSelector(fs);
          name = requiresExactMatch(fieldSelector, 'metadata.name') ?? '';
        } catch { /* the handler answers the bad selector */ }
      }
      break;
    }
    case 'POST': verb = 'create'; break;
    case 'PUT': verb = 'update'; break;
    case 'PATCH': verb = 'patch'; break;
    case 'DELETE': verb = name ? 'delete' : 'deletecollection'; break;
    default: verb = method.toLowerCase();
  }
  return {
    user, verb, resourceRequest: true, path: url.pathname, apiGroup: info.group, apiVersion: info.version,
    namespace: info.namespace ?? '', resource: info.resource, subresource: info.subresource ?? '', name, fieldSelector,
  };
}

/**
 * authorize decides a request: system:masters may do anything, nodes go through the node
 * authorizer, then the RBAC authorizer (graph.rbac) may allow what a bound role covers;
 * anything else is refused.
 */
export async function authorize(a: Attributes, graph: NodeGraph): Promise<Decision> {
  if (a.user.groups.includes(MASTERS_GROUP)) return ALLOW;
  // system:basic-user and system:discovery: every authenticated user may review itself and read discovery.
  if (basicRulesAllow(a.user, a)) return ALLOW;
  const node = nodeNameOf(a.user);
  let nodeDecision: Decision | undefined;
  if (node !== undefined) {
    nodeDecision = await authorizeNode(node, a, graph);
    // NodeRestriction's refusals are admission's: RBAC cannot lift them.
    if (nodeDecision.allowed || nodeDecision.admission) return nodeDecision;
  }
  // The union: what the Node authorizer does not allow, RBAC may.
  if (graph.rbac && await graph.rbac.authorize(a)) return ALLOW;
  return nodeDecision ?? deny();
}

/** forbiddenError renders a denial as kube-apiserver does (responsewriters.Forbidden / admission.NewForbidden). */
export function forbiddenError(a: Attributes, d: Decision): StatusError {
  const gr = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const details = { name: a.name || undefined, group: a.apiGroup || undefined, kind: a.resource };
  if (!a.resourceRequest) {
    const msg = `User "${a.user.name}" cannot ${a.verb} path "${a.path}"`;
    return new StatusError(403, 'Forbidden', `forbidden: ${d.reason ? `${msg}: ${d.reason}` : msg}`, {});
  }
  const what = a.name ? `${gr} "${a.name}"` : gr;
  if (d.admission) return new StatusError(403, 'Forbidden', `${what} is forbidden: ${d.reason}`, details);
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const msg = `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}`;
  return new StatusError(403, 'Forbidden', `${what} is forbidden: ${d.reason ? `${msg}: ${d.reason}` : msg}`, details);
}

// ------------------------------------------------------------------ the node authorizer

/** NODE_LEASE_NAMESPACE holds the nodes' heartbeat leases. */
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

interface Rule { verbs: string[]; group: string; resources: string[] }

/**
 * NODE_RULES are the rules of Kubernetes' system:node role (bootstrappolicy.NodeRules) that tskube
 * serves: resources the node authorizer does not subdivide are checked against these.
 */
const NODE_RULES: Rule[] = [
  { verbs: ['create'], group: 'authentication.k8s.io', resources: ['tokenreviews'] },
  { verbs: ['create'], group: 'authorization.k8s.io', resources: ['subjectaccessreviews', 'localsubjectaccessreviews'] },
  { verbs: ['get', 'list', 'watch'], group: '', resources: ['services'] },
  { verbs: ['create', 'update', 'patch'], group: '', resources: ['events'] },
  { verbs: ['get'], group: '', resources: ['endpoints'] },
  // The node agent runs the Service proxy too: kube-proxy's system:node-proxier reads the slices.
  { verbs: ['get', 'list', 'watch'], group: 'discovery.k8s.io', resources: ['endpointslices'] },
  { verbs: ['create', 'get', 'list', 'watch'], group: 'certificates.k8s.io', resources: ['certificatesigningrequests'] },
  { verbs: ['get'], group: 'storage.k8s.io', resources: ['volumeattachments'] },
  { verbs: ['get', 'list', 'watch'], group: 'storage.k8s.io', resources: ['csidrivers'] },
  { verbs: ['get', 'list', 'watch'], group: 'node.k8s.io', resources: ['runtimeclasses'] },
];

function rulesAllow(a: Attributes): boolean {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return NODE_RULES.some((r) => r.group === a.apiGroup && r.verbs.includes(a.verb) && r.resources.includes(resource));
}

/** authorizeNode is Kubernetes' NodeAuthorizer.Authorize (1.32, AuthorizeNodeWithSelectors on) + NodeRestriction. */
async function authorizeNode(node: string, a: Attributes, graph: NodeGraph): Promise<Decision> {
  if (!a.resourceRequest) {
    // system:discovery and system:public-info-viewer, which every authenticated user has
    return a.verb === 'get' ? ALLOW : deny();
  }
  const group = a.apiGroup;
  if (group === '') {
    switch (a.resource) {
      case 'secrets': return readNamespacedObject(node, a, graph, 'secret');
      case 'configmaps': return readNamespacedObject(node, a, graph, 'configmap');
      case 'persistentvolumeclaims': return getRelated(node, a, graph, 'pvc');
      case 'persistentvolumes': return getRelated(node, a, graph, 'pv');
      case 'serviceaccounts': return createToken(node, a, graph);
      case 'nodes': return authorizeNodeObject(node, a);
      case 'pods': return authorizePod(node, a, graph);
    }
  }
  if (group === 'coordination.k8s.io' && a.resource === 'leases') return authorizeLease(node, a);
  return rulesAllow(a) ? ALLOW : deny();
}

type Vertex = 'secret' | 'configmap' | 'pvc' | 'pv' | 'pod' | 'serviceaccount';

async function readNamespacedObject(node: string, a: Attributes, graph: NodeGraph, vertex: Vertex): Promise<Decision> {
  if (!['get', 'list', 'watch'].includes(a.verb)) return deny('can only read resources of this type');
  if (a.subresource) return deny('cannot read subresource');
  if (!a.namespace) return deny('can only read namespaced object of this type');
  return related(node, a, graph, vertex);
}

async function getRelated(node: string, a: Attributes, graph: NodeGraph, vertex: Vertex): Promise<Decision> {
  if (a.verb !== 'get') return deny('can only get individual resources of this type');
  if (a.subresource) return deny('cannot get subresource');
  return related(node, a, graph, vertex);
}

async function createToken(node: string, a: Attributes, graph: NodeGraph): Promise<Decision> {
  if (a.verb !== 'create' || !a.name) return deny('can only create tokens for individual service accounts');
  if (a.subresource !== 'token') return deny('can only create token subresource of serviceaccount');
  return related(node, a, graph, 'serviceaccount');
}

/** related is the graph walk: does a path lead from the object to the node? */
async function related(node: string, a: Attributes, graph: NodeGraph, vertex: Vertex): Promise<Decision> {
  if (!a.name) return deny('No Object name found');
  const found = await hasPathFrom(node, vertex, a.namespace, a.name, graph);
  return found ? ALLOW : deny(`no relationship found between node '${node}' and this object`);
}

async function hasPathFrom(node: string, vertex: Vertex, namespace: string, name: string, graph: NodeGraph): Promise<boolean> {
  switch (vertex) {
    case 'pod':
      return (await graph.pod(namespace, name))?.nodeName === node;
    case 'secret':
      return (await graph.podsOnNode(node, namespace)).some((p) => p.secrets.includes(name));
    case 'configmap':
      return (await graph.podsOnNode(node, namespace)).some((p) => p.configMaps.includes(name));
    case 'pvc':
      return (await graph.podsOnNode(node, namespace)).some((p) => p.claims.includes(name));
    case 'serviceaccount':
      return (await graph.podsOnNode(node, namespace)).some((p) => (p.serviceAccountName || 'default') === name);
    case 'pv': {
      for (const p of await graph.podsOnNode(node)) {
        for (const c of p.claims) if (await graph.claimVolume(p.namespace, c) === name) return true;
      }
      return false;
    }
  }
}

function authorizeLease(node: string, a: Attributes): Decision {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return deny('can only get, create, update, patch, or delete a node lease');
  if (a.namespace !== NODE_LEASE_NAMESPACE) return deny(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  // The authorizer does not know the name on create (NodeRestriction checks the body upstream).
  if (a.verb !== 'create' && a.name !== node) return deny('can only access node lease with the same name as the requesting node');
  return ALLOW;
}

function authorizeNodeObject(node: string, a: Attributes): Decision {
  if (a.subresource === '') {
    switch (a.verb) {
      case 'create': return ALLOW;
      case 'update': case 'patch':
        return a.name === node ? ALLOW : denyAdmission(`node "${node}" is not allowed to modify node "${a.name}"`);
      case 'get': case 'list': case 'watch':
        // compared by name, so that a kubelet may look for its Node before creating it
        if (a.name === node) return ALLOW;
        if (a.name === '') return deny(`node '${node}' cannot read all nodes, only its own Node object`);
        return deny(`node '${node}' cannot read '${a.name}', only its own Node object`);
    }
  } else if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) {
    return a.name === node ? ALLOW : denyAdmission(`node "${node}" is not allowed to modify node "${a.name}"`);
  }
  return deny();
}

async function authorizePod(node: string, a: Attributes, graph: NodeGraph): Promise<Decision> {
  // NodeRestriction looks at the existing pod; a missing one is left to the handler's 404.
  const boundHere = async () => {
    const p = await graph.pod(a.namespace, a.name);
    return !p || p.nodeName === node;
  };
  switch (a.subresource) {
    case '':
      switch (a.verb) {
        case 'get':
          return related(node, a, graph, 'pod');
        case 'list': case 'watch':
          for (const t of a.fieldSelector?.terms ?? []) {
            if (t.field === 'spec.nodeName' && t.operator === '=' && t.value === node) return ALLOW;
          }
          if (a.name) return related(node, a, graph, 'pod');
          return deny('can only list/watch pods with spec.nodeName field selector');
        case 'create':
          // Only mirror pods, which tskube's agent does not make (NodeRestriction).
          return denyAdmission(`pod does not have "kubernetes.io/config.mirror" annotation, node "${node}" can only create mirror pods`);
        case 'delete':
          // A kubelet deletes a pod once its containers are gone (graceful deletion's last step).
          return await boundHere() ? ALLOW : denyAdmission(`node "${node}" can only delete pods with spec.nodeName set to itself`);
      }
      break;
    case 'status':
      if (a.verb === 'update' || a.verb === 'patch') {
        return await boundHere() ? ALLOW : denyAdmission(`node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
      }
      break;
    case 'eviction':
      if (a.verb === 'create') {
        return await boundHere() ? ALLOW : denyAdmission(`node ${node} can only evict pods with spec.nodeName set to itself`);
      }
      break;
  }
  return deny();
}

/** podRefs collects what a pod references (podutil.VisitPodSecretNames / VisitPodConfigmapNames, claims). */
export function podRefs(pod: PodLike): PodRefs {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  const claims = new Set<string>();
  const spec = pod.spec ?? {};
  for (const s of spec.imagePullSecrets ?? []) if (s.name) secrets.add(s.name);
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const f of c.envFrom ?? []) {
      if (f.secretRef?.name) secrets.add(f.secretRef.name);
      if (f.configMapRef?.name) configMaps.add(f.configMapRef.name);
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
      if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    for (const s of v.projected?.sources ?? []) {
      if (s.secret?.name) secrets.add(s.secret.name);
      if (s.configMap?.name) configMaps.add(s.configMap.name);
    }
    if (v.persistentVolumeClaim?.claimName) claims.add(v.persistentVolumeClaim.claimName);
    // a generic ephemeral volume's claim is named <pod>-<volume>
    if (v.ephemeral) claims.add(`${pod.metadata?.name}-${v.name}`);
  }
  return {
    namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', nodeName: spec.nodeName || undefined,
    serviceAccountName: spec.serviceAccountName, secrets: [...secrets], configMaps: [...configMaps], claims: [...claims],
  };
}

interface NamedRef { name?: string }
interface ContainerLike {
  envFrom?: { secretRef?: NamedRef; configMapRef?: NamedRef }[];
  env?: { valueFrom?: { secretKeyRef?: NamedRef; configMapKeyRef?: NamedRef } }[];
}
/** PodLike is the part of a Pod podRefs reads. */
export interface PodLike {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    nodeName?: string;
    serviceAccountName?: string;
    imagePullSecrets?: NamedRef[];
    initContainers?: ContainerLike[];
    containers?: ContainerLike[];
    ephemeralContainers?: ContainerLike[];
    volumes?: {
      name: string;
      secret?: { secretName?: string };
      configMap?: NamedRef;
      projected?: { sources?: { secret?: NamedRef; configMap?: NamedRef }[] };
      persistentVolumeClaim?: { claimName?: string };
      ephemeral?: unknown;
    }[];
  };
}
