export interface TuneExecutorOptions {
  config: string;
  algorithm?: 'random' | 'grid' | 'bayesian' | 'tpe' | 'qlearning' | 'auto';
  trials?: number;
  parallelism?: number;
  seed?: number;
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  outputPath?: string;
  verbose?: boolean;
  store?: string;
  shard?: string;
}
