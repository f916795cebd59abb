import type { TablePrinter } from '../resource.js';
import { AGE, NAME, col, get, mapSelectorCell } from './columns.js';
import { ageOf, humanDuration } from './duration.js';

const name = (o: unknown) => get(o, 'metadata', 'name');
const age = (o: unknown, now: Date) => ageOf(get(o, 'metadata', 'creationTimestamp'), now);

/** servicePrinter: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE (+ SELECTOR). */
export const servicePrinter: TablePrinter = {
  columns: [NAME, col('Type', 'type determines how the Service is exposed.'), col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'The list of ports that are exposed by this service.'), AGE, col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 1)],
  cells: (o, now) => {
    const spec = get(o, 'spec') ?? {};
    const type = spec.type ?? 'ClusterIP';
    let external = '<none>';
    const ext: string[] = spec.externalIPs ?? [];
    if (type === 'LoadBalancer') {
      const ing = ((get(o, 'status', 'loadBalancer', 'ingress') ?? []) as { ip?: string; hostname?: string }[]).map((i) => i.ip || i.hostname || '');
      const all = [...ing, ...ext].filter(Boolean);
      external = all.length ? all.join(',') : '<pending>';
    } else if (type === 'ExternalName') {
      external = spec.externalName ?? '<none>';
    } else if (ext.length) {
      external = ext.join(',');
    }
    const ports = ((spec.ports ?? []) as { port: number; nodePort?: number; protocol?: string }[])
      .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',') || '<none>';
    return [name(o), type, spec.clusterIP || '<none>', external, ports, age(o, now), mapSelectorCell(spec.selector)];
  },
};

/**
 * endpointsPrinter: NAME ENDPOINTS AGE (formatEndpoints): each subset's ports in turn with every
 * ready address (addresses alone for a headless Service without ports), at most three, then
 * "+ N more..."; <none> only without subsets (not-ready addresses alone print nothing).
 */
export const endpointsPrinter: TablePrinter = {
  columns: [NAME, col('Endpoints', 'Endpoints is the list of endpoints in this subset.'), AGE],
  cells: (o, now) => {
    const subsets = (get(o, 'subsets') ?? []) as { addresses?: { ip: string }[]; ports?: { port: number }[] }[];
    if (subsets.length === 0) return [name(o), '<none>', age(o, now)];
    const list: string[] = [];
    let total = 0;
    for (const s of subsets) {
      const addrs = s.addresses ?? [];
      const ports = s.ports?.length ? s.ports : [undefined];
      for (const p of ports) {
        for (const a of addrs) {
          total++;
          if (list.length < 3) list.push(p ? `${a.ip}:${p.port}` : a.ip);
        }
      }
    }
    let cell = list.join(',');
    if (total > 3) cell += ` + ${total - 3} more...`;
    return [name(o), cell, age(o, now)];
  },
};

/** configMapPrinter: NAME DATA AGE. */
export const configMapPrinter: TablePrinter = {
  columns: [NAME, col('Data', 'Data contains the configuration data.', 0, 'integer'), AGE],
  cells: (o, now) => [name(o), Object.keys(get(o, 'data') ?? {}).length + Object.keys(get(o, 'binaryData') ?? {}).length, age(o, now)],
};

/** secretPrinter: NAME TYPE DATA AGE. */
export const secretPrinter: TablePrinter = {
  columns: [NAME, col('Type', 'The type of the secret'), col('Data', 'Data contains the secret data.', 0, 'integer'), AGE],
  cells: (o, now) => [name(o), get(o, 'type') ?? 'Opaque', Object.keys(get(o, 'data') ?? {}).length, age(o, now)],
};

/** namespacePrinter: NAME STATUS AGE. */
export const namespacePrinter: TablePrinter = {
  columns: [NAME, col('Status', 'The status of the namespace'), AGE],
  cells: (o, now) => [name(o), get(o, 'status', 'phase') ?? '', age(o, now)],
};

