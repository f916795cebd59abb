import type { TablePrinter } from '../resource.js';
import { AGE, NAME, col, containerImages, containerNames, get, mapSelectorCell, selectorCell } from './columns.js';
import { ageOf, humanDuration } from './duration.js';

const name = (o: unknown) => get(o, 'metadata', 'name');
const age = (o: unknown, now: Date) => ageOf(get(o, 'metadata', 'creationTimestamp'), now);
const n = (v: unknown) => (typeof v === 'number' ? v : 0);
const CONTAINERS = col('Containers', 'Names of each container in the template.', 1);
const IMAGES = col('Images', 'Images referenced by each container in the template.', 1);
const SELECTOR = col('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1);

/** deploymentPrinter: NAME READY UP-TO-DATE AVAILABLE AGE (+ CONTAINERS IMAGES SELECTOR). */
export const deploymentPrinter: TablePrinter = {
  columns: [NAME, col('Ready', 'Number of the pod with ready state'), col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'), col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'), AGE, CONTAINERS, IMAGES, SELECTOR],
  cells: (o, now) => [name(o), `${n(get(o, 'status', 'readyReplicas'))}/${n(get(o, 'spec', 'replicas'))}`, n(get(o, 'status', 'updatedReplicas')), n(get(o, 'status', 'availableReplicas')), age(o, now),
    containerNames(get(o, 'spec', 'template', 'spec')), containerImages(get(o, 'spec', 'template', 'spec')), selectorCell(get(o, 'spec', 'selector'))],
};

/** replicaSetPrinter: NAME DESIRED CURRENT READY AGE (+ CONTAINERS IMAGES SELECTOR). */
export const replicaSetPrinter: TablePrinter = {
  columns: [NAME, col('Desired', 'Number of desired pods. This is a pointer to distinguish between explicit zero and unspecified.', 0, 'integer'), col('Current', 'Replicas is the most recently observed number of replicas.', 0, 'integer'), col('Ready', 'The number of ready replicas for this replica set.', 0, 'integer'), AGE, CONTAINERS, IMAGES, SELECTOR],
  cells: (o, now) => [name(o), n(get(o, 'spec', 'replicas')), n(get(o, 'status', 'replicas')), n(get(o, 'status', 'readyReplicas')), age(o, now),
    containerNames(get(o, 'spec', 'template', 'spec')), containerImages(get(o, 'spec', 'template', 'spec')), selectorCell(get(o, 'spec', 'selector'))],
};

/** replicationControllerPrinter: like ReplicaSet, with a map selector. */
export const replicationControllerPrinter: TablePrinter = {
  columns: replicaSetPrinter.columns,
  cells: (o, now) => [name(o), n(get(o, 'spec', 'replicas')), n(get(o, 'status', 'replicas')), n(get(o, 'status', 'readyReplicas')), age(o, now),
    containerNames(get(o, 'spec', 'template', 'spec')), containerImages(get(o, 'spec', 'template', 'spec')), mapSelectorCell(get(o, 'spec', 'selector'))],
};

