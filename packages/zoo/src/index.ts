/**
 * Pretrained gankit generators and upscalers with their model cards, loadable by name:
 * `loadZooModel('dcgan-fashion')`, or `gankit sample --model dcgan-fashion`.
 * @packageDocumentation
 */
export type { ModelCard } from './zoo.js';
export { listZooModels, loadZooModel, zooModelCard, zooModelDir } from './zoo.js';
