/** The in-tree plugin registry: name → factory (plugins/registry.go). */
import type { PluginFactory, Registry } from '../framework/interface.js';
import { DefaultBinder } from './defaultbinder/default-binder.js';
import { DefaultPreemption } from './defaultpreemption/default-preemption.js';
import { ImageLocality } from './imagelocality/image-locality.js';
import { InterPodAffinity } from './interpodaffinity/plugin.js';
import { NodeAffinity } from './nodeaffinity/node-affinity.js';
import { NodeName } from './nodename/node-name.js';
import { NodePorts } from './nodeports/node-ports.js';
import { BalancedAllocation } from './noderesources/balanced-allocation.js';
import { Fit } from './noderesources/fit.js';
import { NodeUnschedulable } from './nodeunschedulable/node-unschedulable.js';
import { PodTopologySpread } from './podtopologyspread/plugin.js';
import { PrioritySort } from './queuesort/priority-sort.js';
import { SchedulingGates } from './schedulinggates/scheduling-gates.js';
import { TaintToleration } from './tainttoleration/taint-toleration.js';
import { VolumeBinding } from './volumebinding/volume-binding.js';
import { Names } from './names.js';

const entries: [string, PluginFactory][] = [
  [Names.SchedulingGates, () => new SchedulingGates()],
  [Names.PrioritySort, () => new PrioritySort()],
  [Names.NodeUnschedulable, () => new NodeUnschedulable()],
  [Names.NodeName, () => new NodeName()],
  [Names.TaintToleration, () => new TaintToleration()],
  [Names.NodeAffinity, (args) => new NodeAffinity(args)],
  [Names.NodePorts, () => new NodePorts()],
  [Names.NodeResourcesFit, (args) => new Fit(args)],
  [Names.VolumeBinding, (args, h) => new VolumeBinding(args, h)],
  [Names.PodTopologySpread, (args, h) => new PodTopologySpread(args, h)],
  [Names.InterPodAffinity, (args, h) => new InterPodAffinity(args, h)],
  [Names.DefaultPreemption, (args, h) => new DefaultPreemption(args, h)],
  [Names.NodeResourcesBalancedAllocation, (args) => new BalancedAllocation(args)],
  [Names.ImageLocality, (_args, h) => new ImageLocality(h)],
  [Names.DefaultBinder, (_args, h) => new DefaultBinder(h.client)],
];

/** newInTreeRegistry returns the built-in plugins' factories. */
export function newInTreeRegistry(): Registry {
  return new Map(entries);
}