/** nodePrinter: NAME STATUS ROLES AGE VERSION (+ INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME). */
export const nodePrinter: TablePrinter = {
  columns: [NAME, col('Status', 'The status of the node'), col('Roles', 'The roles of the node'), AGE, col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
    col('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1)],
  cells: (o, now) => {
    const conds = (get(o, 'status', 'conditions') ?? []) as { type: string; status: string }[];
    const ready = conds.find((c) => c.type === 'Ready');
    // As printNode: any Ready status but True (False or Unknown) is NotReady; no Ready condition at all is Unknown.
    const states = [!ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
    if (get(o, 'spec', 'unschedulable')) states.push('SchedulingDisabled');
    const labels: Record<string, string> = get(o, 'metadata', 'labels') ?? {};
    const roles = new Set<string>();
    for (const [k, v] of Object.entries(labels)) {
      if (k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length) roles.add(k.slice('node-role.kubernetes.io/'.length));
      else if (k === 'kubernetes.io/role' && v) roles.add(v);
    }
    const addrs = (get(o, 'status', 'addresses') ?? []) as { type: string; address: string }[];
    const info = get(o, 'status', 'nodeInfo') ?? {};
    return [name(o), states.join(','), roles.size ? [...roles].sort().join(',') : '<none>', age(o, now), info.kubeletVersion ?? '',
      addrs.find((a) => a.type === 'InternalIP')?.address ?? '<none>', addrs.find((a) => a.type === 'ExternalIP')?.address ?? '<none>',
      info.osImage || '<unknown>', info.kernelVersion || '<unknown>', info.containerRuntimeVersion || '<unknown>'];
  },
};

/** eventPrinter: LAST SEEN TYPE REASON OBJECT MESSAGE (+ SUBOBJECT SOURCE FIRST SEEN COUNT NAME). */
export const eventPrinter: TablePrinter = {
  columns: [col('Last Seen', 'Time when last this event was recorded'), col('Type', 'Type of this event.'), col('Reason', 'Reason why this event was generated.'),
    col('Object', 'The object that this event is about.'), col('Subobject', 'The subobject this event is about.', 1), col('Source', 'The component reporting this event.', 1),
    col('Message', 'A human-readable description of the status of this operation.'), col('First Seen', 'The first time this event was seen.', 1),
    col('Count', 'The number of times this event has occurred.', 1), col('Name', 'Name of the event.', 1)],
  cells: (o, now) => {
    const since = (t: string | undefined) => (t ? humanDuration(now.getTime() - new Date(t).getTime()) : '<unknown>');
    const first = get(o, 'firstTimestamp') ?? get(o, 'eventTime') ?? get(o, 'metadata', 'creationTimestamp');
    const last = get(o, 'lastTimestamp') ?? get(o, 'series', 'lastObservedTime') ?? get(o, 'eventTime') ?? first;
    const count = get(o, 'count') ?? get(o, 'series', 'count') ?? 1;
    const lastSeen = count > 1 ? `${since(last)} (x${count} over ${since(first)})` : since(last);
    const io = get(o, 'involvedObject') ?? {};
    const src = get(o, 'source') ?? {};
    const source = src.component ? (src.host ? `${src.component}, ${src.host}` : src.component) : (get(o, 'reportingComponent') ?? '');
    return [lastSeen, get(o, 'type') ?? '', get(o, 'reason') ?? '', `${String(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`, io.fieldPath ?? '', source,
      String(get(o, 'message') ?? '').trim(), since(first), count, name(o)];
  },
};

const ACCESS_MODES: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
const accessModes = (m: string[] | undefined) => (m ?? []).map((x) => ACCESS_MODES[x] ?? x).join(',');

/** pvcPrinter: NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE (+ VOLUMEMODE). */
export const pvcPrinter: TablePrinter = {
  columns: [NAME, col('Status', 'The phase indicates if a volume is available, bound to a claim, or released by a claim.'), col('Volume', 'The binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'The actual resources of the underlying volume.'), col('Access Modes', 'AccessModes contains the desired access modes the volume should have.'),
    col('StorageClass', 'StorageClassName is the name of the StorageClass required by the claim.'), col('VolumeAttributesClass', 'VolumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.'), AGE,
    col('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', 1)],
  cells: (o, now) => {
    const bound = get(o, 'status', 'phase') === 'Bound';
    return [name(o), get(o, 'metadata', 'deletionTimestamp') ? 'Terminating' : get(o, 'status', 'phase') ?? 'Pending', get(o, 'spec', 'volumeName') ?? '',
      bound ? get(o, 'status', 'capacity', 'storage') ?? '' : '', bound ? accessModes(get(o, 'status', 'accessModes')) : '',
      get(o, 'spec', 'storageClassName') ?? '', get(o, 'spec', 'volumeAttributesClassName') ?? '<unset>', age(o, now), get(o, 'spec', 'volumeMode') ?? 'Filesystem'];
  },
};

/** pvPrinter: NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE (+ VOLUMEMODE). */
export const pvPrinter: TablePrinter = {
  columns: [NAME, col('Capacity', 'capacity is the description of the persistent volume\'s resources and capacity.'), col('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
    col('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'), col('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'), col('StorageClass', 'storageClassName is the name of StorageClass to which this persistent volume belongs.'),
    col('VolumeAttributesClass', 'Name of VolumeAttributesClass to which this persistent volume belongs.'), col('Reason', 'reason is a brief CamelCase string that describes any failure.'), AGE,
    col('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', 1)],
  cells: (o, now) => {
    const claim = get(o, 'spec', 'claimRef');
    return [name(o), get(o, 'spec', 'capacity', 'storage') ?? '', accessModes(get(o, 'spec', 'accessModes')), get(o, 'spec', 'persistentVolumeReclaimPolicy') ?? '',
      get(o, 'metadata', 'deletionTimestamp') ? 'Terminating' : get(o, 'status', 'phase') ?? '', claim ? `${claim.namespace}/${claim.name}` : '',
      get(o, 'spec', 'storageClassName') ?? '', get(o, 'spec', 'volumeAttributesClassName') ?? '<unset>', get(o, 'status', 'reason') ?? '', age(o, now), get(o, 'spec', 'volumeMode') ?? 'Filesystem'];
  },
};

/** serviceAccountPrinter: NAME SECRETS AGE. */
export const serviceAccountPrinter: TablePrinter = {
  columns: [NAME, col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', 0, 'integer'), AGE],
  cells: (o, now) => [name(o), (get(o, 'secrets') ?? []).length, age(o, now)],
};