/** statefulSetPrinter: NAME READY AGE (+ CONTAINERS IMAGES). */
export const statefulSetPrinter: TablePrinter = {
  columns: [NAME, col('Ready', 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
  cells: (o, now) => [name(o), `${n(get(o, 'status', 'readyReplicas'))}/${n(get(o, 'spec', 'replicas'))}`, age(o, now),
    containerNames(get(o, 'spec', 'template', 'spec')), containerImages(get(o, 'spec', 'template', 'spec'))],
};

/** daemonSetPrinter: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE (+ CONTAINERS IMAGES SELECTOR). */
export const daemonSetPrinter: TablePrinter = {
  columns: [NAME, col('Desired', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', 0, 'integer'),
    col('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', 0, 'integer'),
    col('Ready', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.', 0, 'integer'),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod', 0, 'integer'),
    col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', 0, 'integer'),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'), AGE, CONTAINERS, IMAGES, SELECTOR],
  cells: (o, now) => [name(o), n(get(o, 'status', 'desiredNumberScheduled')), n(get(o, 'status', 'currentNumberScheduled')), n(get(o, 'status', 'numberReady')),
    n(get(o, 'status', 'updatedNumberScheduled')), n(get(o, 'status', 'numberAvailable')), mapSelectorCell(get(o, 'spec', 'template', 'spec', 'nodeSelector')), age(o, now),
    containerNames(get(o, 'spec', 'template', 'spec')), containerImages(get(o, 'spec', 'template', 'spec')), selectorCell(get(o, 'spec', 'selector'))],
};

const hasCondition = (o: unknown, type: string) => ((get(o, 'status', 'conditions') ?? []) as { type: string; status: string }[]).some((c) => c.type === type && c.status === 'True');

/** jobPrinter (1.32): NAME STATUS COMPLETIONS DURATION AGE (+ CONTAINERS IMAGES SELECTOR). */
export const jobPrinter: TablePrinter = {
  columns: [NAME, col('Status', 'Status of the job.'), col('Completions', 'The completion status of the job and the desired number of completions.'), col('Duration', 'Time required to complete the job.'), AGE, CONTAINERS, IMAGES, SELECTOR],
  cells: (o, now) => {
    const succeeded = n(get(o, 'status', 'succeeded'));
    const completions = get(o, 'spec', 'completions');
    const parallelism = n(get(o, 'spec', 'parallelism'));
    const comp = typeof completions === 'number' ? `${succeeded}/${completions}` : parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    const start = get(o, 'status', 'startTime');
    const end = get(o, 'status', 'completionTime');
    const dur = !start ? '' : humanDuration((end ? new Date(end).getTime() : now.getTime()) - new Date(start).getTime());
    let status = 'Running';
    if (hasCondition(o, 'Complete')) status = 'Complete';
    else if (hasCondition(o, 'Failed')) status = 'Failed';
    else if (get(o, 'metadata', 'deletionTimestamp')) status = 'Terminating';
    else if (hasCondition(o, 'Suspended')) status = 'Suspended';
    else if (hasCondition(o, 'FailureTarget')) status = 'FailureTarget';
    return [name(o), status, comp, dur, age(o, now), containerNames(get(o, 'spec', 'template', 'spec')), containerImages(get(o, 'spec', 'template', 'spec')), selectorCell(get(o, 'spec', 'selector'))];
  },
};

/** cronJobPrinter: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE (+ CONTAINERS IMAGES SELECTOR). */
export const cronJobPrinter: TablePrinter = {
  columns: [NAME, col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'), col('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    col('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.', 0, 'boolean'),
    col('Active', 'A list of pointers to currently running jobs.', 0, 'integer'), col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'), AGE, CONTAINERS, IMAGES, SELECTOR],
  cells: (o, now) => {
    const last = get(o, 'status', 'lastScheduleTime');
    const tpl = get(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec');
    const suspend = get(o, 'spec', 'suspend');
    // printBoolPtr: "True"/"False", "<unset>" when the field is absent.
    const suspendCell = typeof suspend === 'boolean' ? (suspend ? 'True' : 'False') : '<unset>';
    return [name(o), get(o, 'spec', 'schedule'), get(o, 'spec', 'timeZone') ?? '<none>', suspendCell, (get(o, 'status', 'active') ?? []).length,
      last ? humanDuration(now.getTime() - new Date(last).getTime()) : '<none>', age(o, now), containerNames(tpl), containerImages(tpl), selectorCell(get(o, 'spec', 'jobTemplate', 'spec', 'selector'))];
  },
};

/** controllerRevisionPrinter: NAME CONTROLLER REVISION AGE. */
export const controllerRevisionPrinter: TablePrinter = {
  columns: [NAME, col('Controller', 'Controller of the object'), col('Revision', 'Revision indicates the revision of the state represented by Data.', 0, 'integer'), AGE],
  cells: (o, now) => {
    const owner = ((get(o, 'metadata', 'ownerReferences') ?? []) as { kind: string; apiVersion: string; name: string; controller?: boolean }[]).find((r) => r.controller);
    const ctrl = owner ? `${owner.kind.toLowerCase()}${owner.apiVersion.includes('/') ? '.' + owner.apiVersion.split('/')[0] : ''}/${owner.name}` : '<none>';
    return [name(o), ctrl, n(get(o, 'revision')), age(o, now)];
  },
};
