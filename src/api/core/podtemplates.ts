/** core/v1 PodTemplate: a stored pod template (no controller acts on it by itself). */
import { deepEqual } from '../../apimachinery/deep.js';
import { defineResource } from '../common/define.js';
import { isObj } from '../common/obj.js';
import { col, containerImages, containerNames, get, mapSelectorCell, NAME } from '../printers/columns.js';
import type { ResourceDefinition, TablePrinter } from '../resource.js';
import { validatePodTemplateSpec } from './pod-validation.js';
import { defaultPodTemplate } from './pod-defaults.js';

/** podTemplatePrinter: TEMPLATE CONTAINERS IMAGES POD LABELS (Kubernetes prints no age here). */
export const podTemplatePrinter: TablePrinter = {
  columns: [
    { ...NAME, name: 'Template' },
    col('Containers', 'Names of each container in the template.'),
    col('Images', 'Images referenced by each container in the template.'),
    col('Pod Labels', 'The labels for the pod to be created from this template.'),
  ],
  cells: (o) => {
    const spec = get(o, 'template', 'spec');
    return [get(o, 'metadata', 'name'), containerNames(spec), containerImages(spec), mapSelectorCell(get(o, 'template', 'metadata', 'labels'))];
  },
};

/** podtemplates is the core/v1 PodTemplate resource; generation counts template changes. */
export const podtemplates: ResourceDefinition = defineResource({
  group: '', version: 'v1', kind: 'PodTemplate', plural: 'podtemplates', namespaced: true, table: podTemplatePrinter,
  strategy: {
    default: (pt) => defaultPodTemplate(pt.template),
    prepareForCreate(pt) { (pt.metadata ??= {}).generation = 1; },
    prepareForUpdate(pt, old) {
      const oldGen = old.metadata?.generation ?? 0;
      (pt.metadata ??= {}).generation = deepEqual(pt.template, old.template) ? oldGen : oldGen + 1;
    },
    validate: (pt) => validatePodTemplateSpec(isObj(pt.template) ? pt.template : {}, 'template'),
    validateUpdate: (pt) => validatePodTemplateSpec(isObj(pt.template) ? pt.template : {}, 'template'),
  },
});
