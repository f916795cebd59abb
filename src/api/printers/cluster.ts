import type { TablePrinter } from '../resource.js';
import { AGE, NAME, col, get } from './columns.js';
import { ageOf } from './duration.js';

const name = (o: unknown) => get(o, 'metadata', 'name');
const age = (o: unknown, now: Date) => ageOf(get(o, 'metadata', 'creationTimestamp'), now);

interface MetricSpec { type: string; resource?: { name: string; target: { type: string; averageUtilization?: number; averageValue?: string; value?: string } } }
interface MetricStatus { type: string; resource?: { name: string; current: { averageUtilization?: number; averageValue?: string; value?: string } } }

/** hpaTargets renders TARGETS as 1.32 does: "cpu: 20%/50%", "<unknown>" before metrics arrive. */
function hpaTargets(o: unknown): string {
  const specs = (get(o, 'spec', 'metrics') ?? []) as MetricSpec[];
  const statuses = (get(o, 'status', 'currentMetrics') ?? []) as MetricStatus[];
  if (!specs.length) return '<none>';
  const parts = specs.map((m, i) => {
    if (m.type !== 'Resource' || !m.resource) return `<unknown>/<unknown>`;
    const cur = statuses[i]?.resource?.current;
    const t = m.resource.target;
    if (t.type === 'Utilization') {
      const c = cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : '<unknown>';
      return `${m.resource.name}: ${c}/${t.averageUtilization}%`;
    }
    const want = t.averageValue ?? t.value ?? '<unknown>';
    return `${m.resource.name}: ${cur?.averageValue ?? cur?.value ?? '<unknown>'}/${want}`;
  });
  if (parts.length > 2) return `${parts.slice(0, 2).join(', ')} + ${parts.length - 2} more...`;
  return parts.join(', ');
}

/** hpaPrinter: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE. */
export const hpaPrinter: TablePrinter = {
  columns: [NAME, col('Reference', 'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.'),
    col('Targets', 'the current and target metrics the autoscaler uses to decide on the number of pods.'), col('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    col('MaxPods', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.', 0, 'integer'),
    col('Replicas', 'current number of replicas of pods managed by this autoscaler.', 0, 'integer'), AGE],
  cells: (o, now) => {
    const ref = get(o, 'spec', 'scaleTargetRef') ?? {};
    // autoscaling/v1 objects carry targetCPUUtilizationPercentage instead of metrics.
    const v1 = get(o, 'spec', 'targetCPUUtilizationPercentage');
    const targets = get(o, 'spec', 'metrics') || v1 === undefined ? hpaTargets(o)
      : `cpu: ${get(o, 'status', 'currentCPUUtilizationPercentage') !== undefined ? get(o, 'status', 'currentCPUUtilizationPercentage') + '%' : '<unknown>'}/${v1}%`;
    const min = get(o, 'spec', 'minReplicas');
    return [name(o), `${ref.kind}/${ref.name}`, targets, min === undefined ? '<unset>' : String(min), get(o, 'spec', 'maxReplicas') ?? 0, get(o, 'status', 'currentReplicas') ?? 0, age(o, now)];
  },
};

/** leasePrinter: NAME HOLDER AGE. */
export const leasePrinter: TablePrinter = {
  columns: [NAME, col('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), AGE],
  cells: (o, now) => [name(o), get(o, 'spec', 'holderIdentity') ?? '', age(o, now)],
};

/** pdbPrinter: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE. */
export const pdbPrinter: TablePrinter = {
  columns: [NAME, col('Min Available', 'The minimum number of pods that must be available simultaneously.'), col('Max Unavailable', 'The maximum number of pods that may be unavailable simultaneously.'),
    col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', 0, 'integer'), AGE],
  cells: (o, now) => [name(o), get(o, 'spec', 'minAvailable') !== undefined ? String(get(o, 'spec', 'minAvailable')) : 'N/A',
    get(o, 'spec', 'maxUnavailable') !== undefined ? String(get(o, 'spec', 'maxUnavailable')) : 'N/A', get(o, 'status', 'disruptionsAllowed') ?? 0, age(o, now)],
};

/** storageClassPrinter: NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE. */
export const storageClassPrinter: TablePrinter = {
  columns: [NAME, col('Provisioner', 'Indicates the type of the provisioner.'), col('ReclaimPolicy', 'Indicates the type of the reclaim policy.'),
    col('VolumeBindingMode', 'Indicates how PersistentVolumeClaims should be provisioned and bound.'), col('AllowVolumeExpansion', 'Indicates whether the storage class allow volume expand.', 0, 'boolean'), AGE],
  cells: (o, now) => {
    const isDefault = get(o, 'metadata', 'annotations', 'storageclass.kubernetes.io/is-default-class') === 'true';
    return [isDefault ? `${name(o)} (default)` : name(o), get(o, 'provisioner') ?? '', get(o, 'reclaimPolicy') ?? 'Delete', get(o, 'volumeBindingMode') ?? 'Immediate', !!get(o, 'allowVolumeExpansion'), age(o, now)];
  },
};
