/** @nx-hpo/plugin — the Nx plugin entry point: inferred targets for `tune.yaml` files. */
export { createNodes, createNodesV2, type HpoPluginOptions } from './plugins/tune-targets';
